"""The Internet: outside senders, outside mailboxes, and DNS MX records for both.

Two real parts, both on the lab's loop and its network (sockets or memory):

* **Outside senders.** `send()` composes a message as an outside mail service would and
  queues it in the sender's own outgoing queue; one hop later it is handed to the MX of the
  recipient's domain over SMTP. A Google-like sender (gmail.com) stamps three Received
  headers of its own before the message ever reaches the organization, as in the article.
  A 4xx reply or a refused connection keeps the message queued and retried, like any real
  sending server; a 5xx reply returns a bounce to the outside sender.
* **Outside MX.** One listener plays the MX of every domain outside the organization,
  so mail that leaves through a send connector lands somewhere real:
  `lab.internet.mailbox("someone@fabrikam.com").messages`.

The retry schedule is RFC 5321's advice (§4.5.4.1: retry after "at least 30 minutes", give up
after "at least 4-5 days"). UNCERTAIN: each real service picks its own schedule.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from .. import arguments
from ..errors import LabError
from ..message import WIRE, prepend, to_bytes
from ..records import OutgoingRow, SentMessage
from ..routing import OUTSIDE_MX_ENDPOINT, resolve_mx
from ..smtp.client import Reply, relay
from ..smtp.network import ConnectFailed, Peer
from ..store import MailboxFolders
from ..topology import Endpoint
from ..views import Table
from .context import LabContext
from .exchange_online import ExchangeOnline

#: How often an outside sender tries again after a 4xx or a refused connection, and when it
#: gives up (RFC 5321 §4.5.4.1).
RETRY_INTERVAL = timedelta(minutes=30)
GIVE_UP_AFTER = timedelta(days=4)

#: The stand-in MX host for every domain outside the organization (TEST-NET-2 address).
OUTSIDE_MX = Peer("mx.internet.example", OUTSIDE_MX_ENDPOINT.ip)

#: Google's mail servers wrote Pacific time in their headers (PST in early March 2014).
PACIFIC = timezone(timedelta(hours=-8), "PST")


def _google_date(when: datetime) -> str:
    """`Tue, 4 Mar 2014 06:00:01 -0800 (PST)`: the date style of Google's Received headers."""
    t = when.astimezone(PACIFIC)
    return f"{t:%a}, {t.day} {t:%b %Y %H:%M:%S %z} ({t.tzname()})"


@dataclass(frozen=True)
class OutsideSender:
    """How one outside mail service sends: the host that connects out, and its own hops."""
    host: str
    ip: str
    internal_hops: tuple[str, ...]        # the IPs of its own servers before the outbound host

    def stamp(self, content: bytes, recipient: str, smtp_id: str, when: datetime) -> bytes:
        """Its own Received headers, oldest at the bottom, like a Gmail message of 2014."""
        date = _google_date(when)
        web, relay_ip = self.internal_hops
        content = prepend(content, "Received", f"by {web} with HTTP; {date}")
        content = prepend(content, "Received", f"by {relay_ip} with SMTP id {smtp_id[:6]}mr{smtp_id[10:17]}pbb; {date}")
        return prepend(content, "Received", f"by {self.host} with SMTP id {smtp_id} for <{recipient}>; {date}")


#: The Google-like sender of the article's example, for gmail.com addresses.
GOOGLE = OutsideSender("mail-pa0-f43.google.com", "209.85.220.43", ("10.70.55.100", "10.68.139.34"))


def sender_for(domain: str) -> OutsideSender:
    """Gmail addresses send through Google; any other outside domain through `mail.<domain>`."""
    if domain.lower() in ("gmail.com", "googlemail.com"):
        return GOOGLE
    return OutsideSender(f"mail.{domain.lower()}", "192.0.2.25", ("192.0.2.10", "192.0.2.11"))


@dataclass
class OutgoingItem:
    """One message in an outside sender's queue, for the recipients of one domain."""
    content: bytes
    mail_from: str
    recipients: list[str]
    sender: OutsideSender
    subject: str
    message_id: str
    first_attempt: datetime
    next_attempt: datetime
    attempts: int = 0
    last_error: str = ""


class _MXSession(SMTP):
    """aiosmtpd's protocol, remembering its sessions so stopping the Internet closes them."""

    def __init__(self, internet: Internet, **kwargs: Any) -> None:
        super().__init__(_MXHandler(internet), **kwargs)
        self.internet = internet
        self.caller: Peer | None = None
        self.opened_for: Peer | None = None      # (the Internet's MX keeps no connection limits)
        self.source = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.internet.sessions.add(self)
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        self.internet.sessions.discard(self)
        super().connection_lost(error)


