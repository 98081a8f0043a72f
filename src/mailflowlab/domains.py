"""Accepted domains: the SMTP domains the organization takes mail for, and what it does with it.

Get-AcceptedDomain / New-AcceptedDomain / Set-AcceptedDomain -DomainType (AcceptedDomainType
in the Exchange 2013 API reference; named in chapter 11):

* **Authoritative**: "the domain is in the Exchange organization". A recipient with no
  mailbox gets an NDR, `550 5.1.1 RESOLVER.ADR.RecipNotFound`.
* **InternalRelay**: the domain is shared with "an e-mail server outside the Exchange
  organization but inside the organization's control". A recipient with a mailbox is
  delivered here; any other is relayed to that server by a send connector.
* **ExternalRelay**: the domain is "served by an e-mail server outside the Exchange
  organization and outside the organization's control". Exchange takes its mail (anyone may
  send to it, as to any accepted domain) and relays it there.

Every accepted domain is one SMTP Receive takes mail for without relay permission (§2.1).
"""
from __future__ import annotations

from dataclasses import dataclass

from . import arguments
from .errors import LabError
from .topology import DOMAIN_TYPES, AcceptedDomain, Organization
from .views import Table


@dataclass(frozen=True)
class AcceptedDomainRow:
    """One row of Get-AcceptedDomain."""
    Name: str
    DomainName: str
    DomainType: str
    Default: bool


def accepted_domain_table(org: Organization) -> Table[AcceptedDomainRow]:
    """Get-AcceptedDomain: every accepted domain, the organization's own (Default) first."""
    return Table([AcceptedDomainRow(d.identity or d.name, d.name, d.domain_type, d.name.lower() == org.domain.lower())
                  for d in org.accepted_domains], list(AcceptedDomainRow.__dataclass_fields__))


def domain_type(value: object) -> str:
    """-DomainType: Authoritative, InternalRelay or ExternalRelay (in any case)."""
    for known in DOMAIN_TYPES:
        if isinstance(value, str) and value.lower() == known.lower():
            return known
    raise LabError(f"DomainType must be {', '.join(DOMAIN_TYPES[:-1])} or {DOMAIN_TYPES[-1]}, "
                   f"not {value!r}.")


def new_accepted_domain(org: Organization, name: str, domain_name: str,
                        kind: str = "Authoritative") -> AcceptedDomain:
    """New-AcceptedDomain -Name -DomainName -DomainType."""
    name = arguments.name(name, "accepted domain")
    domain_name = arguments.domain(domain_name)
    kind = domain_type(kind)
    if _lookup(org, domain_name) is not None:
        raise LabError(f"The accepted domain '{domain_name}' already exists.")
    added = AcceptedDomain(domain_name.lower(), kind, identity=name)
    org.accepted_domains.append(added)
    return added


def find(org: Organization, identity: object) -> AcceptedDomain:
    """The accepted domain with this Name or DomainName."""
    found = _lookup(org, arguments.name(identity, "accepted domain"))
    if found is None:
        known = ", ".join(d.name for d in org.accepted_domains)
        raise LabError(f"The accepted domain '{identity}' couldn't be found. Accepted domains: {known}.")
    return found


def _lookup(org: Organization, identity: str) -> AcceptedDomain | None:
    wanted = identity.lower()
    return next((d for d in org.accepted_domains if wanted in (d.name.lower(), (d.identity or d.name).lower())), None)
