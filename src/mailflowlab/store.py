"""Mailbox databases: what Outlook writes to and what Mailbox Transport reads and writes.

Only services on the database's own server touch it (Exchange uses RPC locally only), so
this is a plain in-memory object owned by the Mailbox server.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage

from .message import parse


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
