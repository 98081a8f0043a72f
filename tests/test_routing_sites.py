"""Routing between AD sites (fact sheet §7): least-cost path, direct connection vs hub site,
and queueing at the point of failure closest to the destination, over real sockets."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from mailflowlab import Lab, scenarios, sites
from mailflowlab.diagrams import SITE_PATH_COLOUR, site_diagram
from mailflowlab.errors import LabError
from mailflowlab.headers import parse_hops
from mailflowlab.topology import Mailbox, MailboxDatabase, Organization, Server, Site, SiteLink

from .conftest import values

USERA = "usera@exchange2013demo.com"
USERB = "userb@exchange2013demo.com"
USERC = "userc@exchange2013demo.com"


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab(scenarios.three_sites()) as running:
        yield running


def by_hosts(lab: Lab, address: str) -> list[str]:
    """The `by` server of each Received header of the newest message, oldest first."""
    return [str(h.by_host).split(".")[0] for h in parse_hops(lab.mailbox(address).messages[-1])]


def servers_on_path(lab: Lab, msg) -> list[str]:  # type: ignore[no-untyped-def]
    return [server for server, service in lab.path(msg) if service == "Transport"]


def diamond(*names: str) -> Organization:
    """Sites S and D joined through two middle sites with equal costs."""
    d = "example.test"
    mid1, mid2 = names
    return Organization(
        name="diamond", domain=d,
        servers=[Server("M1", "10.9.0.1", d, roles=("Mailbox",), site="S")],
        databases=[MailboxDatabase("DB", "M1")], mailboxes=[Mailbox(f"x@{d}", "X", "DB")],
        sites=[Site("S"), Site(mid1), Site(mid2), Site("D")],
        site_links=[SiteLink("l1", ("S", mid2)), SiteLink("l2", (mid2, "D")),
                    SiteLink("l3", ("S", mid1)), SiteLink("l4", (mid1, "D"))])


# --- least-cost path (pure) ---------------------------------------------------------------
def test_hub_and_spoke_path_from_b_to_c_crosses_a() -> None:
    assert sites.least_cost_path(scenarios.three_sites(), "B", "C") == (("B", "A", "C"), 200)


def test_cheaper_direct_link_wins() -> None:
    assert sites.least_cost_path(scenarios.three_sites(bc_link_cost=150), "B", "C") == (("B", "C"), 150)
    assert sites.least_cost_path(scenarios.three_sites(bc_link_cost=250), "B", "C") == (("B", "A", "C"), 200)


def test_equal_cost_goes_to_fewest_hops() -> None:
    assert sites.least_cost_path(scenarios.three_sites(bc_link_cost=200), "B", "C") == (("B", "C"), 200)


def test_equal_cost_and_hops_go_to_lowest_site_name_nearest_destination() -> None:
    assert sites.least_cost_path(diamond("Y", "X"), "S", "D") == (("S", "X", "D"), 200)
    assert sites.least_cost_path(diamond("X", "Y"), "S", "D") == (("S", "X", "D"), 200)


def test_no_link_is_a_lookup_error() -> None:
    org = scenarios.three_sites()
    org.site_links = org.site_links[:1]
    with pytest.raises(LookupError, match="No IP site link path joins site B to site C"):
        sites.least_cost_path(org, "B", "C")


def test_plan_uses_a_hub_site_only_on_the_path() -> None:
    org = scenarios.three_sites()
    assert sites.plan(org, "B", "C") == sites.SitePlan(("B", "A", "C"), 200, "C", ("A",))
    org.sites[0].hub_site = True
    assert sites.plan(org, "B", "C") == sites.SitePlan(("B", "A", "C"), 200, "A", ())
    off_path = scenarios.three_sites(bc_link_cost=150)
    off_path.sites[0].hub_site = True
    assert sites.plan(off_path, "B", "C") == sites.SitePlan(("B", "C"), 150, "C", ())


# --- over real sockets --------------------------------------------------------------------
def test_direct_connection_from_b_to_c_skips_a(lab: Lab) -> None:
    msg = lab.send(USERB, USERC, subject="direct")
    assert servers_on_path(lab, msg) == ["MBXB", "MBXC"]
    assert by_hosts(lab, USERC) == ["MBXB", "MBXB", "MBXC", "MBXC"]
    assert lab.tracking_log(msg).where(EventId="RECEIVE", Source="SMTP")["ServerHostname"] == [
        "MBXB.exchange2013demo.com", "MBXC.exchange2013demo.com"]


def test_hub_site_on_the_path_relays_through_a(lab: Lab) -> None:
    lab.set_hub_site("A", True)
    msg = lab.send(USERB, USERC, subject="via hub")
    assert servers_on_path(lab, msg) == ["MBXB", "MBXA", "MBXC"]
    hops = parse_hops(lab.mailbox(USERC).messages[-1])
    assert [(h.from_host, h.by_host) for h in hops[2:4]] == [
        ("MBXB.exchange2013demo.com", "MBXA.exchange2013demo.com"),
        ("MBXA.exchange2013demo.com", "MBXC.exchange2013demo.com")]
    assert [h.id for h in hops[1:]] == ["15.0.847.32"] * 4


def test_a_queue_to_another_site_is_named_as_microsoft_lists_it(lab: Lab) -> None:
    """An ordinary destination site is a mailbox delivery group (`Site:C;Version:15`); only an
    intermediate hub site gets SmtpRelayToRemoteActiveDirectorySite, which the queues page
    reserves for "an intermediate hop" (before: every site was SmtpRelayToRemoteActiveDirectorySite)."""
    lab.stop_service("MBXC", "Transport")
    lab.stop_service("MBXA", "Transport")
    lab.send(USERB, USERC, subject="direct")
    lab.set_hub_site("A", True)
    lab.send(USERB, USERC, subject="via hub")
    waiting = lab.queues().where(lambda r: r.MessageCount > 0)
    assert values(waiting, "DeliveryType", "NextHopDomain") == [
        ["SmtpRelayToMailboxDeliveryGroup", "Site:C;Version:15"],
        ["SmtpRelayToRemoteActiveDirectorySite", "A"]]


def test_hub_site_off_the_least_cost_path_is_not_used() -> None:
    with Lab(scenarios.three_sites(bc_link_cost=300)) as lab:
        lab.set_hub_site("A", True)
        first = lab.send(USERB, USERC, subject="A on the path")
        lab.set_site_link_cost("B-C", 150)
        second = lab.send(USERB, USERC, subject="A off the path")
        assert servers_on_path(lab, first) == ["MBXB", "MBXA", "MBXC"]
        assert servers_on_path(lab, second) == ["MBXB", "MBXC"]


def test_mail_inside_a_hub_site_and_to_it_is_unchanged(lab: Lab) -> None:
    lab.set_hub_site("A", True)
    msg = lab.send(USERB, USERA, subject="to A")
    assert servers_on_path(lab, msg) == ["MBXB", "MBXA"]
    assert by_hosts(lab, USERA) == ["MBXB", "MBXB", "MBXA", "MBXA"]


def test_destination_down_queues_at_the_site_closest_to_it(lab: Lab) -> None:
    """Direct connection to C fails, so MBXB backs off to A along the path: the message
    waits in A's queue for site C, and B holds nothing."""
    lab.stop_service("MBXC", "Transport")
    msg = lab.send(USERB, USERC, subject="C is down")
    q = lab.queues()
    waiting = q.where(lambda r: r.MessageCount > 0)
    assert values(waiting, "Identity", "DeliveryType", "Status", "NextHopDomain") == [
        ["MBXA\\3", "SmtpRelayToMailboxDeliveryGroup", "Retry", "Site:C;Version:15"]]
    assert waiting["LastError"][0].endswith("The last endpoint attempted was 10.0.3.11:25")
    assert lab.mailbox(USERC).messages == []
    lab.start_service("MBXC", "Transport")
    lab.advance(minutes=1)
    assert servers_on_path(lab, msg) == ["MBXB", "MBXA", "MBXC"]
    hops = parse_hops(lab.mailbox(USERC).messages[-1])
    assert [str(h.by_host).split(".")[0] for h in hops] == ["MBXB", "MBXB", "MBXA", "MBXC", "MBXC"]
    assert hops[3].delay is not None and hops[3].delay.total_seconds() == 61


