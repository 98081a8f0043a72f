"""Incidents in hybrid with Exchange Online (chapter 14): the settings the Hybrid Configuration
Wizard made on both sides, changed by hand later.

Each side recognises the other by a name: EOP's certificate `mail.protection.outlook.com` earns
it AcceptCloudServicesMail on the on-premises `Default Frontend` (TlsDomainCapabilities); the
on-premises certificate name earns it the tenant's own mail at EOP (the inbound connector's
TlsSenderCertificateName); the send connector `Outbound to Office 365` finds EOP by the smart
host Microsoft gave the domain; Exchange Online's outbound connector delivers to the on-premises
smart hosts it names. A typo in any of them, or the one server named there left stopped, stops
one direction of mail while the others keep flowing, which is what the help desk hears. The organization is
`scenarios.hybrid2019()` with the seed's people: staff on premises, two of CLOUD_PEOPLE in
Exchange Online (remote mailboxes on premises).
"""
from __future__ import annotations

from random import Random

from .. import scenarios
from ..hybrid import ACCEPT_CLOUD_SERVICES_MAIL, EOP_CERTIFICATE, CloudMailbox, RemoteMailbox, Tenant
from ..lab import Lab
from ..topology import Organization
from . import cast
from .model import IncidentSpec, Staged, from_cloud, inbound, internal, outbound, step, to_cloud
from .probes import send

#: People whose mailboxes moved to Exchange Online: (alias, display name), none in cast.PEOPLE.
CLOUD_PEOPLE = (("priya", "Priya Nair"), ("tom", "Tom Becker"), ("yuki", "Yuki Tanaka"), ("sara", "Sara Costa"),
                ("leo", "Leo Novak"), ("amara", "Amara Obi"))
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
#: The Front End connectors EOP connects to (the outbound connector's smart host is the MX's name).
FRONTENDS = ("MBX1", "MBX2")
HCW_SEND = "Outbound to Office 365 - 6f0c4a5e"
TRUST_EOP = f"{EOP_CERTIFICATE}:{ACCEPT_CLOUD_SERVICES_MAIL}"
TRANSPORT_OPTIONS = "https://learn.microsoft.com/exchange/transport-options"
CLOUD_CONNECTOR_CHECK = "https://microsoft.github.io/CSS-Exchange/Diagnostics/HealthChecker/CloudConnectorCheck/"
TENANT_ATTRIBUTION_NDR = "https://learn.microsoft.com/en-us/exchange/troubleshoot/email-delivery/ndr/relay-access-denied-smtp"


def _tenant(org: Organization) -> Tenant:
    assert org.tenant is not None, "a hybrid scenario has a tenant"
    return org.tenant


def _hybrid_org(rng: Random, centralized: bool = False, internet_via_eop: bool = False) -> Organization:
    """hybrid2019 with the seed's people: two cloud mailboxes (and their remote mailboxes), staff."""
    org = scenarios.hybrid2019(centralized=centralized, internet_via_eop=internet_via_eop)
    tenant = _tenant(org)
    moved = rng.sample(CLOUD_PEOPLE, 2)
    tenant.mailboxes = [CloudMailbox(f"{alias}@{org.domain}", name) for alias, name in moved]
    org.remote_mailboxes = [RemoteMailbox(f"{alias}@{org.domain}", f"{alias}@{tenant.routing_domain}")
                            for alias, _ in moved]
    return cast.staffed(org, rng)


def _facts(lab: Lab, rng: Random) -> dict[str, str]:
    """An on-premises user and a colleague on the other server, both cloud mailboxes, a customer."""
    user, colleague = cast.pair(lab, rng)
    cloud, cloud_colleague = (m.address for m in _tenant(lab.org).mailboxes)
    names = {m.address: m.display_name.split()[0] for m in _tenant(lab.org).mailboxes}
    return {**cast.named(lab, user=user, colleague=colleague, customer=cast.outsiders(rng, 1)[0]),
            "cloud": cloud, "cloud_name": names[cloud], "cloud_colleague": cloud_colleague,
            "day": rng.choice(DAYS)}


# --- The certificate name EOP is trusted by, mistyped on the Front End connectors ------------------

