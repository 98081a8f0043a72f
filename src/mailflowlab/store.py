"""Mailbox databases: what Outlook writes to and what Mailbox Transport reads and writes.

Only services on the database's own server touch it (Exchange uses RPC locally only), so
this is a plain in-memory object owned by the Mailbox server.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage

from .headers import format_date
from .message import WIRE, parse, to_bytes


@dataclass
class MailboxFolders:
    """The folders transport cares about for one mailbox."""
    address: str
    outbox: list[OutboxItem] = field(default_factory=list)
    sent_items: list[EmailMessage] = field(default_factory=list)
    inbox: list[bytes] = field(default_factory=list)                # as delivered, oldest first
    _read: list[EmailMessage] = field(default_factory=list, repr=False)

    @property
    def messages(self) -> list[EmailMessage]:
        """The Inbox as EmailMessages, oldest first (parsed when first looked at)."""
        self._read.extend(parse(raw) for raw in self.inbox[len(self._read):])
        return list(self._read)


@dataclass
class OutboxItem:
    """A message Outlook saved to the Outbox, waiting for Mailbox Transport Submission."""
    message: EmailMessage
    recipients: list[str]
    content: bytes                       # the message as Submission will send it
    message_id: str
    subject: str
    attempts: int = 0
    next_attempt: datetime | None = None     # None: as soon as Submission picks it up


def outlook_message(display_name: str, address: str, rcpts: list[str], subject: str, body: str,
                    now: datetime, message_id: str) -> OutboxItem:
    """The message as Outlook saves it to the Outbox: From, To, Subject, Date, Message-ID and
    a plain-text body; the Received headers come later, from each hop."""
    msg = EmailMessage(policy=WIRE)
    msg["From"] = f"{display_name} <{address}>"
    msg["To"] = ", ".join(rcpts)
    msg["Subject"] = subject
    msg.set_raw("Date", format_date(now))   # as written: "Tue, 4 Mar 2014"
    msg["Message-ID"] = message_id
    msg["MIME-Version"] = "1.0"
    msg.set_content(body or "\n")
    return OutboxItem(msg, rcpts, to_bytes(msg), message_id, subject)


@dataclass
class Database:
    name: str
    server: str
    mailboxes: dict[str, MailboxFolders] = field(default_factory=dict)

    def folders(self, address: str) -> MailboxFolders:
        return self.mailboxes[address.lower()]

    def deliver(self, address: str, content: bytes) -> None:
        """Write a message into the recipient's Inbox (the RPC call Delivery makes)."""
        self.folders(address).inbox.append(content)
