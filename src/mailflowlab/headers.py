"""Received headers: write them the way Exchange does, and read any real ones back as hops.

Every server a message passes through puts one `Received:` header on top, so read bottom-up
they are the message's route. Exchange 2013 writes (fact sheet §3.1):

    from MB2.exchange2013demo.com (10.0.0.12) by MB2.exchange2013demo.com (10.0.0.12) with
    Microsoft SMTP Server (TLS) id 15.0.847.32 via Mailbox Transport; Tue, 4 Mar 2014 09:00:02 +1000

`parse_hops` reads that and the other dialects found in the wild (Exchange 2010 and 2016,
Exchange Online, Gmail, Postfix) into `Hop`s, oldest first, with the delay between hops.
"""
from __future__ import annotations

import ipaddress
import re
import textwrap
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message
from email.utils import parsedate_to_datetime

import pandas as pd


@dataclass(frozen=True)
class Hop:
    """One Received header, as a step of the route."""
    number: int                 # 1 = oldest (the bottom Received header)
    from_host: str | None
    from_ip: str | None
    by_host: str | None
    by_ip: str | None
    protocol: str | None        # the 'with' clause: "mapi", "Microsoft SMTP Server (TLS)", "ESMTPS", ...
    id: str | None              # the 'id' clause: a build (15.0.847.32) or a queue id
    via: str | None             # "Mailbox Transport", "Frontend Transport" or None
    time: datetime | None
    delay: timedelta | None     # since the previous hop
    raw: str


class HeaderParseError(ValueError):
    """The text holds nothing that reads as a Received header."""


NO_RECEIVED = ("No Received headers found: paste the message headers, starting with the "
               "Received: lines (in Outlook: File > Properties > Internet headers).")


# --- writing -------------------------------------------------------------------------------
def format_date(when: datetime) -> str:
    """RFC 2822 date as Exchange writes it: 'Tue, 4 Mar 2014 09:00:02 +1000' (day not padded)."""
    return f"{when:%a}, {when.day} {when:%b %Y %H:%M:%S %z}"


def long_build(short: str) -> str:
    """The zero-padded build of a `with mapi` header: '15.0.847.32' -> '15.00.0847.032'."""
    major, minor, build, rev = (int(p) for p in short.split("."))
    return f"{major}.{minor:02d}.{build:04d}.{rev:03d}"


def format_smtp_received(*, from_host: str, from_ip: str, by_host: str, by_ip: str, build: str,
                         tls: bool, via: str | None, when: datetime) -> str:
    """An SMTP hop: Transport writes no `via`; Front End and Mailbox Transport Delivery do."""
    return (f"from {from_host} ({from_ip}) by {by_host} ({by_ip}) with Microsoft SMTP Server"
            f"{' (TLS)' if tls else ''} id {build}{f' via {via}' if via else ''}; {format_date(when)}")


def format_mapi_received(*, host: str, ip: str, build: str, when: datetime,
                         by_host: str | None = None, by_ip: str | None = None) -> str:
    """The MAPI pickup hop (Mailbox Transport Submission, or a 2010 Hub's store driver)."""
    return (f"from {host} ([{ip}]) by {by_host or host} ([{by_ip or ip}]) with mapi id {build}; "
            f"{format_date(when)}")


# --- reading -------------------------------------------------------------------------------
_KEYWORDS = ("from", "by", "with", "id", "via", "for")
_HEADER_START = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*):[ \t]?(.*)$")
_IP_CANDIDATE = re.compile(r"\[?([0-9A-Fa-f:.]+(?:%[\w.]+)?)\]?")