#: What the renewal's script typed instead of mail.protection.outlook.com.
EOP_TYPOS = ("mail.protection.outlook.net", "mail.protection.outlok.com", "mail.protection.office365.com",
             "protection.outlook.com", "mail.protection.outlook.co")


def _stage_capabilities(lab: Lab, rng: Random) -> Staged:
    f = {**_facts(lab, rng), "typo": rng.choice(EOP_TYPOS)}
    for server in FRONTENDS:
        lab.set_receive_connector(server, f"Default Frontend {server}",
                                  tls_domain_capabilities=[f"{f['typo']}:{ACCEPT_CLOUD_SERVICES_MAIL}"])
    lab.advance(hours=rng.randint(14, 30))
    send(lab, from_cloud(f["cloud"], f["customer"]), "Your quote")
    lab.advance(minutes=rng.randint(10, 50))
    return Staged(f)


CLOUD_RELAY = IncidentSpec(
    id="hybrid-cloud-mail-refused",
    title="Cloud mailboxes can no longer write to customers",
    chapters=(14,),
    scenario=lambda rng: _hybrid_org(rng, centralized=True),
    stage=_stage_capabilities,
    report=("{cloud_name}, whose mailbox moved to Exchange Online last month, says every message to a customer "
            "since {day} comes back 'Undeliverable' within a minute ({customer} has been waiting for a quote); "
            "mail to colleagues such as {user_name} still arrives. On {day} the Exchange servers' certificate "
            "was renewed."),
    hints=("Read the report Exchange Online sent back to {cloud}: which server refused the message, and with "
           "which reply? With centralized mail transport, that server is asked to relay for the cloud.",
           "The on-premises Front End decides what EOP may do by the name on EOP's certificate: compare "
           "lab.exchange_online.connectors() and the hybrid send connector's TlsDomain with what "
           "Get-ReceiveConnector shows for the connector EOP meets (format-list, all of its TLS settings).",
           "The objects at fault: the TlsDomainCapabilities of 'Default Frontend MBX1' and 'Default Frontend "
           "MBX2'."),
    faults=("TlsDomainCapabilities of 'Default Frontend MBX1' and 'Default Frontend MBX2' name {typo}, not EOP's "
            "certificate mail.protection.outlook.com: EOP is an anonymous caller there, and with centralized "
            "mail transport the cloud mailboxes' Internet mail is refused with 550 5.7.1 Unable to relay.",),
    paths=lambda f: (from_cloud(f["cloud"], f["customer"]), from_cloud(f["cloud_colleague"], f["colleague"]),
                     to_cloud(f["user"], f["cloud"])),
    fix=lambda f: tuple(step(f"Set-ReceiveConnector '{s}\\Default Frontend {s}' -TlsDomainCapabilities {TRUST_EOP}",
                             "set_receive_connector", s, f"Default Frontend {s}", tls_domain_capabilities=[TRUST_EOP])
                        for s in FRONTENDS),
    sources=(f"Microsoft, transport options in Exchange hybrid deployments: {TRANSPORT_OPTIONS}",
             "CSS-Exchange HealthChecker, Cloud Connector check (TlsDomainCapabilities "
             f"mail.protection.outlook.com:AcceptCloudServicesMail): {CLOUD_CONNECTOR_CHECK}"),
)


# --- The send connector to EOP with a mistyped smart host --------------------------------------

def _smart_host_typos(tenant: Tenant) -> tuple[str, ...]:
    """Names in EOP's DNS zone that look like the MX host EOP gave the domain but that DNS
    does not know (EOP names a host only for a tenant's domain)."""
    dashed = tenant.domain.replace(".", "-")
    return (f"{tenant.domain}.mail.protection.outlook.com", f"{dashed.rsplit('-', 1)[0]}.mail.protection.outlook.com",
            f"{dashed}.protection.outlook.com", f"{tenant.name}.mail.protection.outlook.com")


