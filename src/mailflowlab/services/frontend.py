"""Front End Transport on the Client Access server: a stateless SMTP proxy.

It "doesn't inspect message content, doesn't communicate with the Mailbox Transport
service on Mailbox servers, and doesn't queue any messages locally" (fact sheet §1). It
answers the client itself up to the end of DATA, then proxies the message to a Transport
service; if none answers, the client gets a transient error and must retry (§0.3):
`451 4.7.0 Temporary server error. Please try again later. PRX5`. It keeps "a special list of
Mailbox servers in the local Active Directory site for fast fail-over" (Mail routing,
Exchange 2013), so a Mailbox server whose Transport turns the message away for now (back
pressure: `452 4.3.1 Insufficient system resources` at MAIL FROM) is passed over for the next
one too (INFERRED); only when every one refuses does the client hear the first refusal, after
its final dot. If its internal DNS lookups
cannot find the Mailbox servers at all (Set-FrontendTransportService -InternalDNSServers
pointing outside the organization), the same error ends in PRX2, "DNS lookup failure"; if
every Mailbox server refuses the proxy session at EHLO (no receive connector covers the Front
End's address), in PRX4, "protocol error" (see `replies.PRX_PROTOCOL_ERROR`, UNCERTAIN).
"""
from __future__ import annotations

import dataclasses

from .. import replies
from ..headers import format_smtp_received
from ..message import header, prepend, strip_org_headers
from ..routing import finds_servers, frontend_targets
from ..smtp.client import relay
from ..smtp.network import ConnectFailed
from ..topology import FRONT_END_TRANSPORT, Endpoint
from .base import Service
from .smtp_receive import SessionInfo

DEFAULT_FRONTEND_PORT = 25
CLIENT_FRONTEND_PORT = 587
OUTBOUND_PROXY_PORT = 717
CLIENT_PROXY_PORT = 465


class FrontEndTransport(Service):
    """MSExchangeFrontEndTransport: Default Frontend (25), Client Frontend (587) and
    Outbound Proxy Frontend (717)."""

    name = FRONT_END_TRANSPORT

    def _targets(self, port: int, recipients: list[str]) -> list[Endpoint]:
        if port == OUTBOUND_PROXY_PORT:
            domain = recipients[0].rpartition("@")[2] if recipients else ""
            mx = self.ctx.resolve_mx(domain)
            return [mx] if mx is not None else []
        chosen = frontend_targets(self.ctx.org, self.server, recipients, self.ctx.ids.choice)
        if port == CLIENT_FRONTEND_PORT:
            return [Endpoint(ep.ip, CLIENT_PROXY_PORT) for _, ep in chosen]
        return [ep for _, ep in chosen]

    async def receive(self, session: SessionInfo, mail_from: str, recipients: list[str],
                      content: bytes) -> str:
        port = session.connector.port if session.connector else DEFAULT_FRONTEND_PORT
        if port == DEFAULT_FRONTEND_PORT:
            # Only the Default Frontend hop leaves a header; 587 and 717 add none (§3.1).
            content = prepend(content, "Received", format_smtp_received(
                from_host=session.helo or session.peer.name, from_ip=session.peer.ip,
                by_host=self.server.fqdn, by_ip=self.server.ip, build=self.server.build,
                tls=session.tls, via="Frontend Transport", when=self.ctx.clock.now()))
        # Port 25 and outbound proxying reach the next hop as this Exchange server: Transport's
        # Default connector has no AnonymousUsers, and its Received header names the Front End
        # (§0.2 B, E). So the header firewall for an anonymous client applies here (§3.1).
        # Client submission (587) carries the logged-on client, as it came (its EHLO name,
        # address and TLS), on to Client Proxy (§0.2 D).
        if port == DEFAULT_FRONTEND_PORT and not session.is_exchange_server:
            content = strip_org_headers(content)
        peer = self.peer if port in (DEFAULT_FRONTEND_PORT, OUTBOUND_PROXY_PORT) else dataclasses.replace(
            session.peer, name=session.helo or session.peer.name)
        if port == DEFAULT_FRONTEND_PORT and session.from_internet:
            peer = dataclasses.replace(peer, anonymous_proxy=True)
        targets = self._targets(port, recipients)
        if not targets:
            return replies.PRX_NO_DESTINATIONS
        if port != OUTBOUND_PROXY_PORT and not finds_servers(self.ctx.org, self.server.frontend_dns):
            return replies.PRX_DNS_FAILURE          # outbound proxy asks for an MX: external DNS
        self.ctx.paths.record(header(content, "Message-ID"), self.server.name, self.name)
        failure = replies.PRX_SOCKET_ERROR
        turned_away = None
        for endpoint in targets:
            try:
                outcome = await relay(self.ctx.sessions, endpoint, peer, mail_from, recipients, content)
            except (ConnectFailed, ConnectionError, TimeoutError):
                failure = replies.PRX_SOCKET_ERROR
                continue
            if outcome.setup is not None:           # refused at EHLO: fail over (PRX4)
                failure = replies.PRX_PROTOCOL_ERROR
                continue
            if outcome.final is not None:
                return outcome.final.text
            first = next(iter(outcome.refused.values()))
            if all(reply.transient for reply in outcome.refused.values()):
                # A server that turns the whole message away for now (back pressure's
                # `452 4.3.1` at MAIL FROM) is failed over like one that does not answer.
                turned_away = turned_away or first.text
                continue
            return first.text
        # A 452 of back pressure, when every server said it; else the reason of the last
        # target tried, encoded (fact sheet §0.3).
        return turned_away or failure
