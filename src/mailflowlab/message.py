"""Messages as the wire carries them: bytes, with new headers put on top.

An MTA never re-serializes a message it relays; it only prepends its Received header.
The lab does the same, so what arrives in a mailbox is exactly what each hop wrote.
"""
from __future__ import annotations

import email
import email.policy
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


def header(content: bytes, name: str) -> str | None:
    """One header's value (unfolded), read from the header block only.

    A plain scan rather than the email parser: it runs on every hop of every message."""
    head = content.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].decode("utf-8", "replace")
    wanted = name.lower() + ":"
    value: list[str] | None = None
    for line in head.splitlines():
        if value is not None:
            if line[:1] in (" ", "\t"):
                value.append(line.strip())
                continue
            break
        if line.lower().startswith(wanted):
            value = [line[len(wanted):].strip()]
    return " ".join(v for v in value if v) if value is not None else None


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
    head = content.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].decode("utf-8", "replace")
    received = [line for line in head.splitlines() if line.lower().startswith("received:")]
    mine = f" by {fqdn.lower()} "
    return len(received), sum(mine in f" {line.lower()} " for line in received)
