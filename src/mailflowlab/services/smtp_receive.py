"""SMTP Receive: Exchange's rules for a session on a receive connector, in one place.

Whatever carries the bytes (a loopback socket or memory), a session on a service's listener
meets these rules (fact sheet §2.1):

* the **receive connector** is the enabled one on that port whose RemoteIPRanges match the
  caller most specifically;
* its **permission groups** say what the caller is granted: ExchangeServers and
  ExchangeLegacyServers for the organization's servers, ExchangeUsers for a client that logged
  on, Partners, AnonymousUsers for anyone;
* **relay** (a recipient outside the accepted domains) needs ms-Exch-SMTP-Accept-Any-Recipient:
  servers and logged-on users, or a connector that grants it to anonymous callers;
* its **AuthMechanism** decides what EHLO offers: STARTTLS for `TLS`, AUTH LOGIN for
  `BasicAuth`, held back until TLS for `BasicAuthRequireTLS`; a failed logon is answered
  only after its **AuthTarpitInterval** of virtual time;
* its **TarpitInterval** holds back the refusal of a recipient the Recipient Filter blocked
  (`550 5.1.1 User unknown`) from a caller that did not authenticate;
* its **MaxMessageSize** refuses a larger message;
* its **connection limits** (MaxInboundConnection, MaxInboundConnectionPerSource and its
  percentage, ConnectionTimeout, ConnectionInactivityTimeout) refuse a connection over them
  with a 421 and close a session that lasts or idles too long;
* with `ProtocolLoggingLevel Verbose` every line heard and said goes to the protocol log.

The service behind the listener (`Receiver`) then says whether it takes each recipient and
the message itself.
"""
from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from .. import replies
from ..hybrid import ACCEPT_CLOUD_SERVICES_MAIL
from ..message import hop_counts
from ..protocol_log import SessionLog, permissions
from ..smtp.listener import ExchangeSMTP, Listener, banner_ident
from ..smtp.network import Peer
from ..topology import (
    ANONYMOUS,
    EXCHANGE_LEGACY_SERVERS,
    EXCHANGE_SERVERS,
    EXCHANGE_USERS,
    PARTNERS,
    Endpoint,
    ReceiveConnector,
    Server,
)
from .context import LabContext


@dataclass
class SessionInfo:
    """What a service knows about the SMTP session in front of it."""
    peer: Peer
    connector: ReceiveConnector | None
    helo: str | None
    #: Recipients of this transaction (since MAIL FROM) that the Recipient Filter blocked.
    blocked: list[str] = field(default_factory=list)

    @property
    def groups(self) -> set[str]:
        """The permission groups this caller is granted on this connector."""
        if self.connector is None:
            return set()
        have = set(self.connector.permission_groups)
        granted: set[str] = set()
        if self.peer.exchange and EXCHANGE_SERVERS in have:
            granted.add(EXCHANGE_SERVERS)
        if self.peer.legacy and EXCHANGE_LEGACY_SERVERS in have:
            granted.add(EXCHANGE_LEGACY_SERVERS)
        if self.peer.authenticated_as and EXCHANGE_USERS in have:
            granted.add(EXCHANGE_USERS)
        if PARTNERS in have and self.peer.exchange:
            granted.add(PARTNERS)
        if ANONYMOUS in have:
            granted.add(ANONYMOUS)
        return granted

    @property
    def may_relay(self) -> bool:
        """ms-Exch-SMTP-Accept-Any-Recipient: servers and authenticated users, never Anonymous,
        unless the connector grants anonymous relay (a relay connector for a device), or EOP
        sends cross-premises mail with the certificate the connector trusts."""
        g = self.groups
        return bool(g & {EXCHANGE_SERVERS, EXCHANGE_LEGACY_SERVERS, EXCHANGE_USERS}) or self.cloud_services or (
            self.connector is not None and self.connector.anonymous_relay)

    @property
    def cloud_services(self) -> bool:
        """Exchange Online Protection, over TLS, with the certificate name the connector's
        TlsDomainCapabilities grants AcceptCloudServicesMail: its mail is cross-premises mail
        of the organization, relayed like a server's (INFERRED from the capability's purpose:
        centralized mail transport sends Internet mail through this connector)."""
        if self.connector is None or not self.peer.tls or self.peer.certificate is None:
            return False
        wanted = f"{self.peer.certificate}:{ACCEPT_CLOUD_SERVICES_MAIL}".lower()
        return wanted in (c.lower() for c in self.connector.tls_domain_capabilities)

    @property
    def is_exchange_server(self) -> bool:
        return bool(self.groups & {EXCHANGE_SERVERS, EXCHANGE_LEGACY_SERVERS})

    @property
    def authenticated(self) -> bool:
        """An Exchange server (ExchangeServer authentication) or a client that logged on."""
        return self.peer.exchange or self.peer.authenticated_as is not None

    @property
    def from_internet(self) -> bool:
        """Mail "from the Internet but [not] authenticated", which anti-spam agents filter: from
        an anonymous caller, from an Edge (which took it from the Internet), or from Front End
        Transport proxying an anonymous caller."""
        return not self.authenticated or self.peer.edge or self.peer.anonymous_proxy

    @property
    def tls(self) -> bool:
        """Encrypted: Exchange servers always talk TLS to each other; a client after STARTTLS."""
        return self.peer.exchange or self.peer.tls

    def offers(self, mechanism: str) -> bool:
        """Whether this caller's connector lists `mechanism` (TLS, BasicAuth, ...)."""
        return self.connector is not None and mechanism in self.connector.auth_mechanisms

    @property
    def may_log_on(self) -> bool:
        """AUTH LOGIN is on offer: BasicAuth, and the session encrypted if BasicAuthRequireTLS."""
        return self.offers("BasicAuth") and (self.tls or not self.offers("BasicAuthRequireTLS"))


