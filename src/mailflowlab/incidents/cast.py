"""Who and what a seed picks: the people added to an organization, outside correspondents,
connector names, a device's address. `random.Random(seed)` is drawn in a fixed order, so the
same seed gives the same lab in socket and memory mode, and classmates with other seeds meet
other people, servers and names."""
from __future__ import annotations

from random import Random
from typing import TYPE_CHECKING

from ..topology import Mailbox, Organization

if TYPE_CHECKING:
    from ..lab import Lab

#: Staff the seed may add to an organization: (user, display name).
PEOPLE = (("dan", "Dan Kim"), ("erin", "Erin Walsh"), ("farid", "Farid Haddad"), ("grace", "Grace Liu"),
          ("hana", "Hana Sato"), ("ivan", "Ivan Petrov"), ("jo", "Jo Martin"), ("kofi", "Kofi Mensah"),
          ("lena", "Lena Berg"), ("mateo", "Mateo Ruiz"), ("nina", "Nina Rossi"), ("omar", "Omar Said"))

#: The 2013 Mailbox servers of the article's organization (scenarios.exchange2013demo).
MAILBOX_SERVERS = ("MB1", "MB2")

#: People outside the organization who write to it (gmail.com sends through Google's servers).
OUTSIDERS = ("mia.jones@gmail.com", "sam.taylor@gmail.com", "orders@fabrikam.com", "li.wei@contoso.com",
             "accounts@tailspintoys.com", "noah@adatum.com", "ravi.k@gmail.com", "support@wingtiptoys.com")

#: Outside domains a partner may use, for outbound mail.
PARTNER_DOMAINS = ("fabrikam.com", "contoso.com", "tailspintoys.com", "adatum.com", "wingtiptoys.com",
                   "northwindtraders.com")


def staffed(org: Organization, rng: Random, count: int = 4, databases: tuple[str, ...] | None = None) -> Organization:
    """Add `count` people of PEOPLE (at least one per database), each on a database the seed
    picks (of `databases`, or of the organization's 2013 databases), so who is affected differs
    from seed to seed and every server has someone to affect."""
    names = databases or tuple(d.name for d in org.databases if org.server(d.server).version >= 2013)
    people = rng.sample(PEOPLE, max(count, len(names)))
    homes = [*names, *(rng.choice(names) for _ in people[len(names):])]
    for (user, display), home in zip(people, homes, strict=True):
        org.mailboxes.append(Mailbox(f"{user}@{org.domain}", display, home))
    return org


def users_on(org: Organization, server: str) -> list[str]:
    """Addresses of the people whose database is mounted on `server`."""
    return [m.address for m in org.mailboxes if org.mailbox_server(m).name == server]


def first_name(org: Organization, address: str) -> str:
    """`Dan` for dan@...: how a help-desk note names a colleague."""
    mailbox = org.mailbox(address)
    return mailbox.display_name.split()[0] if mailbox is not None else address


def outsiders(rng: Random, count: int) -> list[str]:
    return rng.sample(OUTSIDERS, count)


def pair(lab: Lab, rng: Random, server: str | None = None) -> tuple[str, str]:
    """A user (on `server` if given) and a colleague whose mailbox is on the other server."""
    org = lab.org
    people = users_on(org, server) if server else [m.address for m in org.mailboxes]
    user = rng.choice(sorted(people))
    home = org.mailbox_server(org.mailbox(user) or org.mailboxes[0]).name
    others = sorted(a for a in lab.mailboxes() if a not in users_on(org, home))
    return user, rng.choice(others)


def named(lab: Lab, **names: str) -> dict[str, str]:
    """The facts, with each address's first name beside it (`user_name`)."""
    facts = dict(names)
    for key, value in names.items():
        if "@" in value and lab.org.mailbox(value) is not None:
            facts[f"{key}_name"] = first_name(lab.org, value)
    return facts
