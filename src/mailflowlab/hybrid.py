"""Hybrid with Exchange Online, as plain data: the tenant, its connectors, and what the Hybrid
Configuration Wizard (HCW) sets on both sides.

A hybrid organization has mailboxes on its own servers and in an Exchange Online tenant, and
Exchange Online Protection (EOP) in front of the tenant. HCW configures (Microsoft's hybrid
transport pages; CSS-Exchange HealthChecker's Cloud Connector and Exchange Online Connector
checks, which test exactly these settings):

* on-premises, a send connector `Outbound to Office 365` for the tenant's routing domain
  `<tenant>.mail.onmicrosoft.com`, smart host `<domain>.mail.protection.outlook.com`, TLS
  required with `TlsAuthLevel DomainValidation`, `TlsDomain mail.protection.outlook.com`,
  `TlsCertificateName` (the certificate shown to EOP) and `CloudServicesMailEnabled`;
* on-premises, `TlsDomainCapabilities mail.protection.outlook.com:AcceptCloudServicesMail` on
  the Front End connector EOP connects to: EOP's certificate name earns it the permissions of
  cross-premises mail;
* in Exchange Online, an inbound connector `Inbound from <guid>` (ConnectorType OnPremises)
  that recognises the on-premises servers by `TlsSenderCertificateName`, and an outbound
  connector `Outbound to <guid>` to the on-premises smart host, TLS with DomainValidation;
  with `RouteAllMessagesViaOnPremises` (centralized mail transport) it takes all Internet
  mail of the cloud mailboxes to the on-premises organization first;
* a remote mailbox on premises for every cloud mailbox, whose RemoteRoutingAddress is
  `<alias>@<tenant>.mail.onmicrosoft.com`.

The lab's EOP answers on one simulated address; its real server names are long generated
names (`DS3PEPF000099D3.mail.protection.outlook.com`), the lab's are short and say what they
are. What EOP stamps is modelled on the public samples in `header_samples` (INFERRED where a
value is chosen rather than read, as the service module says).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

#: EOP's front door in the lab (TEST-NET-2, a range for documentation).
EOP_IP = "198.51.100.40"
#: The certificate EOP presents, and the name on-premises TlsDomainCapabilities trusts.
EOP_CERTIFICATE = "mail.protection.outlook.com"
#: EOP's DNS zone: a host name in it exists only where EOP gave a tenant's domain its MX host
#: (any other name there is unknown to DNS).
EOP_DNS_ZONE = "protection.outlook.com"
#: The capability HCW grants EOP on the on-premises Front End connector.
ACCEPT_CLOUD_SERVICES_MAIL = "AcceptCloudServicesMail"
#: Exchange Online's build in the AMD sample of March 2025 (`header_samples.HYBRID_2016_OUTBOUND`).
EXCHANGE_ONLINE_BUILD = "15.20.8511.19"


def certificate_subject(tls_certificate_name: str) -> str:
    """The name a TlsCertificateName (`<I>issuer<S>subject`) presents: `<S>CN=mail.contoso.com`
    -> `mail.contoso.com`."""
    subject = tls_certificate_name.rpartition("<S>")[2]
    return subject.partition("CN=")[2].partition(",")[0] or subject


@dataclass
class InboundConnector:
    """Exchange Online's connector for mail from the on-premises servers (New-InboundConnector)."""
    name: str
    tls_sender_certificate_name: str
    connector_type: str = "OnPremises"
    require_tls: bool = True
    cloud_services_mail_enabled: bool = True
    enabled: bool = True


@dataclass
class OutboundConnector:
    """Exchange Online's connector to the on-premises servers (New-OutboundConnector)."""
    name: str
    recipient_domains: tuple[str, ...]
    smart_hosts: tuple[str, ...]
    tls_domain: str
    connector_type: str = "OnPremises"
    tls_settings: str = "DomainValidation"
    #: Centralized mail transport: Internet mail of cloud mailboxes goes on premises first.
    route_all_via_on_premises: bool = False
    enabled: bool = True


@dataclass
class CloudMailbox:
    """A mailbox in Exchange Online (moved there, or created in the cloud)."""
    address: str
    display_name: str


@dataclass
class RemoteMailbox:
    """On premises, a cloud mailbox's stand-in (Get-RemoteMailbox): mail to `address` goes to
    `remote_routing_address` in the tenant's routing domain."""
    address: str
    remote_routing_address: str


@dataclass
class Tenant:
    """An Exchange Online tenant in hybrid with the organization: its names, mailboxes and
    connectors, and whether the MX record points at EOP."""
    name: str                                   # contoso -> contoso.onmicrosoft.com
    domain: str                                 # the organization's accepted domain, shared
    mailboxes: list[CloudMailbox]
    inbound: InboundConnector
    outbound: OutboundConnector
    mx_at_eop: bool = True
    #: The Exchange Online server names and addresses the lab's headers show (see module doc).
    eop_host: str = "EOP01.mail.protection.outlook.com"
    frontend_host: str = "EXOFE01.outlook.office365.com"
    frontend_ip: str = "198.51.100.41"
    mailbox_host: str = "EXOMB01.prod.outlook.com"
    mailbox_ip: str = "198.51.100.42"
    extra_domains: list[str] = field(default_factory=list)

    @property
    def initial_domain(self) -> str:
        return f"{self.name}.onmicrosoft.com"

    @property
    def routing_domain(self) -> str:
        """The domain of the remote routing addresses: `<tenant>.mail.onmicrosoft.com`."""
        return f"{self.name}.mail.onmicrosoft.com"

    @property
    def mx_host(self) -> str:
        """The MX host EOP gives the domain: `exchange2019demo-com.mail.protection.outlook.com`."""
        return f"{self.domain.replace('.', '-')}.mail.protection.outlook.com"

    @property
    def tenant_id(self) -> str:
        """The tenant's GUID (X-MS-Exchange-CrossTenant-Id): fixed by its name in the lab."""
        return str(uuid.uuid5(uuid.NAMESPACE_DNS, self.initial_domain))

    def mailbox(self, address: str) -> CloudMailbox | None:
        """The cloud mailbox with this address, or its routing address."""
        key = address.lower()
        local, _, domain = key.partition("@")
        for m in self.mailboxes:
            if m.address.lower() == key or (domain == self.routing_domain
                                            and m.address.lower().partition("@")[0] == local):
                return m
        return None

    def is_tenant_domain(self, domain: str) -> bool:
        """A domain the tenant accepts: the shared domain and its own onmicrosoft.com names."""
        return domain.lower() in {self.domain.lower(), self.initial_domain, self.routing_domain,
                                  *(d.lower() for d in self.extra_domains)}
