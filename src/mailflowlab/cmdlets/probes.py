"""Test-Mailflow: a probe from a Mailbox server's system mailbox (see `mailflowlab.probes`)."""
from __future__ import annotations

from .. import arguments, probes
from ..errors import LabError
from ..probes import TestMailflowRow
from ..views import Table
from .mail import MailCmdlets


class ProbeCmdlets(MailCmdlets):
    """Test-Mailflow sends its probe the way `send` does."""

    def test_mailflow(self, identity: str, *, target_mailbox_server: str | None = None,
                      target_email_address: str | None = None) -> Table[TestMailflowRow]:
        """Test-Mailflow: the system mailbox of Mailbox server `identity` sends a probe to its own
        system mailbox, another server's (`target_mailbox_server`) or any address
        (`target_email_address`). Success and MessageLatencyTime once the probe is delivered;
        *FAILURE* if it is not within ExecutionTimeout (240 s of virtual time)."""
        source = probes.mailbox_server(self._server(identity))
        if target_mailbox_server is not None and target_email_address is not None:
            raise LabError("Give -TargetMailboxServer or -TargetEmailAddress, not both.")
        if target_email_address is not None:
            target = arguments.address(target_email_address)
        else:
            server = probes.mailbox_server(self._server(target_mailbox_server or source.name))
            target = probes.system_mailbox(self.org, server).address
        mailbox = probes.system_mailbox(self.org, source)
        sent = self.clock.now()
        probe = self._submit(mailbox, self._folders(mailbox.address), [target],
                             probes.SUBJECT.format(guid=self.ids.guid()), probes.BODY)
        remote = target.lower() != mailbox.address.lower()
        if probes.result(self.tracking, probe.message_id, remote, sent, sent).TestMailflowResult != probes.SUCCESS:
            self._call(self.scheduler.advance(sent + probes.EXECUTION_TIMEOUT - self.clock.now()))
        row = probes.result(self.tracking, probe.message_id, remote, sent, self.clock.now())
        return Table([row], list(TestMailflowRow.__dataclass_fields__))
