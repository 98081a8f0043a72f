"""Mailbox databases: what Outlook writes to and what Mailbox Transport reads and writes.

Only services on the database's own server touch it (Exchange uses RPC locally only), so
this is a plain in-memory object owned by the Mailbox server.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage


@dataclass
class MailboxFolders:
    """The folders transport cares about for one mailbox."""
    address: str
    messages: list[EmailMessage] = field(default_factory=list)     # Inbox, oldest first
    outbox: list["OutboxItem"] = field(default_factory=list)
    sent_items: list[EmailMessage] = field(default_factory=list)


@dataclass
class OutboxItem:
    """A message Outlook saved to the Outbox, waiting for Mailbox Transport Submission."""
    message: EmailMessage
    recipients: list[str]
    attempts: int = 0
    next_attempt: object = None          # datetime; None = now


@dataclass
class Database:
    name: str
    server: str
    mailboxes: dict[str, MailboxFolders] = field(default_factory=dict)

    def folders(self, address: str) -> MailboxFolders:
        return self.mailboxes[address.lower()]

    def deliver(self, address: str, message: EmailMessage) -> None:
        """Write a message into the recipient's Inbox (the RPC call Delivery makes)."""
        self.folders(address).messages.append(message)
