"""Messages as the wire carries them: bytes, with new headers put on top.

An MTA never re-serializes a message it relays; it only prepends its Received header.
The lab does the same, so what arrives in a mailbox is exactly what each hop wrote.
"""
from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage

ORG_HEADER_PREFIX = "X-MS-Exchange-Organization-"

#: How messages are read and written here: CRLF line ends and no re-folding of long header
#: lines, so a Received header stays one line exactly as the hop wrote it.
WIRE = email.policy.SMTP.clone(max_line_length=998, refold_source="none")


def prepend(content: bytes, name: str, value: str) -> bytes:
    """Put `name: value` on top of the message, as a Received header is added."""
    return f"{name}: {value}\r\n".encode() + content


#: How a delivered message is read: the same, with text lines ending in `\n` as Python's do.
#: (Python 3.11 keeps the wire's CRLF inside a text part, 3.14 does not; reading with `\n`
#: gives every Python, the browser's included, the same text. `to_bytes` writes CRLF again.)
READ = WIRE.clone(linesep="\n")


def parse(content: bytes) -> EmailMessage:
    """Read the bytes as an EmailMessage (modern policy), for a learner to read."""
    msg = email.message_from_bytes(content.replace(b"\r\n", b"\n"), policy=READ)
    assert isinstance(msg, EmailMessage)
    return msg


def to_bytes(msg: EmailMessage) -> bytes:
    """The message as the wire carries it (CRLF, long header lines kept whole)."""
    return msg.as_bytes(policy=WIRE)


#: What `compose` writes without the email package: text the package would write unchanged.
#: A display name of plain words; a subject of printable ASCII words with single spaces and no
#: encoded word (`=?`); dot-atom addresses; a short line. Anything else goes through the package.
_NAME = re.compile(r"[A-Za-z0-9]+(?: [A-Za-z0-9]+)*")
_SUBJECT = re.compile(r"(?:[!-~]+(?: [!-~]+)*)?")
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
_MESSAGE_ID = re.compile(r"<[!-;=?-~]+@[A-Za-z0-9.-]+>")
_ASCII_LINES = re.compile(r"[\t\n\r\x20-\x7e]*")
#: Lines longer than this could be folded (WIRE's limit is 998): they go through the package.
_SHORT = 900


def compose(name: str, sender: str, recipients: list[str], subject: str, date: str, message_id: str,
            body: str) -> bytes:
    """A plain-text message as Outlook saves it, as wire bytes.

    The same bytes as `EmailMessage` with `set_content` writes them (`compose_with_email`, which
    tests/unit/test_message_compose.py compares it with), written directly for the common case,
    because the email package's header parsing and folding cost more than the three SMTP
    dialogues that carry the message."""
    lines = (body or "\n").encode("utf-8").splitlines()
    head = [f"From: {name} <{sender}>", f"To: {', '.join(recipients)}",
            f"Subject: {subject}" if subject else "Subject:", f"Date: {date}", f"Message-ID: {message_id}"]
    plain = (_NAME.fullmatch(name) and _ADDRESS.fullmatch(sender) and _SUBJECT.fullmatch(subject)
             and "=?" not in subject and all(_ADDRESS.fullmatch(r) for r in recipients)
             and _MESSAGE_ID.fullmatch(message_id) and _ASCII_LINES.fullmatch(body)
             and all(len(line) <= _SHORT for line in head) and all(len(line) <= _SHORT for line in lines))
    if not plain:
        return compose_with_email(name, sender, recipients, subject, date, message_id, body)
    head += ["MIME-Version: 1.0", 'Content-Type: text/plain; charset="utf-8"', "Content-Transfer-Encoding: 7bit"]
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + b"".join(line + b"\r\n" for line in lines)


def compose_with_email(name: str, sender: str, recipients: list[str], subject: str, date: str,
                       message_id: str, body: str) -> bytes:
    """`compose` by the email package: any name, subject and body (encoded words, folding, base64)."""
    msg = EmailMessage(policy=WIRE)
    msg["From"] = f"{name} <{sender}>"
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = subject
    msg.set_raw("Date", date)                 # as written: "Tue, 4 Mar 2014", not re-parsed
    msg["Message-ID"] = message_id
    msg["MIME-Version"] = "1.0"
    msg.set_content(body or "\n")
    return to_bytes(msg)


#: What `str.splitlines` ends a line at: a header line starts after one of these (or at the top).
_LINE_ENDS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def _head(content: bytes) -> str:
    """The header block: everything before the first empty line."""
    return content.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].decode("utf-8", "replace")


def header(content: bytes, name: str) -> str | None:
    """One header's value (unfolded): the first line that starts with `name:` (any case), and
    the lines folded under it, read from the header block only.

    A plain scan rather than the email parser: it runs several times on every hop of every
    message. The block is lowered once and searched for the name; where lowering changed its
    length (a rare letter like 'İ'), positions no longer match and each line is lowered."""
    head = _head(content)
    wanted = name.lower() + ":"
    low = head.lower()
    if len(low) == len(head):
        at = low.find(wanted)
        while at > 0 and low[at - 1] not in _LINE_ENDS:
            at = low.find(wanted, at + 1)
        if at < 0:
            return None
        lines = head[at:].splitlines()
    else:
        lines = head.splitlines()
        while lines and not lines[0].lower().startswith(wanted):
            del lines[0]
        if not lines:
            return None
    value = [lines[0][len(wanted):].strip()]
    for line in lines[1:]:
        if line[:1] not in (" ", "\t"):
            break
        value.append(line.strip())
    return " ".join(v for v in value if v)


def strip_org_headers(content: bytes) -> bytes:
    """The header firewall: drop X-MS-Exchange-Organization-* headers a sender without the
    Ms-Exch-Accept-Headers-Organization right tried to bring in (fact sheet §3.1)."""
    head, sep, body = content.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = content.partition(b"\n\n")
    lines = head.splitlines(keepends=True)
    kept: list[bytes] = []
    dropping = False
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            if not dropping:
                kept.append(line)
            continue
        dropping = line.decode("latin-1").lower().startswith(ORG_HEADER_PREFIX.lower())
        if not dropping:
            kept.append(line)
    return b"".join(kept) + sep + body


def hop_counts(content: bytes, fqdn: str) -> tuple[int, int]:
    """(hops, local hops) of a message arriving at the server `fqdn`: its Received headers, and
    those this server wrote itself ("Received headers with local server addresses",
    Set-ReceiveConnector -MaxLocalHopCount). A plain scan of the header block, as `header`."""
    received = [line for line in _head(content).lower().splitlines() if line.startswith("received:")]
    mine = f" by {fqdn.lower()} "
    return len(received), sum(mine in f" {line} " for line in received)
