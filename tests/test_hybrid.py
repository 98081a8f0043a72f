"""Hybrid with Exchange Online: EOP and the tenant on the lab's SMTP seam, the four paths of
mail, centralized mail transport, and the classic faults (issue 18, part 3)."""
from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from mailflowlab import Lab, parse_hops, replies, scenarios
from mailflowlab.errors import LabError
from mailflowlab.header_analyzer import (
    DELIVERY,
    FRONT_END,
    NOT_EXCHANGE,
    SUBMISSION,
    TRANSPORT,
    explain,
)
from mailflowlab.header_fields import read_fields
from mailflowlab.hybrid import certificate_subject

D = "exchange2019demo.com"
ALICE, BOB, CAROL, ERIN = f"alice@{D}", f"bob@{D}", f"carol@{D}", f"erin@{D}"
KATE = "kate@fabrikam.com"
EOP_FET = f"{FRONT_END} in Exchange Online Protection"
EXO = [f"{FRONT_END} in Exchange Online", f"{TRANSPORT} in Exchange Online"]
CLOUD_OUT = [f"{SUBMISSION} in Exchange Online", f"{TRANSPORT} in Exchange Online"]
HCW_SEND = "Outbound to Office 365 - 6f0c4a5e"


@pytest.fixture
def hybrid(transport: str) -> Iterator[Lab]:
    with Lab(scenarios.hybrid2019(), transport=transport) as running:
        yield running


def _services(message: EmailMessage) -> list[str]:
    return [s for s in explain(parse_hops(message))["Stamped by"] if s != NOT_EXCHANGE]


def _copies(messages: list[EmailMessage], subject: str) -> int:
    return sum(1 for m in messages if m["Subject"] == subject)


def _field(message: EmailMessage, header: str, field: str) -> str:
    return next(r.Value for r in read_fields(message) if r.Header == header and r.Field == field)


def test_the_hybrid_configuration_wizard_s_settings() -> None:
    org = scenarios.hybrid2019()
    tenant = org.tenant
    assert tenant is not None and tenant.mx_host == "exchange2019demo-com.mail.protection.outlook.com"
    assert tenant.routing_domain == "exchange2019demo.mail.onmicrosoft.com"
    assert [(r.address, r.remote_routing_address) for r in org.remote_mailboxes] == [
        (ERIN, "erin@exchange2019demo.mail.onmicrosoft.com"), (f"frank@{D}", "frank@exchange2019demo.mail.onmicrosoft.com")]
    hcw = next(c for c in org.send_connectors if c.name == HCW_SEND)
    assert (hcw.address_spaces, hcw.smart_hosts, hcw.require_tls, hcw.tls_domain, hcw.cloud_services_mail_enabled) == (
        ("exchange2019demo.mail.onmicrosoft.com",), ("exchange2019demo-com.mail.protection.outlook.com",), True,
        "mail.protection.outlook.com", True)
    assert certificate_subject(hcw.tls_certificate_name) == tenant.inbound.tls_sender_certificate_name == f"mail.{D}"
    frontend = next(c for c in org.connectors_of("MBX1") if c.name == "Default Frontend MBX1")
    assert frontend.tls_domain_capabilities == ("mail.protection.outlook.com:AcceptCloudServicesMail",)


def test_on_premises_to_a_cloud_mailbox_through_eop_as_the_tenant_s_own_mail(hybrid: Lab) -> None:
    hybrid.send(ALICE, ERIN, subject="To the cloud")
    inbox = hybrid.exchange_online.mailbox(ERIN).messages
    assert _copies(inbox, "To the cloud") == 1
    message = inbox[-1]
    assert _services(message) == [SUBMISSION, TRANSPORT, EOP_FET, *EXO]
    assert message["X-MS-Exchange-CrossTenant-FromEntityHeader"] == "HybridOnPrem"
    assert [_field(message, "X-Forefront-Antispam-Report", f) for f in ("IPV", "SFV", "SCL", "DIR")] == [
        "CAL", "SKI", "-1", "INB"]
    assert _field(message, "Authentication-Results", "compauth") == "pass"
    [sent] = [e for e in hybrid.tracking_log() if e.EventId == "SEND" and e.ConnectorId == HCW_SEND]
    assert list(sent.Recipients) == ["erin@exchange2019demo.mail.onmicrosoft.com"]     # her routing address


def test_a_cloud_mailbox_to_on_premises_through_the_outbound_connector(hybrid: Lab) -> None:
    hybrid.exchange_online.send(ERIN, BOB, subject="From the cloud")
    inbox = hybrid.mailbox(BOB).messages
    assert _copies(inbox, "From the cloud") == 1
    hops = parse_hops(inbox[-1])
    assert _services(inbox[-1]) == [*CLOUD_OUT, FRONT_END, TRANSPORT, DELIVERY]
    assert (hops[2].from_host, hops[2].by_host, hops[2].via) == (
        "EOP02-obe.outbound.protection.outlook.com", f"MBX1.{D}", "Frontend Transport")
    assert inbox[-1]["X-MS-Exchange-CrossTenant-FromEntityHeader"] == "Hosted"


def test_internet_mail_reaches_on_premises_through_eop_the_mx(hybrid: Lab) -> None:
    hybrid.internet.send("someone@gmail.com", CAROL, subject="Through EOP")
    inbox = hybrid.mailbox(CAROL).messages
    assert _copies(inbox, "Through EOP") == 1
    assert _services(inbox[-1]) == [EOP_FET, *EXO, FRONT_END, TRANSPORT, DELIVERY]
    assert inbox[-1]["X-MS-Exchange-CrossTenant-FromEntityHeader"] == "Internet"
    assert [_field(inbox[-1], "Authentication-Results", f) for f in ("spf", "dmarc", "compauth", "reason")] == [
        "pass (sender IP is 209.85.220.43)", "pass", "pass", "100"]
    assert [_field(inbox[-1], "X-Forefront-Antispam-Report", f) for f in ("CIP", "IPV", "SFV", "DIR")] == [
        "209.85.220.43", "NLI", "NSPM", "INB"]


