"""Named organizations to start a lab with; each docstring says what it teaches.

The first is the one from the article "Exchange Server 2013 Mail Flow and Transport
Services": exchange2013demo.com with a Client Access server and two Mailbox servers.
"""
from __future__ import annotations

from .topology import (BUILD_2010_SP3, Mailbox, MailboxDatabase, Organization, Server)


def exchange2013demo() -> Organization:
    """The article's organization: Exchange 2013 SP1 (15.0.847.32) in one AD site.

    CA1 (10.0.0.10) is a Client Access server, MB1 (10.0.0.11) and MB2 (10.0.0.12) are
    Mailbox servers. alice@ and bob@ live on database DB02 on MB2, carol@ on DB01 on MB1.
    The MX record points at CA1. Out of the box there is no send connector to the Internet.
    """
    d = "exchange2013demo.com"
    return Organization(
        name="Exchange 2013 demo", domain=d,
        servers=[
            Server("CA1", "10.0.0.10", d, roles=("ClientAccess",)),
            Server("MB1", "10.0.0.11", d, roles=("Mailbox",)),
            Server("MB2", "10.0.0.12", d, roles=("Mailbox",)),
        ],
        databases=[MailboxDatabase("DB01", "MB1"), MailboxDatabase("DB02", "MB2")],
        mailboxes=[
            Mailbox(f"alice@{d}", "Alice Smith", "DB02"),
            Mailbox(f"bob@{d}", "Bob Jones", "DB02"),
            Mailbox(f"carol@{d}", "Carol White", "DB01"),
        ],
        mx="CA1",
        description=exchange2013demo.__doc__ or "",
    )


def exchange2010demo() -> Organization:
    """An Exchange 2010 SP3 (14.3.123.4) organization, for comparison.

    One multi-role server EX2010 (10.0.1.10: Client Access, Hub Transport, Mailbox) with
    alice@ and bob@exchange2010demo.com on one database. Internal mail never leaves the
    Hub Transport service: its store driver picks the message up and delivers it over MAPI.
    """
    d = "exchange2010demo.com"
    return Organization(
        name="Exchange 2010 demo", domain=d,
        servers=[Server("EX2010", "10.0.1.10", d, version=2010, build=BUILD_2010_SP3,
                        roles=("ClientAccess", "HubTransport", "Mailbox"))],
        databases=[MailboxDatabase("Mailbox Database 01", "EX2010")],
        mailboxes=[
            Mailbox(f"alice@{d}", "Alice Smith", "Mailbox Database 01"),
            Mailbox(f"bob@{d}", "Bob Jones", "Mailbox Database 01"),
        ],
        mx="EX2010",
        description=exchange2010demo.__doc__ or "",
    )
