"""Mail along a path, and where it is now: the senses verify() grades with.

`send` uses the lab's own ways in (Outlook-style submission, an outside sender, an anonymous
SMTP session from a device's address, a cloud mailbox in Exchange Online); `copies` counts a
message by Message-ID in a mailbox, on premises, in the cloud or outside; `whereabouts` says in
Exchange's words why a message has not arrived: the queue and its LastError, the Outbox and
the SUBMITDEFER, the outside sender's last reply, Exchange Online's queue, the NDR, or the
refusal a device heard.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..message import parse
from .model import DEVICE, FROM_CLOUD, INBOUND, Path, Sent

if TYPE_CHECKING:
    from ..lab import Lab
    from ..store import MailboxFolders

#: A line of body, repeated to give a probe the size of an attachment. Long lines (SMTP allows
#: 998 characters) keep a large probe to few lines, and each hop reads it line by line.
_LINE = "The quarterly figures are attached; please check the totals before Friday. " * 13


def body(size: int) -> str:
    """A body of about `size` bytes."""
    if size <= 0:
        return "Checking that mail flows.\n"
    lines = size // (len(_LINE) + 2) + 1
    return "\n".join([_LINE] * lines) + "\n"


def send(lab: Lab, path: Path, subject: str) -> Sent:
    """Send one message along `path` and return how to find it."""
    if path.kind == DEVICE:
        return _device(lab, path, subject)
    if path.kind == INBOUND:
        before = len(lab.internet.mailbox(path.sender).inbox)
        sent = lab.internet.send(path.sender, list(path.recipients), subject, body(path.size))
        return Sent(path, sent.message_id, bounces_before=before)
    if path.kind == FROM_CLOUD:
        before = len(lab.exchange_online.mailbox(path.sender).inbox)
        sent = lab.exchange_online.send(path.sender, list(path.recipients), subject, body(path.size))
        return Sent(path, sent.message_id, bounces_before=before)
    sent = lab.send(path.sender, list(path.recipients), subject, body(path.size))
    return Sent(path, sent.message_id)


def _device(lab: Lab, path: Path, subject: str) -> Sent:
    """An anonymous session from a device's address, as a scanner sends. The envelope is tried
    first and the message sent only if every recipient was taken, as a device gives up at the
    first refusal (a batch of lines typed past a refusal would only earn 5xx replies)."""
    connector = next(c.name for c in lab.org.connectors_of(path.server) if c.port == 25 and not c.implicit)
    message_id = f"<{lab.ids.guid()}@{path.device_ip}>"
    envelope = [f"EHLO [{path.device_ip}]", f"MAIL FROM:<{path.sender}>", *[f"RCPT TO:<{r}>" for r in path.recipients]]
    tried = lab.smtp_session(path.server, connector, [*envelope, "QUIT"], as_ip=path.device_ip, as_name="device")
    refusal = next((r for r in tried.replies if r[:1] in "45"), "" if tried.replies else "no answer")
    if refusal:
        return Sent(path, message_id, refusal=refusal)
    content = [f"From: {path.sender}", f"To: {', '.join(path.recipients)}", f"Subject: {subject}",
               f"Message-ID: {message_id}", "", *body(path.size).splitlines(), "."]
    sent = lab.smtp_session(path.server, connector, [*envelope, "DATA", *content, "QUIT"],
                            as_ip=path.device_ip, as_name="device")
    return Sent(path, message_id, refusal=next((r for r in sent.replies if r[:1] in "45"), ""))


def folders(lab: Lab, address: str) -> MailboxFolders:
    """The mailbox of `address`: on premises, in Exchange Online, or outside."""
    if lab.org.mailbox(address) is not None:
        return lab.mailbox(address)
    if lab.org.tenant is not None and lab.org.tenant.mailbox(address) is not None:
        return lab.exchange_online.mailbox(address)
    return lab.internet.mailbox(address)


def copies(lab: Lab, address: str, message_id: str) -> int:
    """How many copies of the message with this Message-ID the mailbox holds."""
    return sum(1 for m in folders(lab, address).messages if str(m.get("Message-ID", "")).strip() == message_id)


def _bounce(reports: list[bytes], recipient: str) -> str:
    """The last line of the first report that names `recipient` (the reply that refused it)."""
    for raw in reports:
        text = parse(raw).get_content() if raw else ""
        if recipient.lower() in text.lower():
            return text.rstrip().splitlines()[-1].strip()
    return ""


def whereabouts(lab: Lab, sent: Sent, recipient: str) -> str:
    """Why the message has not reached `recipient`, as an operator would find out."""
    mid = sent.message_id
    if sent.refusal:
        return f"the device heard '{sent.refusal}'"
    for item in lab.internet.outgoing:
        if item.message_id == mid:
            return f"it is still with the outside sender, whose last attempt heard '{item.last_error}'"
    for row in lab.queue_messages():
        if row.InternetMessageId == mid and "\\Shadow\\" not in row.Identity:
            error = f": {row.LastError}" if row.LastError else ""
            return f"it waits in queue {row.Identity.rpartition(chr(92))[0]} ({row.Status}){error}"
    cloud = lab.internet.cloud
    waiting = next((i for i in cloud.outgoing if f"Message-ID: {mid}".encode() in i.content), None) if cloud else None
    if waiting is not None:
        return f"it waits in Exchange Online's queue: {waiting.last_error}"
    events = list(lab.tracking_log(mid))
    for address in lab.mailboxes():
        if any(item.message_id == mid for item in lab.mailbox(address).outbox):
            defer = next((e.RecipientStatus for e in reversed(events) if e.EventId == "SUBMITDEFER"), "")
            return f"it is still in {address}'s Outbox" + (f": {defer}" if defer else "")
    fail = next((e for e in reversed(events) if e.EventId == "FAIL"), None)
    if fail is not None:
        return f"{fail.ServerHostname} returned it with an NDR: {fail.RecipientStatus}"
    if sent.path.kind == INBOUND:
        said = _bounce(lab.internet.mailbox(sent.path.sender).inbox[sent.bounces_before:], recipient)
        if said:
            return f"it bounced back to the outside sender: '{said}'"
    if sent.path.kind == FROM_CLOUD:
        said = _bounce(lab.exchange_online.mailbox(sent.path.sender).inbox[sent.bounces_before:], recipient)
        if said:
            return f"Exchange Online returned it with an NDR: {said}"
    return "it is in no queue, Outbox or report: it was lost"