class Receiver(Protocol):
    """What a transport service provides to its listeners."""

    async def check_sender(self, session: SessionInfo, address: str) -> str: ...

    async def check_recipient(self, session: SessionInfo, address: str) -> str: ...

    async def receive(self, session: SessionInfo, mail_from: str, recipients: list[str],
                      content: bytes) -> str: ...

    async def discard_shadows(self, session: SessionInfo, internal_ids: list[str]) -> str: ...


class ReceiveSession:
    """aiosmtpd's handler for one session: the connector's rules, then the service."""

    def __init__(self, binding: ReceiveBinding) -> None:
        self.binding = binding
        self._info: SessionInfo | None = None
        self._log: SessionLog | None = None
        self._banner: str | None = None
        self._logging = False
        self._wake: asyncio.TimerHandle | None = None

    def info(self, smtp: ExchangeSMTP) -> SessionInfo:
        """Who is calling and on which connector, decided once per session (the caller comes
        with the connection); TLS and the EHLO name as they are now."""
        if self._info is None:
            peer = smtp.client
            self._info = SessionInfo(peer, self.binding.connector_for(peer.ip), None)
        if smtp.encrypted and not self._info.peer.tls:
            self._info.peer = dataclasses.replace(self._info.peer, tls=True)
        assert smtp.session is not None
        self._info.helo = smtp.session.host_name
        return self._info

    # --- the protocol log tap ---------------------------------------------------------------
    def heard(self, smtp: ExchangeSMTP, line: str) -> None:
        """The log starts at the first line heard (the caller is surely known by then), with
        the banner in its place."""
        if self._wake is not None:              # the client goes on: mail moves when it stops
            self._wake.cancel()
            self._wake = None
        if not self._logging:
            self._logging = True
            self._log = self.binding.session_log(self.info(smtp))
            if self._log is not None and self._banner is not None:
                self._log.sent(self._banner)
        if self._log is not None:
            self._log.received(line)

    def said(self, smtp: ExchangeSMTP, reply: str) -> None:
        if not self._logging:
            self._banner = reply
        elif self._log is not None:
            self._log.sent(reply)

    def lost(self, smtp: ExchangeSMTP) -> None:
        if self._log is not None:
            self._log.disconnected()
        if self._wake is not None:
            self._wake.cancel()
            self._wake = None
        if smtp.caller is None:
            self.binding.ctx.scheduler.wake()

    def accepted(self, smtp: ExchangeSMTP) -> None:
        """A real client outside the lab handed over a message: the mail it set going moves
        when the client quits, or has been quiet for IDLE_WAKE, never between two of its
        commands, so a script's second message meets the same clock as its first."""
        if smtp.caller is None:
            loop = asyncio.get_running_loop()
            self._wake = loop.call_later(IDLE_WAKE, self.binding.ctx.scheduler.wake)

    # --- the connector's connection limits ------------------------------------------------------
    def admit(self, smtp: ExchangeSMTP) -> str | None:
        """MaxInboundConnection and MaxInboundConnectionPerSource (with its percentage) of the
        connector that serves this caller, and the lab's own ceiling under the process's file
        limit: a connection over one hears 421 4.3.2 and is closed. The lab's own servers
        (ExchangeServers) are not held to the per-source limit: a real Front End fails over to
        another Mailbox server, which the lab does not model (INFERRED simplification)."""
        peer = smtp.opened_for or smtp.listener.network.outside_client
        connector = self.binding.connector_for(peer.ip)
        if connector is None:
            return None                       # EHLO will say the service is not active
        network = smtp.listener.network
        if network.session_budget is not None and network.open_sessions >= network.session_budget:
            return replies.TOO_MANY_CONNECTIONS
        others = [s for s in smtp.listener.sessions
                  if s is not smtp and s.admitted_on is connector and s.refusal is None]
        if connector.max_inbound_connection is not None and len(others) >= connector.max_inbound_connection:
            return replies.TOO_MANY_CONNECTIONS
        limit = connector.per_source_limit()
        if limit is not None and not peer.exchange and sum(s.source == smtp.source for s in others) >= limit:
            return replies.TOO_MANY_CONNECTIONS_PER_SOURCE
        smtp.admitted_on = connector
        smtp.set_timeouts(connector.connection_inactivity_timeout.total_seconds(),
                          connector.connection_timeout.total_seconds())
        return None

    # --- STARTTLS and AUTH ---------------------------------------------------------------------
    async def may_start_tls(self, smtp: ExchangeSMTP) -> bool:
        assert smtp.session is not None
        if smtp.session.host_name is None:
            await smtp.push(replies.SEND_HELLO_FIRST)
            return False
        info = self.info(smtp)
        if not info.offers("TLS") or smtp.encrypted:
            await smtp.push(replies.UNRECOGNIZED)
            return False
        return True

    async def may_log_on(self, smtp: ExchangeSMTP) -> bool:
        assert smtp.session is not None
        if smtp.session.host_name is not None and not self.info(smtp).may_log_on:
            await smtp.push(replies.UNRECOGNIZED_AUTH_TYPE)
            return False
        return True

    def log_on(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
               auth_data: Any) -> AuthResult:
        """Check the user name and password against the mailboxes; the session then belongs
        to that mailbox's user (ExchangeUsers)."""
        if self._info is None or not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False, message=replies.AUTH_FAILED)
        mailbox = self.binding.ctx.org.authenticate(auth_data.login.decode("utf-8", "replace"),
                                                    auth_data.password.decode("utf-8", "replace"))
        if mailbox is None:
            return AuthResult(success=False, handled=False, message=replies.AUTH_FAILED)
        self._info.peer = dataclasses.replace(self._info.peer, authenticated_as=mailbox.address)
        return AuthResult(success=True, message=replies.AUTH_OK)

    async def logon_failed(self, smtp: ExchangeSMTP) -> None:
        """AuthTarpitInterval: the connector holds back its answer to a failed logon (5 seconds
        by default), so a password guesser gets one guess per interval on each connection. The
        wait is on the virtual clock: the lab's time moves, the real client's does not."""
        connector = self.info(smtp).connector
        if connector is not None:
            await self.binding.ctx.scheduler.wait(connector.auth_tarpit_interval)

    # --- aiosmtpd's hooks ------------------------------------------------------------------------
    async def handle_EHLO(self, server: ExchangeSMTP, session: Session, envelope: Envelope,
                          hostname: str, responses: list[str]) -> list[str]:
        session.host_name = hostname
        info = self.info(server)
        if info.connector is None:
            return [replies.SERVICE_NOT_ACTIVE]
        lines = [f"{self.binding.server.fqdn} Hello [{info.peer.ip}]",
                 f"SIZE {info.connector.max_message_size}", "PIPELINING", "ENHANCEDSTATUSCODES"]
        if info.offers("TLS") and not info.tls:
            lines.append("STARTTLS")
        if info.may_log_on:
            lines.append("AUTH LOGIN")
        lines.append("8BITMIME")
        return [f"250-{ln}" for ln in lines[:-1]] + [f"250 {lines[-1]}"]

    async def handle_HELO(self, server: ExchangeSMTP, session: Session, envelope: Envelope,
                          hostname: str) -> str:
        session.host_name = hostname
        return f"250 {self.binding.server.fqdn} Hello [{self.info(server).peer.ip}]"

    async def handle_RSET(self, server: ExchangeSMTP, session: Session, envelope: Envelope) -> str:
        self.info(server).blocked.clear()
        return replies.RESETTING

    async def handle_NOOP(self, server: ExchangeSMTP, session: Session, envelope: Envelope,
                          arg: str) -> str:
        return replies.OK

    async def handle_XSHADOWDISCARD(self, server: ExchangeSMTP, session: Session,
                                    envelope: Envelope, arg: str) -> str:
        info = self.info(server)
        if not info.is_exchange_server:
            return replies.UNRECOGNIZED
        return await self.binding.receiver.discard_shadows(info, arg.split())

    async def handle_MAIL(self, server: ExchangeSMTP, session: Session, envelope: Envelope,
                          address: str, mail_options: list[str]) -> str:
        info = self.info(server)
        if info.connector is None:
            return replies.SERVICE_NOT_ACTIVE
        if not info.groups:
            return replies.NOT_AUTHENTICATED
        reply = await self.binding.receiver.check_sender(info, _sender(address))
        if not reply.startswith("2"):
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        info.blocked.clear()
        return replies.SENDER_OK

    async def handle_RCPT(self, server: ExchangeSMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        info = self.info(server)
        domain = address.rpartition("@")[2]
        if not self.binding.ctx.org.is_accepted(domain) and not info.may_relay:
            return replies.UNABLE_TO_RELAY
        if any(r.lower() == address.lower() for r in envelope.rcpt_tos):
            return replies.RECIPIENT_OK             # the same recipient twice gets one copy
        if info.connector is not None and len(envelope.rcpt_tos) >= info.connector.max_recipients:
            return replies.TOO_MANY_RECIPIENTS
        reply = await self.binding.receiver.check_recipient(info, address)
        if reply.startswith("2"):
            envelope.rcpt_tos.append(address)
        elif reply == replies.USER_UNKNOWN:            # the Recipient Filter blocked it
            info.blocked.append(address)
            if not info.authenticated and info.connector is not None:
                # Tarpitting: "SMTP waits a specified number of seconds before it returns the
                # 550 5.1.1 User unknown error" (5 s by default), so a directory harvest attack
                # is slow; "authenticated connections are never delayed in this manner".
                await self.binding.ctx.scheduler.wait(info.connector.tarpit_interval)
        return reply

    async def handle_DATA(self, server: ExchangeSMTP, session: Session, envelope: Envelope) -> str:
        info = self.info(server)
        content = envelope.original_content or b""
        if info.connector is not None and len(content) > info.connector.max_message_size:
            # The listener's own limit is the largest of the connectors sharing its port, set
            # when the session opened; the connector that serves this caller decides, as it is now.
            return replies.TOO_BIG
        if info.connector is not None:
            hops, local = hop_counts(content, self.binding.server.fqdn)
            if hops > info.connector.max_hop_count or local > info.connector.max_local_hop_count:
                return replies.HOP_COUNT_EXCEEDED
        reply = await self.binding.receiver.receive(info, _sender(envelope.mail_from),
                                                    list(envelope.rcpt_tos), content)
        if reply.startswith("2"):
            self.accepted(server)
        return reply


#: Real seconds a client outside the lab may stay quiet after a message before the lab moves
#: the mail on without waiting for its QUIT (a learner at a telnet prompt).
IDLE_WAKE = 0.5


class ReceiveBinding:
    """One listener of one service: the receive connectors that share an Exchange port."""

    def __init__(self, ctx: LabContext, server: Server, service: str, port: int,
                 connectors: list[ReceiveConnector], receiver: Receiver,
                 tls_context: Callable[[], Any]) -> None:
        self.ctx = ctx
        self.server = server
        self.service = service
        self.port = port
        self.connectors = connectors
        self.receiver = receiver
        self.listener = Listener(ctx.network, self.endpoint, server.fqdn, lambda: ReceiveSession(self),
                                 lambda: banner_ident(server.fqdn, ctx.clock.now()),
                                 lambda: max((c.max_message_size for c in self.connectors), default=0),
                                 tls_context)

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(self.server.ip, self.port)

    @property
    def listening(self) -> bool:
        return self.listener.listening

    def connector_for(self, ip: str) -> ReceiveConnector | None:
        """The enabled connector whose RemoteIPRanges match `ip` most specifically."""
        matching = [c for c in self.connectors if c.enabled and c.accepts_ip(ip)]
        return min(matching, key=lambda c: c.specificity(ip)) if matching else None

    def session_log(self, info: SessionInfo) -> SessionLog | None:
        """A protocol log for a new session, if the caller's connector keeps one (Verbose)."""
        c = info.connector
        if c is None or c.protocol_logging != "Verbose":
            return None
        log = self.ctx.protocol_log.session(f"{c.server}\\{c.name}", str(self.endpoint), info.peer.ip)
        log.connected(permissions(info.groups, c.anonymous_relay))
        return log


def _sender(mail_from: str | None) -> str:
    """The envelope sender as the services keep it: "" for the null sender `<>` of a DSN, which
    aiosmtpd keeps as "<>" (its envelope needs a true value to take RCPT)."""
    return "" if mail_from in (None, "<>") else mail_from