def _stage_smart_host(lab: Lab, rng: Random) -> Staged:
    tenant = _tenant(lab.org)
    f = {**_facts(lab, rng), "connector": HCW_SEND, "mx_host": tenant.mx_host,
         "typo": rng.choice(_smart_host_typos(tenant))}
    lab.set_send_connector(HCW_SEND, smart_hosts=[f["typo"]])
    lab.advance(hours=rng.randint(2, 20))
    stuck = send(lab, to_cloud(f["user"], f["cloud"]), "Project plan")
    lab.advance(minutes=rng.randint(20, 90))
    queue = next(q.Identity for q in lab.queues().where(DeliveryType="SmartHostConnectorDelivery")
                 if any(m.InternetMessageId == stuck.message_id for m in lab.queue_messages(q.Identity)))
    return Staged({**f, "queue": queue}, (stuck,))


SMART_HOST = IncidentSpec(
    id="hybrid-smart-host",
    title="Mail to colleagues in the cloud does not arrive",
    chapters=(14,),
    scenario=_hybrid_org,
    stage=_stage_smart_host,
    report=("{user_name} sent the project plan to {cloud_name} on {day} and {cloud_name} never got it; no "
            "error came back. {cloud_name}'s mailbox is in Exchange Online since the migration; mail from "
            "{cloud_name} to {user_name} arrives."),
    hints=("No NDR means the message is still somewhere: look for it on premises before looking in the cloud.",
           "Get-Queue on {user_name}'s server: which queue holds it, what is its NextHopDomain and LastError? "
           "Then compare that name with Get-SendConnector and with the name the domain's MX record points to. "
           "A message already queued keeps the route it was given.",
           "The objects at fault: the SmartHosts of the send connector '{connector}', and the queue {queue}, "
           "which still holds {user_name}'s message."),
    faults=("The send connector '{connector}' has the smart host {typo}, a name DNS does not know (EOP's is "
            "{mx_host}): mail to the cloud mailboxes waits in queue {queue} in Retry (451 4.4.0 DNS query "
            "failed ... NonExistentDomain), and after the fix it must be routed again (Retry-Queue -Resubmit).",),
    paths=lambda f: (to_cloud(f["user"], f["cloud"]), to_cloud(f["colleague"], f["cloud_colleague"]),
                     from_cloud(f["cloud"], f["user"])),
    fix=lambda f: (step(f"Set-SendConnector '{f['connector']}' -SmartHosts {f['mx_host']}",
                        "set_send_connector", f["connector"], smart_hosts=[f["mx_host"]]),
                   step(f"Retry-Queue -Identity '{f['queue']}' -Resubmit $true",
                        "retry_queue", f["queue"], resubmit=True)),
    sources=(f"Microsoft, transport options in Exchange hybrid deployments (the smart host "
             f"<domain>.mail.protection.outlook.com): {TRANSPORT_OPTIONS}",
             "exchange2013-facts.md §4.2 (Retry-Queue -Resubmit)"),
)


# --- Exchange Online's inbound connector expects another certificate name -------------------------

def _stage_attribution(lab: Lab, rng: Random) -> Staged:
    tenant = _tenant(lab.org)
    d = lab.org.domain
    f = {**_facts(lab, rng), "inbound_connector": tenant.inbound.name,
         "certificate": tenant.inbound.tls_sender_certificate_name,
         "typo": rng.choice((f"smtp.{d}", f"hybrid.{d}", f"mx.{d}", d, f"owa.{d}"))}
    lab.exchange_online.set_inbound_connector(tls_sender_certificate_name=f["typo"])
    lab.advance(hours=rng.randint(3, 20))
    send(lab, outbound(f["user"], f["customer"]), "Order confirmation")
    lab.advance(minutes=rng.randint(5, 40))
    return Staged(f)


