"""The Transport service on a Mailbox server: the only service with queues.

"Virtually identical to the Hub Transport server role in previous versions": SMTP Receive
puts every message in the Submission queue; the categorizer resolves recipients, routes
them and splits the message by next hop into delivery queues; SMTP Send hands each queue's
messages to the next hop, retrying on the virtual clock when that fails (fact sheet §1, §4).

This module is the service's receiving side (SMTP Receive's hooks and the Submission queue's
door); its other jobs have modules of their own, listed in `queue_database`.
"""
from __future__ import annotations

from datetime import datetime

from .. import maintenance, replies
from ..back_pressure import ResourceMonitor
from ..headers import format_smtp_received
from ..message import header, prepend, strip_org_headers
from ..queues import QueuedMessage
from ..topology import TRANSPORT, Server
from .categorizer import Categorizer
from .context import LabContext
from .delivery_reports import DeliveryReports
from .queue_actions import QueueActions
from .shadow_redundancy import SHADOW_OF, ShadowRedundancy
from .smtp_receive import SessionInfo
from .smtp_send import SmtpSend

NETWORK_MESSAGE_ID = "X-MS-Exchange-Organization-Network-Message-Id"


class Transport(ShadowRedundancy, Categorizer, SmtpSend, DeliveryReports, QueueActions):
    """MSExchangeTransport (EdgeTransport.exe) on an Exchange 2013 Mailbox server. Its jobs
    come from the modules named in `queue_database`; this class receives."""

    name = TRANSPORT
    #: Recipient filtering on a Mailbox server: "When recipient filtering on a Mailbox server
    #: detects one invalid or blocked recipient in a message that contains other valid
    #: recipients, the message is rejected" (Enable anti-spam functionality on Mailbox servers).
    #: The Edge's refuses only the blocked recipient.
    rejects_whole_message = True
    #: Whether the categorizer's agents leave an AGENTINFO event (see `categorize`).
    writes_agentinfo = True

    def __init__(self, ctx: LabContext, server: Server) -> None:
        super().__init__(ctx, server)
        #: The Recipient Filter agent: not installed in Transport on a Mailbox server by default
        #: (Install-AntiSpamAgents.ps1); `Lab.set_recipient_filter_config` turns it on.
        self.recipient_filter = False
        #: Set-RecipientFilterConfig -RecipientValidationEnabled: whether the agent looks
        #: recipients up at all; `$false` by default, on a Mailbox server and on an Edge alike.
        self.recipient_validation = False
        #: Back pressure (see `back_pressure`): the pressure on this service's resources.
        self.resources = ResourceMonitor(server.name)
        #: InternalIds of the messages whose AGENTINFO this service has written (see `categorize`).
        self.agents_ran: set[int] = set()

    def schedule_pending(self) -> None:
        """On start: categorize what waits in Submission, send what is due, and set the
        timers of every waiting message again (work that fell due while stopped was dropped)."""
        now = self.ctx.clock.now()
        if self.submission.messages:
            self.categorize_soon()
        for key, queue in self.delivery_queues.items():
            if queue.messages:
                self.send_when_due(key, queue, now)
        for _queue, msg in self.waiting():
            self.set_timers(msg)
        if self.discards or self.shadowed:
            self.ctx.scheduler.now(("discards", self.server.name), self.send_discards)

    def categorize(self, msg: QueuedMessage) -> None:
        """Before routing, the agents that run on every message in the categorizer (the
        Transport Rule agent, and the Malware agent, on by default on a Mailbox server) leave
        one AGENTINFO event, Source AGENT, with no ConnectorId. Microsoft's example of a message
        between two users shows it between RECEIVE and SEND
        (https://learn.microsoft.com/en-us/exchange/message-tracking-exchange-2013-help). Real
        lines have an empty connector-id and the agents' results in custom-data (EventData):
        Exchange 2013 15.00.1104 wrote `S:AMA=SUM|action=p|error=|atch=0;S:CompCost=|ETR=0` for
        a message no rule matched ([SAMPLE] github.com/awslabs/kinesis-agent-windows,
        ExchangeLogParserTest); a 2019 server wrote source-context `CatContentConversion` and
        an `S:TRA=ETRP|ruleId=...` entry for every rule, on every message
        (https://learn.microsoft.com/en-us/answers/questions/2152821/auditing-transport-rules-2).
        Which agents run there shows in a 2019 line's MessageInfo, which times the categorizer's
        stages per agent: `CATSM-Malware Agent`, `CATSM-Journal Agent`, `CATRS-DLP Policy Agent`,
        `CATRS-Index Routing Agent`, `CATRT-RMS Encryption Agent` (its SEND toward the server's
        own Mailbox Transport Delivery went by the `Intra-Organization SMTP Send Connector`,
        https://learn.microsoft.com/en-us/answers/questions/208018/exchange-server-2019-internal-email-sent-but-not-r).
        INFERRED: one such event for every message, on its first categorization on this server
        (one resubmitted from Unreachable is routed again without a second). The lab models
        neither agent's verdicts, so it writes no custom data."""
        if self.writes_agentinfo and msg.internal_id not in self.agents_ran:
            self.agents_ran.add(msg.internal_id)
            self.ctx.tracking.log(self.ctx.clock.now(), self.server.fqdn, "AGENT", "AGENTINFO",
                                  sender=msg.mail_from, recipients=msg.recipients, subject=msg.subject,
                                  message_id=msg.message_id)
        super().categorize(msg)

    async def check_recipient(self, session: SessionInfo, address: str) -> str:
        """The Recipient Filter agent, where it runs: in mail from the Internet that isn't
        authenticated, an address of an accepted domain that no recipient has is blocked with
        `550 5.1.1 User unknown` once recipient validation is on. Mail from inside the
        organization is not filtered."""
        org = self.ctx.org
        if (self.recipient_filter and self.recipient_validation and session.from_internet
                and org.is_accepted(address.rpartition("@")[2])
                and org.mailbox(address) is None):
            return replies.USER_UNKNOWN
        return replies.RECIPIENT_OK

    async def check_sender(self, session: SessionInfo, address: str) -> str:
        """Maintenance mode: with HubTransport Draining or Inactive, no new message is taken,
        `421 4.3.2 Service not available`. Back pressure: under High pressure (Medium, for a
        sender outside the authoritative domains) MAIL FROM gets `452 4.3.1 Insufficient
        system resources`."""
        if not maintenance.takes_new_mail(self.server):
            return replies.SERVICE_NOT_AVAILABLE
        return self.resources.mail_from_reply(self.ctx.org, address) or replies.SENDER_OK

    def stamp(self, session: SessionInfo, content: bytes, when: datetime) -> bytes:
        """Add this hop's Received header: `with Microsoft SMTP Server (TLS) id 15.0...`.
        Exchange servers talk TLS to each other; an Internet client without STARTTLS does not."""
        return prepend(content, "Received", format_smtp_received(
            from_host=session.helo or session.peer.name, from_ip=session.peer.ip,
            by_host=self.server.fqdn, by_ip=self.server.ip, build=self.server.build,
            tls=session.tls, via=None, when=when))

    async def receive(self, session: SessionInfo, mail_from: str, recipients: list[str],
                      content: bytes) -> str:
        if session.blocked and self.rejects_whole_message:
            # UNCERTAIN: Microsoft says only that "the message is rejected"; the lab refuses it
            # after the final dot with the Recipient Filter's own reply, for every recipient.
            return replies.USER_UNKNOWN
        if not session.is_exchange_server:
            content = strip_org_headers(content)
        shadow_of = header(content, SHADOW_OF)
        if shadow_of is not None:
            return self.keep_shadow(session, mail_from, recipients, content, shadow_of)
        if header(content, NETWORK_MESSAGE_ID) is None:
            content = prepend(content, NETWORK_MESSAGE_ID, self.ctx.ids.guid())
        if header(content, "Message-ID") is None:
            # A telnet-typed message has none; Exchange gives it <guid@server> (§5.1's reply).
            content = prepend(content, "Message-ID", f"<{self.ctx.ids.guid()}@{self.server.fqdn}>")
        now = self.ctx.clock.now()
        content = self.stamp(session, content, now)
        connector = session.connector.name if session.connector else ""
        msg = self.queued_message(content, mail_from, recipients, f"SMTP:{connector}", session.peer.ip)
        await self.make_redundant(msg)
        self.submission.messages.append(msg)
        self.ctx.paths.record(msg.message_id, self.server.name, self.name)
        self.ctx.tracking.log(now, self.server.fqdn, "SMTP", "RECEIVE", sender=mail_from,
                              recipients=recipients, subject=msg.subject, message_id=msg.message_id,
                              connector=f"{self.server.name}\\{connector}", status="250 2.6.0")
        self.categorize_soon()
        return replies.queued(msg.message_id, msg.internal_id, self.server.fqdn)
