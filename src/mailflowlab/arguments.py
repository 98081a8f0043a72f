"""Check what a learner passes to the lab, and say what is wrong in one sentence.

    lab.send(None, "bob@exchange2013demo.com")   ->  LabError: The sender must be an e-mail
                                                     address like alice@exchange2013demo.com, not None.

Each validator returns the value in the form the lab uses (a str, a list of str, a timedelta)
or raises `LabError`. Where Exchange has words for the mistake they are used: a recipient it
cannot read is "5.1.3 Invalid recipient address", a sender "5.1.7 Invalid address" (the DSN
codes of fact sheet §4). Addresses are checked as Exchange 2013 reads them: a dot-atom local
part in ASCII (2013 does not offer SMTPUTF8, fact sheet §5.1), one `@`, and a domain of
letters, digits and hyphens.
"""
from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

from . import scenarios
from .errors import LabError
from .topology import Organization

#: The largest Int32, the upper bound of Exchange's Int32 and Unlimited<Int32> parameters.
INT32_MAX = 2**31 - 1

#: RFC 5321's dot-atom: the characters a local part may hold without quotes.
_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z")
#: A domain: dot-separated labels of letters, digits and inner hyphens.
_DOMAIN = re.compile(r"([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\Z")
#: RFC 5321's limits: 64 characters before the `@`, 254 in all (a path of 256 with its <>).
MAX_LOCAL_PART = 64
MAX_ADDRESS = 254
EXAMPLE = "alice@exchange2013demo.com"


def _shown(value: object) -> str:
    """A value as a sentence quotes it: short, and on one line."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def address(value: object, role: str = "recipient") -> str:
    """One e-mail address (`role` is "sender" or "recipient"), as Exchange would accept it."""
    code = "5.1.7 Invalid address" if role == "sender" else "5.1.3 Invalid recipient address"
    if not isinstance(value, str):
        raise LabError(f"The {role} must be an e-mail address like {EXAMPLE}, not {_shown(value)}.")
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain:
        raise LabError(f"{code}: {_shown(value)} is not an e-mail address (expected name@domain).")
    if not value.isascii():
        raise LabError(f"{code}: {_shown(value)} has characters outside ASCII; "
                       "Exchange 2013 does not accept them in an address (it has no SMTPUTF8).")
    if len(value) > MAX_ADDRESS or len(local) > MAX_LOCAL_PART:
        raise LabError(f"{code}: {_shown(value)} is longer than SMTP allows "
                       f"({MAX_LOCAL_PART} characters before the @, {MAX_ADDRESS} in all).")
    if not _LOCAL_PART.match(local) or not _DOMAIN.match(domain):
        raise LabError(f"{code}: {_shown(value)} is not an e-mail address (expected name@domain; "
                       "no spaces, brackets, second @ or empty part between dots).")
    return value


def domain(value: object) -> str:
    """An SMTP domain like fabrikam.com: labels of letters, digits and inner hyphens."""
    if not isinstance(value, str) or not value or not _DOMAIN.match(value) or not value.isascii():
        raise LabError(f"A domain is a name like fabrikam.com (letters, digits, hyphens and dots), "
                       f"not {_shown(value)}.")
    return value


def recipients(value: object) -> list[str]:
    """One address or several (a list or tuple), at least one."""
    if isinstance(value, str):
        return [address(value)]
    if not isinstance(value, (list, tuple, set, frozenset)):
        raise LabError(f"Recipients are an e-mail address or a list of them, not {_shown(value)}.")
    if not value:
        raise LabError("Add at least one recipient.")
    return [address(v) for v in value]


def name(value: object, kind: str) -> str:
    """The name of a server, service, connector, queue, site... (`kind` says which)."""
    if not isinstance(value, str):
        raise LabError(f"The {kind} is named by a string, like 'MB1' or 'Transport', not {_shown(value)}.")
    if not value.strip():
        raise LabError(f"Give the {kind}'s name; an empty one names nothing.")
    return value


def text(value: object, field: str) -> str:
    """A message's Subject or body: text, possibly empty; a subject is one line."""
    if not isinstance(value, str):
        raise LabError(f"The {field} is text (a str), not {_shown(value)}; "
                       f"write {field}={str(value)!r} if you meant the text.")
    if field == "subject" and ("\r" in value or "\n" in value):
        raise LabError(f"A subject is one line: {_shown(value)} has a line break in it "
                       "(a header can't hold one; the body can).")
    return value


def lines(value: object, what: str) -> list[str]:
    """Lines typed one after another (a telnet session's commands): one string of lines, or a
    list of strings."""
    if isinstance(value, str):
        return value.splitlines()
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise LabError(f"The {what} are a string of lines or a list of strings, like ['EHLO fabrikam.com', "
                   f"'QUIT'], not {_shown(value)}.")