TENANT_ATTRIBUTION = IncidentSpec(
    id="hybrid-tenant-attribution",
    title="Every message to customers comes back",
    chapters=(14,),
    scenario=lambda rng: _hybrid_org(rng, internet_via_eop=True),
    stage=_stage_attribution,
    report=("Since {day}, {user_name} says, every message to a customer comes back with a long report "
            "({customer} never got the order confirmation); mail from customers arrives, and so does mail "
            "between colleagues. On {day} the cloud team tidied up the connectors in the Exchange admin "
            "center."),
    hints=("Read the NDR in {user_name}'s Inbox: which server refused, and which enhanced status code did it "
           "give? Microsoft's NDR page for that code names the cause.",
           "On premises, Get-SendConnector shows which certificate the Internet send connector presents "
           "(TlsCertificateName); in the tenant, lab.exchange_online.connectors() shows how Exchange Online "
           "recognises the on-premises servers.",
           "The object at fault: the TlsSenderCertificateName of Exchange Online's inbound connector "
           "'{inbound_connector}'."),
    faults=("The inbound connector '{inbound_connector}' expects the certificate name {typo}; the on-premises "
            "servers present {certificate}, so EOP does not attribute them to the tenant and refuses to relay "
            "their Internet mail: 550 5.7.64 TenantAttribution; Relay Access Denied.",),
    paths=lambda f: (outbound(f["user"], f["customer"]), outbound(f["colleague"], f["customer"]),
                     inbound(f["customer"], f["user"]), to_cloud(f["user"], f["cloud"])),
    fix=lambda f: (step(f"Set-InboundConnector '{f['inbound_connector']}' -TlsSenderCertificateName "
                        f"{f['certificate']}", "exchange_online.set_inbound_connector",
                        tls_sender_certificate_name=f["certificate"]),),
    sources=("Microsoft, '550 5.7.64 TenantAttribution' when sending mail externally (the inbound connector's "
             f"certificate name no longer matches the on-premises certificate): {TENANT_ATTRIBUTION_NDR}",),
)


# --- The hybrid server's Front End Transport left stopped after patching --------------------------

def _stage_hybrid_server(lab: Lab, rng: Random) -> Staged:
    server = rng.choice(FRONTENDS)
    f = {**_facts(lab, rng), "server": server, "smart_host": lab.org.server(server).fqdn}
    lab.exchange_online.set_outbound_connector(smart_hosts=[f["smart_host"]])      # as HCW was told: one server
    lab.stop_service(server, "Front End Transport")
    lab.advance(hours=rng.randint(6, 10))
    stuck = (send(lab, inbound(f["customer"], f["user"]), "Delivery schedule"),
             send(lab, from_cloud(f["cloud"], f["colleague"]), "Handover notes"))
    lab.advance(minutes=rng.randint(20, 60))
    return Staged(f, stuck)


HYBRID_SERVER = IncidentSpec(
    id="hybrid-server-stopped",
    title="After patch night, nothing arrives from outside or from the cloud",
    chapters=(14,),
    scenario=_hybrid_org,
    stage=_stage_hybrid_server,
    report=("After last night's patching, {user_name} says, nothing has arrived from outside all morning "
            "({customer} sent a delivery schedule at eight), and {colleague_name} is still waiting for "
            "{cloud_name}'s handover notes from Exchange Online. Mail between colleagues on premises, and to "
            "customers, leaves as usual; no one got an error."),
    hints=("No NDR and nothing in the on-premises queues: the messages wait before they reach the organization. "
           "Where does Internet mail go first when the MX record points at EOP?",
           "lab.exchange_online.queue() shows what Exchange Online holds and its last error; "
           "lab.exchange_online.connectors() names the one server it sends to. Is anything listening there "
           "(lab.services_table())?",
           "The object at fault: a service on {server}, the server the outbound connector's smart host "
           "{smart_host} points at."),
    faults=("Front End Transport on {server} is stopped: Exchange Online's outbound connector sends everything "
            "for the organization to {smart_host} alone, so Internet mail (the MX is EOP) and the cloud "
            "mailboxes' mail wait in Exchange Online's queue (451 4.4.316 Connection refused).",),
    paths=lambda f: (inbound(f["customer"], f["user"]), from_cloud(f["cloud_colleague"], f["colleague"]),
                     internal(f["user"], f["colleague"]), to_cloud(f["colleague"], f["cloud"])),
    fix=lambda f: (step(f"Start-Service MSExchangeFrontEndTransport  (on {f['server']})",
                        "start_service", f["server"], "Front End Transport"),),
    sources=("exchange2013-facts.md (Front End Transport listens on port 25 for the Internet)",
             f"Microsoft, transport options in Exchange hybrid deployments: {TRANSPORT_OPTIONS}",
             "INFERRED: Exchange Online retries a smart host that refuses the connection (the lab's 4.4.316 "
             "wording and 15-minute interval are UNCERTAIN, see services.exchange_online)"),
)


INCIDENTS = (CLOUD_RELAY, SMART_HOST, TENANT_ATTRIBUTION, HYBRID_SERVER)