def test_internet_mail_to_a_cloud_mailbox_is_anonymous_in_the_tenant(hybrid: Lab) -> None:
    hybrid.internet.send("someone@gmail.com", ERIN, subject="From Gmail")
    [message] = hybrid.exchange_online.mailbox(ERIN).messages
    assert _services(message) == [EOP_FET, *EXO]
    assert (message["X-MS-Exchange-Organization-AuthAs"], message["X-MS-Exchange-CrossTenant-FromEntityHeader"]) == (
        "Anonymous", "Internet")
    assert message["X-MS-Exchange-Organization-AuthSource"] == "EOP01.eop.protection.outlook.com"


def test_centralized_mail_transport_changes_the_cloud_s_way_out(hybrid: Lab) -> None:
    hybrid.exchange_online.send(ERIN, KATE, subject="Direct")
    hybrid.exchange_online.set_outbound_connector(route_all_via_on_premises=True)
    hybrid.exchange_online.send(ERIN, KATE, subject="Centralized")
    inbox = hybrid.internet.mailbox(KATE).messages
    assert [_copies(inbox, s) for s in ("Direct", "Centralized")] == [1, 1]
    direct, centralized = (next(m for m in inbox if m["Subject"] == s) for s in ("Direct", "Centralized"))
    assert _services(direct) == CLOUD_OUT
    assert _services(centralized) == [*CLOUD_OUT, FRONT_END, TRANSPORT]


def test_a_certificate_name_mismatch_makes_on_premises_refuse_eop(hybrid: Lab) -> None:
    hybrid.exchange_online.set_outbound_connector(route_all_via_on_premises=True)
    for server in ("MBX1", "MBX2"):
        hybrid.set_receive_connector(server, f"Default Frontend {server}",
                                     tls_domain_capabilities=["mail.protection.outlook.net:AcceptCloudServicesMail"])
    hybrid.exchange_online.send(ERIN, KATE, subject="Refused")
    assert _copies(hybrid.internet.mailbox(KATE).messages, "Refused") == 0
    ndr = hybrid.exchange_online.mailbox(ERIN).messages[-1]
    assert ndr["Subject"] == "Undeliverable: Refused"
    assert f"Remote server returned '{replies.UNABLE_TO_RELAY}'" in ndr.get_content()


def test_an_inbound_connector_that_does_not_know_the_certificate(transport: str) -> None:
    with Lab(scenarios.hybrid2019(internet_via_eop=True), transport=transport) as lab:
        lab.exchange_online.set_inbound_connector(tls_sender_certificate_name="mail.contoso.com")
        lab.send(ALICE, KATE, subject="Through EOP to the Internet")
        lab.send(ALICE, ERIN, subject="Still to the cloud")
        ndr = lab.mailbox(ALICE).messages[-1]
        assert ndr["Subject"].startswith("Undeliverable") and replies.TENANT_ATTRIBUTION in ndr.get_content()
        cloud = lab.exchange_online.mailbox(ERIN).messages[-1]
        assert cloud["X-MS-Exchange-CrossTenant-FromEntityHeader"] == "Internet"     # no longer the tenant's own


def test_tls_required_but_not_offered_keeps_the_message_in_exchange_online(hybrid: Lab) -> None:
    for server in ("MBX1", "MBX2"):
        hybrid.set_receive_connector(server, f"Default Frontend {server}",
                                     auth_mechanism=["BasicAuth", "ExchangeServer", "Integrated"])
    hybrid.exchange_online.send(ERIN, BOB, subject="No TLS")
    [row] = list(hybrid.exchange_online.queue())
    assert row.Subject == "No TLS" and row.LastError == replies.EXO_TLS_NOT_OFFERED
    assert hybrid.mailbox(BOB).messages == []
    hybrid.set_receive_connector("MBX1", "Default Frontend MBX1",
                                 auth_mechanism=["TLS", "BasicAuth", "BasicAuthRequireTLS", "ExchangeServer", "Integrated"])
    hybrid.advance(minutes=15)
    assert _copies(hybrid.mailbox(BOB).messages, "No TLS") == 1 and len(hybrid.exchange_online.queue()) == 0


def test_the_wrong_smart_host_leaves_mail_to_the_cloud_retrying(hybrid: Lab) -> None:
    hybrid.set_send_connector(HCW_SEND, smart_hosts=["exchange2019demo.mail.protection.outlook.com"])
    hybrid.send(ALICE, ERIN, subject="Wrong smart host")
    [queue] = list(hybrid.queues().where(DeliveryType="SmartHostConnectorDelivery"))
    assert queue.Status == "Retry" and queue.LastError == replies.DNS_NONEXISTENT_DOMAIN
    hybrid.set_send_connector(HCW_SEND, smart_hosts=["exchange2019demo-com.mail.protection.outlook.com"])
    hybrid.retry_queue(queue.Identity, resubmit=True)        # Retry-Queue -Resubmit: route it again
    assert _copies(hybrid.exchange_online.mailbox(ERIN).messages, "Wrong smart host") == 1


def test_a_lab_without_a_tenant_says_so() -> None:
    with Lab(scenarios.exchange2019demo(), transport="memory") as lab, pytest.raises(LabError, match="no Exchange Online"):
        _ = lab.exchange_online