def _ip(token: str) -> str | None:
    """The address in '10.0.0.12', '[10.0.0.12]' or '[fe80::1%12]', without brackets or zone."""
    m = _IP_CANDIDATE.fullmatch(token.strip().rstrip(".,;"))
    if not m:
        return None
    text = m.group(1).split("%")[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def _clauses(text: str) -> dict[str, str]:
    """Split 'from A (B) by C with D id E via F' into its clauses, ignoring words in comments."""
    out: dict[str, list[str]] = {}
    current: str | None = None
    depth = 0
    for word in re.findall(r"\S+", text):
        if depth == 0 and word.lower() in _KEYWORDS and word.lower() not in out:
            current = word.lower()
            out[current] = []
        elif current is not None:
            out[current].append(word)
        depth += word.count("(") - word.count(")")
        depth = max(depth, 0)
    return {k: " ".join(v) for k, v in out.items()}


def _host_and_ip(clause: str | None) -> tuple[str | None, str | None]:
    """'MB2.contoso.com (10.0.0.12)', 'x.google.com (x.google.com. [209.85.220.41])', '[1.2.3.4]'."""
    if not clause:
        return None, None
    first, _, rest = clause.partition(" ")
    ip = None
    for candidate in re.findall(r"\[[^\]]+\]|\(([^()\s]+)\)|\b[0-9A-Fa-f:.]{7,}\b", rest):
        ip = _ip(candidate) if candidate else None
        if ip:
            break
    if ip is None:
        for comment in re.findall(r"\(([^()]*)\)", rest):
            for token in comment.split():
                if (ip := _ip(token)):
                    break
            if ip:
                break
    literal = _ip(first)
    host = first.strip("[]") if literal is None else (literal if first.startswith("[") else first)
    if ip is None and literal is not None:
        ip = literal
    return host or None, ip


def _parse_value(value: str, number: int) -> Hop:
    raw = " ".join(value.split())
    body, sep, date_text = raw.rpartition(";")
    if not sep:
        body, date_text = raw, ""
    when: datetime | None = None
    date_text = re.sub(r"\([^)]*\)\s*$", "", date_text).strip()
    if date_text:
        try:
            when = parsedate_to_datetime(date_text)
        except (TypeError, ValueError, IndexError):
            when = None
    c = _clauses(body)
    from_host, from_ip = _host_and_ip(c.get("from"))
    by_host, by_ip = _host_and_ip(c.get("by"))
    protocol = c.get("with") or None
    ident = c.get("id", "").split(" ")[0].rstrip(";") or None
    via = c.get("via") or None
    return Hop(number, from_host, from_ip, by_host, by_ip, protocol, ident, via, when, None, raw)


def _received_values(text: str) -> list[str]:
    """The Received header values of a pasted header block (or whole message), newest first."""
    lines = textwrap.dedent(text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")).split("\n")
    values: list[str] = []
    name: str | None = None
    current: list[str] = []
    seen_header = False

    def flush() -> None:
        if name is not None and name.lower() == "received":
            values.append(" ".join(current))

    for line in lines:
        if not line.strip():
            if seen_header:
                break
            continue
        if line[:1] in (" ", "\t") and name is not None:
            current.append(line.strip())
            continue
        m = _HEADER_START.match(line.strip())
        if m is None:
            if not seen_header and line.strip().lower().startswith(("from ", "by ")):
                flush()
                name, current, seen_header = "received", [line.strip()], True
                continue
            continue
        flush()
        name, current, seen_header = m.group(1), [m.group(2).strip()], True
    flush()
    return [v for v in values if v]


def parse_hops(source: Message | str | list[str]) -> list[Hop]:
    """Read Received headers into hops, oldest first, with the delay between hops.

    `source` is a message (EmailMessage or Message), pasted header text (a whole message is
    fine: reading stops at the first blank line), or a list of Received values as they appear
    in a message (newest first)."""
    if isinstance(source, Message):
        values = [str(v) for v in (source.get_all("Received") or [])]
    elif isinstance(source, str):
        values = _received_values(source)
    elif isinstance(source, (list, tuple)):
        values = [str(v) for v in source]
    else:
        raise HeaderParseError(f"parse_hops reads a message, header text or a list of Received "
                               f"values, not {type(source).__name__}.")
    values = [v for v in values if v.strip()]
    if not values:
        raise HeaderParseError(NO_RECEIVED)
    hops: list[Hop] = []
    for number, value in enumerate(reversed(values), start=1):
        hop = _parse_value(value, number)
        if hop.from_host is None and hop.by_host is None:
            raise HeaderParseError(f"Received header {number} (from the bottom) does not read as "
                                   f"'from ... by ... ; date': {value[:80]!r}")
        prev = hops[-1].time if hops else None
        delay = hop.time - prev if hop.time is not None and prev is not None else None
        hops.append(Hop(**{**hop.__dict__, "delay": delay}))
    return hops


def hops_table(hops: list[Hop]) -> pd.DataFrame:
    """The hops as a table, like a header analyzer: hop, from, by, with, via, time, delay."""
    def where(host: str | None, ip: str | None) -> str:
        if host and ip and host != ip:
            return f"{host} ({ip})"
        return host or ip or ""

    rows = [{"Hop": h.number, "From": where(h.from_host, h.from_ip), "By": where(h.by_host, h.by_ip),
             "With": h.protocol or "", "Via": h.via or "",
             "Time": h.time.strftime("%H:%M:%S") if h.time else "",
             "Delay": int(h.delay.total_seconds()) if h.delay is not None else ""}
            for h in hops]
    return pd.DataFrame(rows, columns=["Hop", "From", "By", "With", "Via", "Time", "Delay"])