def test_hub_site_down_queues_at_the_source(lab: Lab) -> None:
    """With A as hub site and A down, there is no site nearer C to back off to."""
    lab.set_hub_site("A", True)
    lab.stop_service("MBXA", "Transport")
    lab.send(USERB, USERC, subject="A is down")
    q = lab.queues()
    waiting = q.where(lambda r: r.MessageCount > 0)
    assert values(waiting, "Identity", "DeliveryType", "Status", "NextHopDomain") == [
        ["MBXB\\3", "SmtpRelayToRemoteActiveDirectorySite", "Retry", "A"]]
    assert waiting["LastError"][0].endswith("10.0.1.11:25")
    lab.start_service("MBXA", "Transport")
    lab.advance(minutes=5)
    assert by_hosts(lab, USERC) == ["MBXB", "MBXB", "MBXA", "MBXC", "MBXC"]


def test_site_settings_refuse_mistakes_in_exchange_words(lab: Lab) -> None:
    with pytest.raises(LabError, match="The Active Directory site 'D' couldn't be found. Sites: A, B, C."):
        lab.set_hub_site("D", True)
    with pytest.raises(LabError, match="The IP site link 'B-C' couldn't be found. Site links: A-B, A-C."):
        lab.set_site_link_cost("B-C", 10)
    with pytest.raises(LabError, match="ExchangeCost must be a whole number from 1 to 99,999, not 0."):
        lab.set_site_link_cost("A-B", 0)
    lab.set_site_link_cost("a-b", 99_999)
    links = lab.ad_site_links()
    assert links.columns == ("Name", "Sites", "Cost")
    assert values(links, *links.columns) == [["A-B", "A, B", 99_999], ["A-C", "A, C", 100]]
    assert lab.ad_sites()["HubSiteEnabled"] == [False, False, False]


