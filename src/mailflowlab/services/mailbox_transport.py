"""The Mailbox Transport service: Submission and Delivery, the doors of the mailbox database.

Submission (MSExchangeSubmission) "connects to the local mailbox database using RPC to
retrieve messages, and submits the messages over SMTP to the Transport service"; Delivery
(MSExchangeDelivery) "receives SMTP messages from the Transport service ... and connects to
the local mailbox database using an Exchange remote procedure call (RPC) to deliver the
message". Neither keeps a queue: a message Submission cannot hand over stays in the Outbox
(OWA shows it in Drafts), whether no Transport service answers or DNS cannot find one.
"""
from __future__ import annotations

from datetime import timedelta

from .. import dsn, replies
from ..headers import format_mapi_received, format_smtp_received, long_build
from ..message import header, prepend
from ..routing import finds_servers, submission_targets
from ..scheduler import Work
from ..smtp.client import relay
from ..smtp.network import ConnectFailed
from ..store import MailboxFolders, OutboxItem
from ..topology import MAILBOX_TRANSPORT_DELIVERY, MAILBOX_TRANSPORT_SUBMISSION
from .base import Service
from .smtp_receive import SessionInfo

#: How soon Submission tries an Outbox message again after no Transport service answered.
#: UNCERTAIN: not documented; the lab uses one minute so a restarted service is found quickly.
SUBMISSION_RETRY_INTERVAL = timedelta(minutes=1)
#: SUBMITDEFER's status when every Transport service was found but none took the message.
NO_TRANSPORT_ANSWERED = "No Transport service answered; the message stays in the Outbox"


def submission_headers(content: bytes, fqdn: str) -> bytes:
    """What Submission adds for the Transport service: the message came from inside (AuthAs
    Internal, mechanism 04 as seen on real MAPI submissions) and is not spam (SCL -1)."""
    for name, value in (("X-MS-Exchange-Organization-SCL", "-1"),
                        ("X-MS-Exchange-Organization-AuthSource", fqdn),
                        ("X-MS-Exchange-Organization-AuthMechanism", "04"),
                        ("X-MS-Exchange-Organization-AuthAs", "Internal")):
        content = prepend(content, name, value)
    return content


