"""Received headers: stamp them the way Exchange 2013 does, and read them back as hops.

Every server that accepts a message puts a Received header on top, so a message carries
its route upside down: the bottom header is hop 1. `format_*` write the Exchange 2013
forms (fact sheet 3.1); `parse_hops` reads any real-world header block (Exchange, Gmail,
Postfix, ...) and returns the hops oldest first, with the delay spent before each one.
"""
from __future__ import annotations

import email.message
import ipaddress
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.parser import HeaderParser
from email.policy import default as default_policy
from email.utils import parsedate_to_datetime

from .views import Table

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

#: The clauses of a Received header (RFC 5321 section 4.4): from, by, via, with, id, for.
_CLAUSES = ("from", "by", "via", "with", "id", "for")
#: A word, or a (comment) that may hold one nested (comment), as Postfix's TLS note does.
_TOKEN = re.compile(r"\((?:[^()]|\([^()]*\))*\)|[^\s(]+")
#: Half of a UTF-16 pair, alone: text can hold it (a bad paste, a decode with surrogateescape)
#: but no codec can write it, so it is shown as U+FFFD, the replacement character.
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
#: The start of a header field in a pasted block: a name, a colon, then space or end of line.
_FIELD_START = re.compile(r"[A-Za-z0-9-]+:(\s|$)")

NO_RECEIVED = ("No Received headers found: paste the message headers, starting with the Received: lines "
               "(in Outlook: File > Properties > Internet headers).")


class HeaderParseError(ValueError):
    """The text holds no Received header to read."""


@dataclass(frozen=True)
class Hop:
    """One Received header: a server (`by`) that accepted the message from another (`from`)."""
    number: int                 # 1 = oldest (the bottom Received header)
    from_host: str | None       # the name the sender gave: its FQDN or EHLO name
    from_ip: str | None         # the sender's IP address, without brackets or zone id
    by_host: str | None         # the server that wrote the header
    by_ip: str | None
    protocol: str | None        # the 'with' clause: "mapi", "Microsoft SMTP Server (TLS)", "ESMTPS", ...
    id: str | None              # the 'id' clause: an Exchange build, or a queue id elsewhere
    via: str | None             # "Frontend Transport" (FET), "Mailbox Transport" (Delivery) or None
    time: datetime | None       # when the `by` server accepted it, in that server's time zone
    delay: timedelta | None     # time since the previous hop (None for hop 1 or unknown times)
    raw: str                    # the unfolded header value


def format_date(when: datetime) -> str:
    """`Tue, 4 Mar 2014 10:00:02 +1000`: RFC 2822 as Exchange writes it (day not zero padded)."""
    offset = when.utcoffset()
    if offset is None:
        raise ValueError("a header date needs a timezone-aware datetime")
    minutes = offset.days * 1440 + offset.seconds // 60       # strftime's %z, without strftime
    sign, minutes = ("-", -minutes) if minutes < 0 else ("+", minutes)
    return (f"{_DAYS[when.weekday()]}, {when.day} {_MONTHS[when.month - 1]} {when.year} "
            f"{when.hour:02d}:{when.minute:02d}:{when.second:02d} {sign}{minutes // 60:02d}{minutes % 60:02d}")


def long_build(short: str) -> str:
    """The zero-padded build a `with mapi id` header shows: `14.3.123.4` -> `14.03.0123.004`.

    Exchange 2013 writes its revision as `000` whatever the build's: real 2013 samples show
    `with mapi id 15.00.1178.000` and `15.00.1395.000` (CU12 and CU21, whose builds are
    15.0.1178.4 and 15.0.1395.4; fact sheet §3), so `15.0.847.32` -> `15.00.0847.000`.
    INFERRED from those two samples. 2010, 2016, 2019 and Exchange Online samples keep the
    revision (`14.03.0123.003`; `15.01.2242.008`; `15.02.1544.011` under an SMTP `id
    15.2.1544.11`; `15.20.8207.017`, `header_samples`), as public mailing-list archives show."""
    parts = short.split(".")
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        raise ValueError(f"an Exchange build has four numbers, like 15.0.847.32, not {short!r}")
    major, minor, build, revision = (int(p) for p in parts)
    return f"{major}.{minor:02d}.{build:04d}.{0 if (major, minor) == (15, 0) else revision:03d}"


