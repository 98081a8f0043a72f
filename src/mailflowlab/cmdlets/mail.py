"""Sending as Outlook does, and reading mailboxes."""
from __future__ import annotations

from collections.abc import Iterable

from .. import arguments
from ..records import SentMessage
from ..services.hub2010 import HubTransport2010, notified_hub
from ..services.mailbox_transport import MailboxTransportSubmission
from ..store import MailboxFolders, outlook_message
from ..topology import Mailbox, Server
from .base import LabBase


class MailCmdlets(LabBase):
    def send(self, sender: str, recipients: str | Iterable[str], subject: str = "",
             body: str = "") -> SentMessage:
        """Send as Outlook does: save the message to the sender's Outbox; Mailbox Transport
        Submission (or a 2010 Hub's store driver) picks it up from there."""
        self._require_running()
        folders = self._folders(arguments.address(sender, "sender"))
        rcpts = list(dict.fromkeys(arguments.recipients(recipients)))   # Outlook resolves a name once
        subject, body = arguments.text(subject, "subject"), arguments.text(body, "body")
        mailbox = self.org.mailbox(sender)
        assert mailbox is not None                         # _folders found it
        return self._submit(mailbox, folders, rcpts, subject, body)

    def mailbox(self, address: str) -> MailboxFolders:
        """The Inbox (`.messages`), Outbox and Sent Items of a mailbox in the organization."""
        return self._folders(address)

    def mailboxes(self) -> list[str]:
        return [m.address for m in self.org.mailboxes]

    def _submit(self, mailbox: Mailbox, folders: MailboxFolders, rcpts: list[str], subject: str,
                body: str) -> SentMessage:
        """Save the message to the Outbox and let the lab settle."""
        mbx_server = self.org.mailbox_server(mailbox)
        item = outlook_message(mailbox.display_name, folders.address, rcpts, subject, body, self.clock.now(),
                               self.ids.message_id(mbx_server.fqdn))
        folders.outbox.append(item)
        submitter = self._submitter(mbx_server)
        if submitter is not None:
            submitter.outbox_saved(folders, item)
        self._call(self.scheduler.run())
        return SentMessage(item.message_id, folders.address, tuple(rcpts), subject)

    def _submitter(self, mailbox_server: Server) -> MailboxTransportSubmission | HubTransport2010 | None:
        """Who picks up from this server's Outboxes: its Mailbox Transport Submission, or for
        a 2010 mailbox server the store driver of the 2010 Hub its Mail Submission notifies."""
        for svc in self.services.values():
            if isinstance(svc, MailboxTransportSubmission) and svc.server.name == mailbox_server.name:
                return svc
        return notified_hub(self._hubs, self.org, mailbox_server)