class MailboxTransportSubmission(Service):
    """Picks messages up from Outboxes on this server's databases and submits them over SMTP."""

    name = MAILBOX_TRANSPORT_SUBMISSION

    def outboxes(self) -> list[MailboxFolders]:
        """Mailboxes on databases this server hosts (RPC is local only)."""
        return [f for db in sorted(self.ctx.databases.values(), key=lambda d: d.name)
                if db.server == self.server.name for _, f in sorted(db.mailboxes.items())]

    def outbox_saved(self, folders: MailboxFolders, item: OutboxItem) -> None:
        """The store tells Submission a message was saved to an Outbox: it picks it up one
        hop later."""
        self.ctx.scheduler.hand_on(("submit", item.message_id), self._submitter(folders, item))

    def schedule_pending(self) -> None:
        """On start: every Outbox message is picked up now, or at its next attempt."""
        now = self.ctx.clock.now()
        for folders in self.outboxes():
            for item in folders.outbox:
                work = self._submitter(folders, item)
                if item.next_attempt is not None and item.next_attempt > now:
                    self.ctx.scheduler.at(item.next_attempt, ("submit", item.message_id), work)
                else:
                    self.ctx.scheduler.now(("submit", item.message_id), work)

    def _submitter(self, folders: MailboxFolders, item: OutboxItem) -> Work:
        async def submit() -> None:
            if self.running and item in folders.outbox:
                await self.submit(folders, item)
        return submit

    async def submit(self, folders: MailboxFolders, item: OutboxItem) -> None:
        now = self.ctx.clock.now()
        mid, subject, sender = item.message_id, item.subject, folders.address
        if item.attempts == 0:
            for event in ("NOTIFYMAPI", "RECEIVE"):
                self.ctx.tracking.log(now, self.server.fqdn, "STOREDRIVER", event, sender=sender,
                                      recipients=item.recipients, subject=subject, message_id=mid)
            self.ctx.paths.record(mid, self.server.name, self.name)
        item.attempts += 1
        content = submission_headers(item.content, self.server.fqdn)
        content = prepend(content, "Received", format_mapi_received(
            host=self.server.fqdn, ip=self.server.ip, build=long_build(self.server.build), when=now))
        # Submission finds the Transport services by name, with this server's internal DNS
        # lookups; a resolver that does not know them leaves none to try.
        if finds_servers(self.ctx.org, self.server.transport_dns):
            targets, status = submission_targets(self.ctx.org, self.server), NO_TRANSPORT_ANSWERED
        else:
            targets, status = [], replies.DNS_NONEXISTENT_DOMAIN
        for _name, endpoint in targets:
            try:
                outcome = await relay(self.ctx.sessions, endpoint, self.peer, sender, item.recipients, content)
            except (ConnectFailed, ConnectionError, TimeoutError):
                continue
            permanent = {r: rep.text for r, rep in outcome.refused.items() if not rep.transient}
            if not outcome.accepted and not permanent:
                continue                      # a 4xx: another Transport service, or later
            folders.outbox.remove(item)
            folders.sent.append(item.content)
            if outcome.accepted and outcome.final is not None:
                self.ctx.tracking.log(self.ctx.clock.now(), self.server.fqdn, "STOREDRIVER", "SUBMIT",
                                      sender=sender, recipients=outcome.accepted, subject=subject,
                                      message_id=mid, status=outcome.final.text)
            if permanent:
                self.refuse(folders, item, permanent)
            return
        item.next_attempt = now + SUBMISSION_RETRY_INTERVAL
        self.ctx.scheduler.at(item.next_attempt, ("submit", mid), self._submitter(folders, item))
        self.ctx.tracking.log(now, self.server.fqdn, "STOREDRIVER", "SUBMITDEFER", sender=sender,
                              recipients=item.recipients, subject=subject, message_id=mid, status=status)

    def refuse(self, folders: MailboxFolders, item: OutboxItem, failures: dict[str, str]) -> None:
        """Transport refused recipients for good (a 5xx: a malformed address, a message over
        the size limit): the sender gets an NDR in the Inbox; the message never waits on."""
        now = self.ctx.clock.now()
        for rcpt, status in failures.items():
            self.ctx.tracking.log(now, self.server.fqdn, "STOREDRIVER", "FAIL", sender=folders.address,
                                  recipients=[rcpt], subject=item.subject, message_id=item.message_id,
                                  status=status)
        report = dsn.ndr(domain=self.ctx.org.domain, generating_server=self.server.fqdn,
                         original=item.content, original_subject=item.subject,
                         original_sender=folders.address, failures=failures,
                         message_id=self.ctx.ids.message_id(self.server.fqdn), when=now)
        folders.inbox.append(report)


class MailboxTransportDelivery(Service):
    """Listens on 475 and writes what Transport hands it into the local mailbox database."""

    name = MAILBOX_TRANSPORT_DELIVERY

    def _home_database(self, address: str) -> str | None:
        mbx = self.ctx.org.mailbox(address)
        if mbx is None:
            return None
        db = self.ctx.databases.get(mbx.database)
        return db.name if db is not None and db.server == self.server.name else None

    async def check_recipient(self, session: SessionInfo, address: str) -> str:
        if self._home_database(address) is None:
            return replies.RECIP_NOT_FOUND
        return replies.RECIPIENT_OK

    async def receive(self, session: SessionInfo, mail_from: str, recipients: list[str],
                      content: bytes) -> str:
        now = self.ctx.clock.now()
        content = prepend(content, "Received", format_smtp_received(
            from_host=session.helo or session.peer.name, from_ip=session.peer.ip,
            by_host=self.server.fqdn, by_ip=self.server.ip, build=self.server.build,
            tls=session.tls, via="Mailbox Transport", when=now))
        mid, subject = header(content, "Message-ID") or "", header(content, "Subject") or ""
        for rcpt in recipients:
            db = self._home_database(rcpt)
            assert db is not None  # checked at RCPT
            self.ctx.databases[db].deliver(rcpt, content)
        self.ctx.paths.record(mid, self.server.name, self.name)
        # ConnectorId: the Receive connector that heard the message, `SERVER\Default Mailbox
        # Delivery SERVER`, as RECEIVE names its connector (INFERRED: no real DELIVER line found).
        connector = session.connector.name if session.connector else ""
        self.ctx.tracking.log(now, self.server.fqdn, "STOREDRIVER", "DELIVER", sender=mail_from,
                              recipients=recipients, subject=subject, message_id=mid,
                              connector=f"{self.server.name}\\{connector}", status="250 2.1.5 Recipient OK")
        return replies.queued(mid, self.ctx.ids.internal_id(), self.server.fqdn)