def format_smtp_received(*, from_host: str, from_ip: str, by_host: str, by_ip: str, build: str,
                         tls: bool, via: str | None, when: datetime) -> str:
    """The header an Exchange 2013 SMTP receiver stamps (FET, Transport or Delivery)."""
    return (f"from {from_host} ({from_ip}) by {by_host} ({by_ip}) with Microsoft SMTP Server"
            f"{' (TLS)' if tls else ''} id {build}{f' via {via}' if via else ''}; {format_date(when)}")


def format_mapi_received(*, host: str, ip: str, build: str, when: datetime,
                         by_host: str | None = None, by_ip: str | None = None) -> str:
    """The header stamped when a message leaves the mailbox store over MAPI/RPC.

    On 2013 Mailbox Transport Submission stamps it on the mailbox server itself; on 2010
    the Hub's store driver stamps it `from <MBX> by <HUB>`. `build` is the long form.
    """
    return (f"from {host} ([{ip}]) by {by_host or host} ([{by_ip or ip}]) with mapi id {build}; "
            f"{format_date(when)}")


def parse_hops(source: email.message.Message | str | list[str]) -> list[Hop]:
    """The hops of a message, oldest first, from a message, a pasted header block or a list of values.

    A list holds Received values newest first, as they appear in a message.
    Raises HeaderParseError when there is no Received header.
    """
    if isinstance(source, str):
        source = parse_header_block(source)
    if isinstance(source, email.message.Message):
        values = source.get_all("Received") or []
    elif isinstance(source, (list, tuple)) and all(isinstance(v, str) for v in source):
        values = source
    else:
        raise HeaderParseError(f"parse_hops reads a message, pasted header text or a list of Received "
                               f"values, not {type(source).__name__}.")
    values = [v for v in (_unfold(v) for v in values) if v]
    if not values:
        raise HeaderParseError(NO_RECEIVED)
    hops: list[Hop] = []
    for number, value in enumerate(reversed(values), start=1):
        hop = _parse_received(number, value)
        previous = hops[-1].time if hops else None
        delay = hop.time - previous if hop.time is not None and previous is not None else None
        hops.append(replace(hop, delay=delay))
    return hops


def checked_hops(hops: object, reader: str) -> list[Hop]:
    """The hops `parse_hops` gave, for `reader` (hop_diagram, explain) to draw or explain."""
    if not isinstance(hops, (list, tuple)) or not all(isinstance(h, Hop) for h in hops):
        raise HeaderParseError(f"{reader} takes the hops parse_hops gives, like {reader}(parse_hops(message)), "
                               f"not {type(hops).__name__}.")
    return list(hops)


def hops_table(hops: list[Hop]) -> Table[dict[str, object]]:
    """One row per hop, as a learner reads a route: who handed it to whom, how, when, and how
    long it waited (a duration with its unit)."""
    return Table([{
        "Hop": hop.number,
        "From": _where(hop.from_host, hop.from_ip),
        "By": _where(hop.by_host, hop.by_ip),
        "With": hop.protocol or "",
        "Via": hop.via or "",
        "Time": f"{hop.time:%H:%M:%S}" if hop.time else "",
        "Delay": hop.delay,
    } for hop in hops], ["Hop", "From", "By", "With", "Via", "Time", "Delay"])


def _where(host: str | None, ip: str | None) -> str:
    """`MB2.contoso.com (10.0.0.12)`, or whichever of the two is known."""
    return f"{host} ({ip})" if host and ip and host != ip else host or ip or ""


