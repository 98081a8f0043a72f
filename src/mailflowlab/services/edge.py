"""Edge Transport: the server in the perimeter network that meets the Internet first.

It is not a member of the Active Directory forest; an Edge Subscription (EdgeSync) copies
to its AD LDS the send connectors, accepted domains and the organization's recipients
(fact sheet §6). An unsubscribed Edge has only what was made on it by hand. It does three
things this module models:

* listens on `Default internal receive connector <Edge>` (port 25) for the Internet and for
  the subscribed Mailbox servers;
* refuses unknown recipients at RCPT with the Recipient Filter agent, `550 5.1.1 User
  unknown`, once recipient validation is turned on (`Set-RecipientFilterConfig
  -RecipientValidationEnabled $true`; it is `$false` by default) and it has EdgeSync's copy
  of the recipients to look them up in;
* queues and relays like the Transport service it descends from, by its send connectors:
  `EdgeSync - Inbound to <Site>` (or one made by hand) toward the organization,
  `EdgeSync - <Site> to Internet` outward.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from .. import replies
from ..queues import RetryPolicy
from ..topology import EDGE_TRANSPORT, Server
from .context import LabContext
from .smtp_receive import SessionInfo
from .transport import Transport

#: Set-TransportService defaults that differ on an Edge (fact sheet §4.2): transient retries
#: every 10 minutes (the 2013 page's "00:01:00 or 10 minutes" is read as 10), then every 30.
EDGE_RETRY_POLICY = RetryPolicy(transient_failure_retry_interval=timedelta(minutes=10),
                                outbound_connection_failure_retry_interval=timedelta(minutes=30))


class EdgeTransport(Transport):
    """MSExchangeTransport on an Edge Transport server (Exchange 2010 or 2013 SP1)."""

    name = EDGE_TRANSPORT
    rejects_whole_message = False
    #: UNCERTAIN: no Edge log with AGENTINFO was found; the lab writes none there.
    writes_agentinfo = False

    def __init__(self, ctx: LabContext, server: Server) -> None:
        super().__init__(replace(ctx, policy=EDGE_RETRY_POLICY), server)
        self.recipient_filter = True                 # installed and enabled on every Edge

    async def check_recipient(self, session: SessionInfo, address: str) -> str:
        """The Recipient Filter agent, enabled on every Edge, looks recipients up only with
        RecipientValidationEnabled, `$false` by default (Set-RecipientFilterConfig cmdlet
        reference; hardening guides such as DISA's Edge STIG require turning it on): then an
        address in an accepted domain that no recipient has is refused. The lookup "requires
        access to Active Directory information that's provided by EdgeSync" (recipient
        filtering page): an unsubscribed Edge looks nobody up and accepts every address of an
        accepted domain."""
        org = self.ctx.org
        if (self.recipient_filter and self.recipient_validation and org.edge_subscribed(self.server.name)
                and org.is_accepted(address.rpartition("@")[2])
                and org.mailbox(address) is None):
            return replies.USER_UNKNOWN
        return replies.RECIPIENT_OK