class _MXHandler:
    """The outside MX accepts any outside recipient and files the message in their mailbox."""

    def __init__(self, internet: Internet) -> None:
        self.internet = internet

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        domain = address.rpartition("@")[2]
        if self.internet.ctx.org.is_authoritative(domain):
            return "550 5.7.1 Relaying denied"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(server, _MXSession)
        peer = server.caller or self.internet.ctx.network.outside_client
        queue_id = self.internet.ctx.ids.guid().replace("-", "")[:12].upper()
        when = self.internet.ctx.clock.now()
        for rcpt in envelope.rcpt_tos:
            stamped = prepend(envelope.original_content or b"", "Received",
                              f"from {session.host_name} ({session.host_name} [{peer.ip}]) by "
                              f"{OUTSIDE_MX.name} with ESMTP id {queue_id} for <{rcpt}>; {_google_date(when)}")
            self.internet.mailbox(rcpt).inbox.append(stamped)
        return f"250 2.0.0 Ok: queued as {queue_id}"


class Internet:
    """Everything outside the organization; `lab.internet`."""

    def __init__(self, ctx: LabContext, settle: Callable[[], None]) -> None:
        self.ctx = ctx
        self._settle = settle
        self.running = False
        self.outgoing: list[OutgoingItem] = []
        self.mailboxes: dict[str, MailboxFolders] = {}
        self.sessions: set[_MXSession] = set()
        #: Exchange Online Protection and the tenant, in a hybrid organization (`lab.exchange_online`).
        self.cloud = ExchangeOnline(ctx, ctx.org.tenant, settle) if ctx.org.tenant is not None else None

    # --- DNS -----------------------------------------------------------------------
    def resolve_mx(self, domain: str) -> Endpoint | None:
        """The MX record of `domain`: the organization's MX server (its port 25) for an
        accepted domain, the outside MX for any other."""
        return resolve_mx(self.ctx.org, domain)

    # --- life cycle --------------------------------------------------------------------
    def _session(self) -> _MXSession:
        session = _MXSession(self, hostname=OUTSIDE_MX.name, ident="ESMTP ready",
                             loop=asyncio.get_running_loop())
        return session

    async def start(self) -> None:
        await self.ctx.network.listen(OUTSIDE_MX_ENDPOINT, self._session)
        if self.cloud is not None:
            await self.cloud.start()
        self.running = True
        for item in self.outgoing:
            self._attempt_at(item, max(item.next_attempt, self.ctx.clock.now()))

    async def stop(self) -> None:
        self.running = False
        if self.cloud is not None:
            await self.cloud.stop()
        await self.ctx.network.unlisten(OUTSIDE_MX_ENDPOINT)
        for s in list(self.sessions):
            if s.transport is not None:
                s.transport.close()

    # --- outside mailboxes -------------------------------------------------------------
    def mailbox(self, address: str) -> MailboxFolders:
        """An outside mailbox (created on first use): `.messages` is its Inbox."""
        key = address.lower()
        if key not in self.mailboxes:
            self.mailboxes[key] = MailboxFolders(address)
        return self.mailboxes[key]

    # --- sending from outside --------------------------------------------------------------
    def send(self, sender: str, recipients: str | list[str], subject: str = "",
             body: str = "") -> SentMessage:
        """Send from an outside address, as its mail service would; returns when the message
        is delivered, refused (a bounce is in the sender's outside mailbox) or queued for retry."""
        if not self.running:
            raise LabError("The lab is not running: use `with Lab(...) as lab:` or call lab.start().")
        sender = arguments.address(sender, "sender")
        rcpts = list(dict.fromkeys(arguments.recipients(recipients)))
        subject, body = arguments.text(subject, "subject"), arguments.text(body, "body")
        out = sender_for(sender.rpartition("@")[2])
        now = self.ctx.clock.now()
        msg = EmailMessage(policy=WIRE)
        msg["From"] = sender
        msg["To"] = ", ".join(rcpts)
        msg["Subject"] = subject
        msg["Date"] = _google_date(now)
        token = self.ctx.ids.guid().replace("-", "")
        msg["Message-ID"] = (f"<CA{token[:30].upper()}@mail.gmail.com>" if out is GOOGLE
                             else f"<{token[:24]}@{out.host}>")
        msg["MIME-Version"] = "1.0"
        msg.set_content(body or "\n")
        by_domain: dict[str, list[str]] = {}
        for r in rcpts:
            by_domain.setdefault(r.rpartition("@")[2].lower(), []).append(r)
        for domain_rcpts in by_domain.values():
            smtp_id = f"{token[-8:]}so{int(token[:8], 16) % 10**7}pab.{int(token[8:10], 16) % 40}"
            content = out.stamp(to_bytes(msg), domain_rcpts[0], smtp_id, now)
            item = OutgoingItem(content, sender, domain_rcpts, out, subject,
                                str(msg["Message-ID"]), now, now)
            self.outgoing.append(item)
            self.ctx.scheduler.hand_on(("outside", id(item)), self._attempter(item))
        self._settle()
        return SentMessage(str(msg["Message-ID"]), sender, tuple(rcpts), subject)

    def queue(self) -> Table[OutgoingRow]:
        """The outside senders' queues: what they still hold and why."""
        return Table([OutgoingRow(i.mail_from, ";".join(i.recipients), i.subject, i.attempts,
                                  i.next_attempt, i.last_error) for i in self.outgoing],
                     [f for f in OutgoingRow.__dataclass_fields__])

    # --- the work (on the lab's scheduler) --------------------------------------------------
    def _attempter(self, item: OutgoingItem) -> Callable[[], Any]:
        async def attempt() -> None:
            if self.running and item in self.outgoing:
                await self.attempt(item)
        return attempt

    def _attempt_at(self, item: OutgoingItem, when: datetime) -> None:
        if when <= self.ctx.clock.now():
            self.ctx.scheduler.now(("outside", id(item)), self._attempter(item))
        else:
            self.ctx.scheduler.at(when, ("outside", id(item)), self._attempter(item))

    async def attempt(self, item: OutgoingItem) -> None:
        """One delivery attempt to the MX of the recipients' domain."""
        now = self.ctx.clock.now()
        item.attempts += 1
        domain = item.recipients[0].rpartition("@")[2]
        mx = self.resolve_mx(domain)
        peer = Peer(item.sender.host, item.sender.ip)
        transient: list[str] = []
        permanent: dict[str, Reply] = {}
        if mx is None:
            permanent = {r: Reply(550, ("5.1.2 DNS: no MX record for " + domain,)) for r in item.recipients}
        else:
            try:
                outcome = await relay(self.ctx.sessions, mx, peer, item.mail_from, item.recipients, item.content)
            except (ConnectFailed, ConnectionError, TimeoutError):
                transient = list(item.recipients)
                item.last_error = f"Connection refused by {mx.ip}:{mx.port}"
            else:
                transient = [r for r, rep in outcome.refused.items() if rep.transient]
                permanent = {r: rep for r, rep in outcome.refused.items() if not rep.transient}
                if transient:
                    item.last_error = outcome.refused[transient[0]].text
        self.outgoing.remove(item)
        if permanent:
            self.bounce(item, permanent, mx)
        if transient:
            if now - item.first_attempt >= GIVE_UP_AFTER:
                self.bounce(item, {r: Reply(421, (item.last_error,)) for r in transient}, mx)
                return
            item.recipients = transient
            item.next_attempt = now + RETRY_INTERVAL
            self.outgoing.append(item)
            self._attempt_at(item, item.next_attempt)

    def bounce(self, item: OutgoingItem, failures: dict[str, Reply], mx: Endpoint | None) -> None:
        """The outside service's non-delivery report, in the sender's outside mailbox."""
        now = self.ctx.clock.now()
        org = self.ctx.org
        if mx is None:
            server = "no MX record"
        elif org.mx and mx.ip == org.server(org.mx).ip:
            server = f"{org.server(org.mx).fqdn}. [{mx.ip}]"
        else:
            server = f"{OUTSIDE_MX.name}. [{mx.ip}]"
        lines = ["Delivery to the following recipient failed permanently:", ""]
        lines += [f"     {r}" for r in failures]
        lines += ["", "Technical details of permanent failure:",
                  f"The server for the recipient domain rejected the message ({server}).",
                  "The error that the other server returned was:"]
        lines += [rep.text for rep in failures.values()]
        report = EmailMessage(policy=WIRE)
        report["From"] = "Mail Delivery Subsystem <mailer-daemon@googlemail.com>"
        report["To"] = item.mail_from
        report["Subject"] = "Delivery Status Notification (Failure)"
        report["Date"] = _google_date(now)
        report.set_content("\n".join(lines) + "\n")
        self.mailbox(item.mail_from).inbox.append(to_bytes(report))