def duration(*, days: object = 0, hours: object = 0, minutes: object = 0, seconds: object = 0,
             since: datetime | None = None) -> timedelta:
    """How far `advance` moves virtual time: finite, non-negative numbers, at least one above 0;
    from `since` (the clock's time now), no further than a date can go (the year 9999)."""
    parts = {"days": days, "hours": hours, "minutes": minutes, "seconds": seconds}
    for unit, amount in parts.items():
        if isinstance(amount, bool) or not isinstance(amount, (int, float)):
            raise LabError(f"{unit}= takes a number, like {unit}=5, not {_shown(amount)}.")
        if isinstance(amount, float) and not math.isfinite(amount):
            raise LabError(f"{unit}= must be a finite number, not {amount}.")
        if amount < 0:
            raise LabError("Virtual time only moves forward: give a positive duration.")
    try:
        span = timedelta(**parts)  # type: ignore[arg-type]
        if since is not None:
            since + span                                 # a date after 31 Dec 9999 overflows
        return span
    except OverflowError:
        raise LabError("That is further than virtual time can go (dates end with the year 9999); "
                       "give a shorter duration.") from None


def moment(value: object, parameter: str, tz: tzinfo) -> datetime:
    """A -Start/-End date and time: a datetime; one without a time zone is read in the
    organization's (as the cmdlet reads it in the server's)."""
    if not isinstance(value, datetime):
        raise LabError(f"-{parameter} takes a date and time, like datetime(2014, 3, 4, 9, 30), "
                       f"not {_shown(value)}.")
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


def flag(value: object, parameter: str) -> bool:
    """A Boolean parameter (-Enabled, -WithNDR, -FrontendProxyEnabled...): True or False, or
    the text '$true' or '$false' as typed in the Exchange Management Shell; nothing else (the
    text 'no' is not False, and would be True to Python)."""
    if isinstance(value, str) and value.lower() in ("$true", "$false"):
        return value.lower() == "$true"
    if not isinstance(value, bool):
        raise LabError(f"-{parameter} takes True or False ($true or $false), not {_shown(value)}.")
    return value


def whole(value: object, parameter: str, least: int = 0, most: int = INT32_MAX) -> int:
    """An Int32 parameter (a cost, a percentage, a seed): a whole number from `least` to `most`."""
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise LabError(f"-{parameter} takes a whole number from {least:,} to {most:,}, not {_shown(value)}.")
    return value


def byte_size(value: object, parameter: str) -> int:
    """A ByteQuantifiedSize parameter (-MaxMessageSize): a whole number of bytes, at least 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise LabError(f"{parameter} must be a positive number of bytes, like 10485760 for 10 MB, "
                       f"not {_shown(value)}.")
    return value


def names(value: object, parameter: str, choices: Sequence[str] | None = None) -> tuple[str, ...]:
    """A MultiValuedProperty of names (-PermissionGroups, -AuthMechanism, -AddressSpaces): one
    string or a list of them; from `choices` if given."""
    items: Any = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(v, str) for v in items):
        raise LabError(f"-{parameter} takes a name or a list of names, like ['AnonymousUsers'], "
                       f"not {_shown(value)}.")
    for v in items:
        if choices is not None and v not in choices:
            raise LabError(f"'{v}' is not a value of -{parameter}. Use any of: {', '.join(choices)}.")
    return tuple(items)


def organization(value: object) -> Organization:
    """What `Lab(...)` is built from: an Organization, as a function of `scenarios` returns it."""
    if isinstance(value, Organization):
        return value
    if isinstance(value, str):
        build = value if value.isidentifier() and callable(getattr(scenarios, value, None)) else "exchange2013demo"
        raise LabError(f"Lab() takes an organization, not the text {_shown(value)}: "
                       f"write Lab(scenarios.{build}()).")
    raise LabError(f"Lab() takes an organization, like Lab(scenarios.exchange2013demo()), not {_shown(value)}.")


def port(value: object, option: str = "port") -> int:
    """A TCP port a teacher asks for: a whole number from 1 to 65535."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise LabError(f"{option} must be a TCP port from 1 to 65535, not {_shown(value)}"
                       + (" (0 means 'any free port': leave the option out for that)." if value == 0 else "."))
    return value


def ip_address(value: object, option: str = "IP address") -> str:
    """An IPv4 or IPv6 address, as written in a header or a connector's RemoteIPRanges."""
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise LabError(f"{option} must be an IP address like 203.0.113.50, not {_shown(value)}.") from None



def ip_addresses(value: object, parameter: str) -> tuple[str, ...]:
    """A list of IP addresses (one address alone is a list of one), as a MultiValuedProperty takes."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        raise LabError(f"{parameter} takes a list of IP addresses like ['10.0.0.1'], not {_shown(value)}.")
    return tuple(ip_address(v, parameter) for v in items)