def _unfold(value: object) -> str:
    """One header value on one line, single-spaced, without a pasted `Received:` name."""
    return re.sub(r"(?i)^received:\s*", "", " ".join(_LONE_SURROGATE.sub("\ufffd", str(value)).split()))


def parse_header_block(text: str) -> email.message.Message:
    """A pasted header block as a message's headers, repaired as `header_block` says."""
    return HeaderParser(policy=default_policy).parsestr(header_block(_LONE_SURROGATE.sub("\ufffd", text)))


def header_block(text: str) -> str:
    """Repair a pasted header block so the email parser reads it.

    Keeps the lines from the first header field to the first blank line (the body starts
    there), drops indentation, and turns every line that starts no field into a folded
    continuation, so headers whose fold lost its indentation in a copy-paste still parse.
    A lone value pasted without its `Received:` name counts as one (servers write `from` and
    `by` in lower case; an mbox `From ` line above the headers is not one).
    """
    lines: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not lines and re.match(r"(from|by)\s", line):
            lines.append("Received: " + line)
        elif _FIELD_START.match(line):
            lines.append(line)
        elif lines and not line:
            break
        elif lines:
            lines.append(" " + line)
    return "\n".join(lines) + "\n\n"


def _parse_received(number: int, value: str) -> Hop:
    """Split one unfolded Received value into its clauses and its date (after the last ';')."""
    clauses_text, semicolon, date = value.rpartition(";")
    if not semicolon:
        clauses_text, date = value, ""
    clauses: dict[str, list[str]] = {}
    current: list[str] | None = None
    for match in _TOKEN.finditer(clauses_text):
        word = match.group()
        if word.lower() in _CLAUSES and word.lower() not in clauses:
            current = clauses[word.lower()] = []
        elif current is not None:
            current.append(word)
    from_host, from_ip = _host_and_ip(clauses.get("from", []))
    by_host, by_ip = _host_and_ip(clauses.get("by", []))
    return Hop(number=number, from_host=from_host, from_ip=from_ip, by_host=by_host, by_ip=by_ip,
               protocol=_protocol(clauses.get("with", [])), id=_first_word(clauses.get("id", [])),
               via=" ".join(clauses.get("via", [])) or None,
               time=_parse_date(date), delay=None, raw=value)


def _first_word(tokens: list[str]) -> str | None:
    return tokens[0] if tokens and not tokens[0].startswith("(") else None


def _host_and_ip(tokens: list[str]) -> tuple[str | None, str | None]:
    """`name (ip)`, `name ([ip])`, `name (rdns [ip])`, `[ip] (ip)`: the name given and the address.

    An address literal in place of the name (`[172.27.13.25]`) is given as its bare address.
    """
    name = _first_word(tokens)
    comments = [t[1:-1] for t in tokens if t.startswith("(")]
    candidates = [word for comment in comments for word in comment.split()] + [name or ""]
    return _ip(name or "") or name, next(filter(None, map(_ip, candidates)), None)


def _ip(text: str) -> str | None:
    """The IP address in `10.0.0.12`, `[10.0.0.12]`, `[IPv6:2001:db8::1]` or `fe80::1%12`, else None."""
    address = re.sub(r"(?i)^ipv6:", "", text.strip("[]")).split("%")[0]
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return None
    return address


def _protocol(tokens: list[str]) -> str | None:
    """The 'with' words up to and including the first comment: `Microsoft SMTP Server (TLS)`."""
    words: list[str] = []
    for token in tokens:
        words.append(token)
        if token.startswith("("):
            break
    return " ".join(words) or None


def _parse_date(text: str) -> datetime | None:
    """`Mon, 03 Mar 2014 15:59:58 -0800 (PST)` -> aware datetime (no zone, or -0000, reads as UTC).

    None when the date is absent or unreadable.
    """
    try:
        when = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, OverflowError):     # OverflowError: a year like 99999999999
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)
