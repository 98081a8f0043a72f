"""Mailbox databases: what Outlook writes to and what Mailbox Transport reads and writes.

Only services on the database's own server touch it (Exchange uses RPC locally only), so
this is a plain in-memory object owned by the Mailbox server.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage

from .headers import format_date
from .message import compose, parse


@dataclass
class MailboxFolders:
    """The folders transport cares about for one mailbox."""
    address: str
    outbox: list[OutboxItem] = field(default_factory=list)
    sent: list[bytes] = field(default_factory=list)                 # as submitted, oldest first
    inbox: list[bytes] = field(default_factory=list)                # as delivered, oldest first
    _read: list[EmailMessage] = field(default_factory=list, repr=False)
    _sent_read: list[EmailMessage] = field(default_factory=list, repr=False)

    @property
    def messages(self) -> list[EmailMessage]:
        """The Inbox as EmailMessages, oldest first (parsed when first looked at)."""
        self._read.extend(parse(raw) for raw in self.inbox[len(self._read):])
        return list(self._read)

    @property
    def sent_items(self) -> list[EmailMessage]:
        """Sent Items as EmailMessages, oldest first (parsed when first looked at)."""
        self._sent_read.extend(parse(raw) for raw in self.sent[len(self._sent_read):])
        return list(self._sent_read)


@dataclass
class OutboxItem:
    """A message Outlook saved to the Outbox, waiting for Mailbox Transport Submission."""
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
    content = compose(display_name, address, rcpts, subject, format_date(now), message_id, body)
    return OutboxItem(rcpts, content, message_id, subject)


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