def test_site_diagram_highlights_the_path_and_the_route(lab: Lab) -> None:
    lab.set_hub_site("A", True)
    msg = lab.send(USERB, USERC)
    route = sites.site_of_steps(lab.org, lab.path(msg))
    assert route == ["B", "A", "C"]
    src = site_diagram(lab.org, sites.least_cost_path(lab.org, "B", "C")[0], route).source
    assert src.count(f' color="{SITE_PATH_COLOUR}"') == 2
    assert src.count("SMTP hop") == 2
    assert "(hub site)" in src


def test_site_explorer_drives_the_lab_through_its_controls() -> None:
    from mailflowlab.course import route_table
    from mailflowlab.ui import SiteExplorer
    with Lab(scenarios.three_sites(bc_link_cost=300)) as lab:
        explorer = SiteExplorer(lab)
        assert (explorer.sender.value, explorer.recipient.value) == (USERB, USERC)
        assert "Least-cost path B → A → C (cost 200). Transport in site B connects to site C directly." == \
            explorer.result.value
        explorer.hubs["A"].value = True
        assert lab.ad_sites()["HubSiteEnabled"] == [True, False, False]
        sent = explorer.send()
        assert sent is not None and route_table(lab, sent)["Server"] == ["MBXB", "MBXA", "MBXC"]
        assert explorer.result.value.endswith("(a hub site on the path). The message went B → A → C.")
        explorer.sliders["B-C"].value = 150
        assert lab.ad_site_links().where(Name="B-C")[0].Cost == 150
        sent = explorer.send()
        assert sent is not None and route_table(lab, sent)["Server"] == ["MBXB", "MBXC"]
        explorer.close()
