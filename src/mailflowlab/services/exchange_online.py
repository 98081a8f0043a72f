"""Exchange Online Protection and an Exchange Online tenant: a part of the lab's Internet.

One SMTP listener plays EOP, the MX host of a hybrid domain and the smart host of the
on-premises `Outbound to Office 365` connector. What it does with a message, as Microsoft's
hybrid pages describe and the public samples in `header_samples` show:

* **Who is calling.** A caller over TLS whose certificate name is the inbound connector's
  TlsSenderCertificateName is the tenant's own on-premises organization
  (`X-MS-Exchange-CrossTenant-FromEntityHeader: HybridOnPrem`, `IPV:CAL`); anyone else is the
  Internet. Only the former may relay to other domains: anyone else gets
  `550 5.7.64 TenantAttribution; Relay Access Denied` (Microsoft's NDR page for 5.7.64).
* **Its headers.** EOP's Front End Transport, then Exchange Online's Front End Transport and
  Transport each stamp a Received header with Exchange Online's build (15.20); EOP adds
  Authentication-Results, X-Forefront-Antispam-Report, X-Microsoft-Antispam, the
  X-MS-Exchange-CrossTenant-* fields and, for Internet mail, X-MS-Exchange-Organization-AuthAs
  `Anonymous` (an outside sender's own organization headers are dropped); the tenant's own
  on-premises mail keeps the organization headers it came with (cross-premises headers).
  The values follow the samples and Microsoft's anti-spam header page; which verdict EOP
  would really reach is not modelled: SPF passes for the lab's outside senders (the lab's DNS
  lists each one's sending host), DKIM is `none` (the lab signs nothing), DMARC passes for
  gmail.com, which publishes a record, and is `bestguesspass` elsewhere (INFERRED). Mail from
  the tenant's own on-premises servers is intra-organization (`SFV:SKI`, `SCL:-1`: INFERRED
  from Microsoft's SKI description).
* **Where it goes.** A cloud mailbox's mail is delivered in the tenant; a recipient of the
  shared domain who is not in the cloud goes to the on-premises organization through the
  outbound connector; any other recipient to the Internet, or, with centralized mail transport
  (RouteAllMessagesViaOnPremises), mail of the cloud mailboxes to the on-premises organization
  first. The outbound connector requires TLS (DomainValidation): an on-premises connector that
  does not offer STARTTLS is not used, and the message waits in Exchange Online's queue
  (`lab.exchange_online.queue()`) with a 4.4.317 error (its exact wording UNCERTAIN).
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from .. import arguments, replies
from ..errors import LabError
from ..headers import format_date, long_build
from ..hybrid import EOP_CERTIFICATE, EXCHANGE_ONLINE_BUILD, Tenant
from ..message import WIRE, prepend, strip_org_headers, to_bytes
from ..records import OutgoingRow, SentMessage
from ..routing import EOP_ENDPOINT, OUTSIDE_MX_ENDPOINT, resolve_host
from ..smtp.client import Reply, offers_starttls, relay
from ..smtp.network import ConnectFailed, Peer
from ..store import MailboxFolders
from ..topology import Endpoint
from ..views import Table
from .context import LabContext

#: Exchange Online retries a message it could not hand on, and gives up after a day and a half
#: (Exchange Online's message expiration; the interval is UNCERTAIN, the lab uses 15 minutes).
RETRY_INTERVAL = timedelta(minutes=15)
GIVE_UP_AFTER = timedelta(days=1, hours=12)

#: EOP's servers that send mail out, as the samples name them (`*.outbound.protection.outlook.com`).
OUTBOUND_HOST = "EOP02-obe.outbound.protection.outlook.com"
OUTBOUND_IP = "198.51.100.43"
TLS_WORDS = "version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
#: The system mailbox Exchange Online's non-delivery reports come from.
NDR_MAILBOX = "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e"


def received(from_host: str, from_ip: str, by_host: str, by_ip: str, when: datetime, via: str | None = None,
             protocol: str = f"Microsoft SMTP Server ({TLS_WORDS})") -> str:
    """A Received header as Exchange Online writes it: TLS version and cipher, build 15.20,
    the time in UTC."""
    via_text = f" via {via}" if via else ""
    return (f"from {from_host} ({from_ip}) by {by_host} ({by_ip}) with {protocol} id {EXCHANGE_ONLINE_BUILD}"
            f"{via_text}; {format_date(when.astimezone(UTC))}")


@dataclass
class CloudItem:
    """A message Exchange Online still has to hand on: to on-premises or to the Internet."""
    content: bytes
    mail_from: str
    recipients: list[str]
    subject: str
    endpoint: Endpoint | None
    tls_required: bool
    first_attempt: datetime
    attempts: int = 0
    last_error: str = ""


class _EOPSession(SMTP):
    """aiosmtpd's protocol for EOP's listener; remembers its sessions to close them on stop."""

    def __init__(self, cloud: ExchangeOnline, **kwargs: Any) -> None:
        super().__init__(_EOPHandler(cloud), **kwargs)
        self.cloud = cloud
        self.caller: Peer | None = None
        self.opened_for: Peer | None = None      # (EOP's limits are not modelled)
        self.source = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.cloud.sessions.add(self)
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        self.cloud.sessions.discard(self)
        super().connection_lost(error)


class _EOPHandler:
    """EOP's rules for a session: who the caller is, which recipients it may send to."""

    def __init__(self, cloud: ExchangeOnline) -> None:
        self.cloud = cloud

    def caller(self, server: SMTP) -> Peer:
        assert isinstance(server, _EOPSession)
        return server.caller or self.cloud.ctx.network.outside_client

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        tenant = self.cloud.tenant
        domain = address.rpartition("@")[2].lower()
        if tenant.is_tenant_domain(domain):
            if not self.cloud.knows(address):
                return replies.EOP_RECIPIENT_REJECTED
        elif not self.cloud.attributed(self.caller(server)):
            return replies.TENANT_ATTRIBUTION
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Recipient OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        caller = self.caller(server)
        message_id = self.cloud.ctx.ids.guid()
        self.cloud.take_in(envelope.original_content or b"", envelope.mail_from or "", list(envelope.rcpt_tos),
                           caller, session.host_name or caller.name, message_id)
        return f"250 2.6.0 <{message_id}@{self.cloud.tenant.eop_host}> Queued mail for delivery"


class ExchangeOnline:
    """EOP and the tenant's Exchange Online: `lab.exchange_online`."""

    def __init__(self, ctx: LabContext, tenant: Tenant, settle: Callable[[], None]) -> None:
        self.ctx = ctx
        self.tenant = tenant
        self._settle = settle
        self.running = False
        self.sessions: set[_EOPSession] = set()
        self.mailboxes: dict[str, MailboxFolders] = {m.address.lower(): MailboxFolders(m.address)
                                                     for m in tenant.mailboxes}
        self.outgoing: list[CloudItem] = []

    # --- life cycle ---------------------------------------------------------------------
    async def start(self) -> None:
        await self.ctx.network.listen(EOP_ENDPOINT, lambda: _EOPSession(
            self, hostname=self.tenant.eop_host, ident="Microsoft ESMTP MAIL Service ready",
            loop=asyncio.get_running_loop()))
        self.running = True
        for item in self.outgoing:
            self._schedule(item, self.ctx.clock.now())

    async def stop(self) -> None:
        self.running = False
        await self.ctx.network.unlisten(EOP_ENDPOINT)
        for s in list(self.sessions):
            if s.transport is not None:
                s.transport.close()

    # --- the directory ------------------------------------------------------------------
    def mailbox(self, address: str) -> MailboxFolders:
        """A cloud mailbox's folders (by its address or its routing address)."""
        found = self.tenant.mailbox(address)
        if found is None:
            known = ", ".join(m.address for m in self.tenant.mailboxes)
            raise LabError(f"There is no mailbox '{address}' in Exchange Online. Cloud mailboxes: {known}.")
        return self.mailboxes[found.address.lower()]

    def knows(self, address: str) -> bool:
        """A cloud mailbox, or a recipient of the on-premises organization (synchronized to
        the tenant's directory as a mail user)."""
        org = self.ctx.org
        return self.tenant.mailbox(address) is not None or org.mailbox(address) is not None

    def attributed(self, caller: Peer) -> bool:
        """The caller is the tenant's on-premises organization: TLS, with the certificate name
        the inbound connector expects."""
        inbound = self.tenant.inbound
        return (inbound.enabled and caller.tls and caller.certificate is not None
                and caller.certificate.lower() == inbound.tls_sender_certificate_name.lower())

    # --- mail in --------------------------------------------------------------------------
    def take_in(self, content: bytes, mail_from: str, recipients: list[str], caller: Peer, helo: str,
                message_id: str) -> None:
        """EOP, then Exchange Online's Front End Transport and Transport: stamp, then deliver
        to cloud mailboxes or hand on."""
        now = self.ctx.clock.now()
        on_premises = self.attributed(caller)
        t = self.tenant
        inbound = any(t.is_tenant_domain(r.rpartition("@")[2]) for r in recipients)
        content = self.stamp_fields(content, mail_from, caller, helo, message_id, on_premises, inbound, now)
        content = prepend(content, "Received", received(helo, caller.ip, t.eop_host, "198.51.100.40", now,
                                                         "Frontend Transport"))
        content = prepend(content, "Received", received(t.eop_host.replace(".mail.", ".eop."), "198.51.100.40",
                                                         t.frontend_host, t.frontend_ip, now, "Frontend Transport"))
        content = prepend(content, "Received", received(t.frontend_host, t.frontend_ip, t.mailbox_host,
                                                         t.mailbox_ip, now))
        self.route(content, mail_from, recipients, from_cloud=False)

    def stamp_fields(self, content: bytes, mail_from: str, caller: Peer, helo: str, message_id: str,
                     on_premises: bool, inbound: bool, now: datetime) -> bytes:
        """EOP's verdict fields and the cross-tenant fields (see the module doc)."""
        sender_domain = mail_from.rpartition("@")[2].lower() or helo
        scl, sfv = ("-1", "SKI") if on_premises and inbound else ("1", "NSPM")
        dmarc = "pass" if sender_domain == "gmail.com" or on_premises else "bestguesspass"
        compauth = "pass reason=100" if dmarc == "pass" else "pass reason=109"
        fields = [
            ("X-MS-Exchange-Transport-CrossTenantHeadersStamped", self.tenant.mailbox_host.split(".")[0]),
            ("X-MS-Exchange-CrossTenant-FromEntityHeader", "HybridOnPrem" if on_premises else "Internet"),
            ("X-MS-Exchange-CrossTenant-AuthAs", "Anonymous"),
            ("X-MS-Exchange-CrossTenant-AuthSource", self.tenant.eop_host.replace(".mail.", ".eop.")),
            ("X-MS-Exchange-CrossTenant-Id", self.tenant.tenant_id),
            ("X-MS-Exchange-CrossTenant-Network-Message-Id", message_id),
            ("X-MS-Exchange-CrossTenant-OriginalArrivalTime",
             f"{now.astimezone(UTC):%d %b %Y %H:%M:%S}.0000 (UTC)"),
            ("X-Forefront-Antispam-Report",
             f"CIP:{caller.ip};CTRY:;LANG:en;SCL:{scl};SRV:;IPV:{'CAL' if on_premises else 'NLI'};"
             f"SFV:{sfv};H:{helo};PTR:;CAT:NONE;SFS:;DIR:{'INB' if inbound else 'OUT'};"),
            ("X-Microsoft-Antispam", "BCL:0;"),
            ("X-MS-Exchange-Organization-SCL", scl),
            ("Authentication-Results",
             f"spf=pass (sender IP is {caller.ip}) smtp.mailfrom={sender_domain}; dkim=none (message not "
             f"signed) header.d=none;dmarc={dmarc} action=none header.from={sender_domain};compauth={compauth}"),
        ]
        if not on_premises:
            # EOP's header firewall: an outside sender's organization headers are not kept, and
            # EOP says how the message came in (as the public samples show for Internet mail).
            content = strip_org_headers(content)
            fields += [("X-MS-Exchange-Organization-AuthSource", self.tenant.eop_host.replace(".mail.", ".eop.")),
                       ("X-MS-Exchange-Organization-AuthAs", "Anonymous")]
        for name, value in fields:
            content = prepend(content, name, value)
        return content

    # --- mail from a cloud mailbox ----------------------------------------------------------
    def send(self, sender: str, recipients: str | list[str], subject: str = "", body: str = "") -> SentMessage:
        """A cloud mailbox sends (Outlook on the web): Submission and Transport in Exchange Online,
        then delivery in the tenant or on to the on-premises organization or the Internet."""
        if not self.running:
            raise LabError("The lab is not running: use `with Lab(...) as lab:` or call lab.start().")
        sender = arguments.address(sender, "sender")
        box = self.tenant.mailbox(sender)
        if box is None:
            raise LabError(f"'{sender}' has no mailbox in Exchange Online: send from a cloud mailbox "
                           f"({', '.join(m.address for m in self.tenant.mailboxes)}).")
        rcpts = list(dict.fromkeys(arguments.recipients(recipients)))
        now = self.ctx.clock.now()
        t = self.tenant
        msg = EmailMessage(policy=WIRE)
        msg["From"] = f"{box.display_name} <{box.address}>"
        msg["To"] = ", ".join(rcpts)
        msg["Subject"] = arguments.text(subject, "subject")
        msg["Date"] = format_date(now.astimezone(UTC))
        msg["Message-ID"] = f"<{self.ctx.ids.guid().replace('-', '').upper()[:32]}@{t.mailbox_host}>"
        msg["MIME-Version"] = "1.0"
        msg.set_content(arguments.text(body, "body") or "\n")
        content = to_bytes(msg)
        for name, value in (
                ("X-MS-Exchange-CrossTenant-FromEntityHeader", "Hosted"),
                ("X-MS-Exchange-CrossTenant-AuthAs", "Internal"),
                ("X-MS-Exchange-CrossTenant-AuthSource", t.mailbox_host),
                ("X-MS-Exchange-CrossTenant-Id", t.tenant_id),
                ("X-Forefront-Antispam-Report",
                 f"CIP:255.255.255.255;CTRY:;LANG:en;SCL:1;SRV:;IPV:NLI;SFV:NSPM;H:{t.mailbox_host};PTR:;"
                 "CAT:NONE;SFS:;DIR:OUT;"),
                ("X-Microsoft-Antispam", "BCL:0;")):
            content = prepend(content, name, value)
        content = prepend(content, "Received", received(t.mailbox_host, t.mailbox_ip, t.mailbox_host, t.mailbox_ip,
                                                         now, protocol="mapi").replace(
            f"id {EXCHANGE_ONLINE_BUILD}", f"id {long_build(EXCHANGE_ONLINE_BUILD)}"))
        content = prepend(content, "Received", received(t.mailbox_host, t.mailbox_ip, t.mailbox_host,
                                                         t.mailbox_ip, now + timedelta(seconds=1)))
        self.route(content, box.address, rcpts, from_cloud=True)
        self._settle()
        return SentMessage(str(msg["Message-ID"]), box.address, tuple(rcpts), str(msg["Subject"]))

    # --- routing ----------------------------------------------------------------------------
    def route(self, content: bytes, mail_from: str, recipients: list[str], from_cloud: bool) -> None:
        """Deliver to cloud mailboxes; queue the rest for on-premises or the Internet."""
        t = self.tenant
        org = self.ctx.org
        outbound = t.outbound
        on_prem: list[str] = []
        internet: list[str] = []
        for rcpt in recipients:
            box = t.mailbox(rcpt)
            if box is not None:
                self.mailboxes[box.address.lower()].inbox.append(content)
                continue
            domain = rcpt.rpartition("@")[2].lower()
            shared = domain in (d.lower() for d in outbound.recipient_domains) or org.is_accepted(domain)
            if shared or (from_cloud and outbound.route_all_via_on_premises):
                on_prem.append(rcpt)
            else:
                internet.append(rcpt)
        now = self.ctx.clock.now()
        if on_prem:
            endpoint = resolve_host(org, outbound.smart_hosts[0]) if outbound.enabled and outbound.smart_hosts else None
            self._queue(CloudItem(content, mail_from, on_prem, _subject(content), endpoint, True, now))
        if internet:
            self._queue(CloudItem(content, mail_from, internet, _subject(content), OUTSIDE_MX_ENDPOINT, False, now))

    def _queue(self, item: CloudItem) -> None:
        """A message on its way out: the first try one hop from now."""
        self.outgoing.append(item)
        self.ctx.scheduler.hand_on(("exchange online", id(item)), self._attempter(item))

    def _attempter(self, item: CloudItem) -> Callable[[], Any]:
        async def attempt() -> None:
            if self.running and item in self.outgoing:
                await self.attempt(item)
        return attempt

    def _schedule(self, item: CloudItem, when: datetime) -> None:
        """A retry, or a try left over from before the lab (or EOP) was stopped."""
        if when <= self.ctx.clock.now():
            self.ctx.scheduler.now(("exchange online", id(item)), self._attempter(item))
        else:
            self.ctx.scheduler.at(when, ("exchange online", id(item)), self._attempter(item))

    async def attempt(self, item: CloudItem) -> None:
        """One try to hand the message on, as EOP's outbound servers do."""
        now = self.ctx.clock.now()
        item.attempts += 1
        peer = Peer(OUTBOUND_HOST, OUTBOUND_IP, tls=True, certificate=EOP_CERTIFICATE)
        refused: dict[str, Reply] = {}
        if item.endpoint is None:
            item.last_error = replies.EXO_SMART_HOST_NOT_FOUND
        elif item.tls_required and not await self._tls_offered(item.endpoint):
            item.last_error = replies.EXO_TLS_NOT_OFFERED
        else:
            try:
                outcome = await relay(self.ctx.sessions, item.endpoint, peer, item.mail_from, item.recipients,
                                      item.content)
            except (ConnectFailed, ConnectionError, TimeoutError):
                item.last_error = f"451 4.4.316 Connection refused [{item.endpoint.ip}:{item.endpoint.port}]"
            else:
                refused = outcome.refused
                item.recipients = [r for r, rep in refused.items() if rep.transient]
                item.last_error = refused[item.recipients[0]].text if item.recipients else ""
                for rcpt, rep in refused.items():
                    if not rep.transient:
                        self.bounce(item, rcpt, rep.text)
        self.outgoing.remove(item)
        if item.recipients and item.last_error:
            if now - item.first_attempt >= GIVE_UP_AFTER:
                for rcpt in item.recipients:
                    self.bounce(item, rcpt, item.last_error)
                return
            self.outgoing.append(item)
            self._schedule(item, now + RETRY_INTERVAL)

    async def _tls_offered(self, endpoint: Endpoint) -> bool:
        """Does the on-premises connector offer STARTTLS to EOP? (EHLO, then QUIT)."""
        try:
            return await offers_starttls(self.ctx.network, endpoint, Peer(OUTBOUND_HOST, OUTBOUND_IP))
        except (ConnectFailed, ConnectionError, TimeoutError):
            return True                  # nothing listens: the relay's refused connection says so

    def bounce(self, item: CloudItem, rcpt: str, error: str) -> None:
        """Exchange Online's NDR, into the sender's cloud mailbox (an outside sender gets none here)."""
        box = self.tenant.mailbox(item.mail_from) if item.mail_from else None
        if box is None:
            return
        report = EmailMessage(policy=WIRE)
        report["From"] = f"Microsoft Outlook <{NDR_MAILBOX}@{self.tenant.initial_domain}>"
        report["To"] = box.address
        report["Subject"] = f"Undeliverable: {item.subject}"
        report["Date"] = format_date(self.ctx.clock.now().astimezone(UTC))
        report.set_content(f"Delivery has failed to these recipients or groups:\n\n{rcpt}\n\n"
                           f"Diagnostic information for administrators:\n\nRemote server returned '{error}'\n")
        self.mailboxes[box.address.lower()].inbox.append(to_bytes(report))

    # --- the tenant's connectors (Exchange Online PowerShell) ----------------------------------
    def set_inbound_connector(self, *, tls_sender_certificate_name: str | None = None,
                              enabled: bool | None = None) -> None:
        """Set-InboundConnector: the certificate name that identifies the on-premises servers."""
        if tls_sender_certificate_name is not None:
            self.tenant.inbound.tls_sender_certificate_name = arguments.text(
                tls_sender_certificate_name, "TlsSenderCertificateName")
        if enabled is not None:
            self.tenant.inbound.enabled = arguments.flag(enabled, "Enabled")

    def set_outbound_connector(self, *, route_all_via_on_premises: bool | None = None,
                               smart_hosts: list[str] | None = None, enabled: bool | None = None) -> None:
        """Set-OutboundConnector: centralized mail transport (-RouteAllMessagesViaOnPremises),
        the on-premises smart hosts, on or off."""
        out = self.tenant.outbound
        if route_all_via_on_premises is not None:
            out.route_all_via_on_premises = arguments.flag(route_all_via_on_premises, "RouteAllMessagesViaOnPremises")
        if smart_hosts is not None:
            out.smart_hosts = tuple(arguments.text(h, "SmartHosts") for h in smart_hosts)
        if enabled is not None:
            out.enabled = arguments.flag(enabled, "Enabled")

    def connectors(self) -> Table[dict[str, object]]:
        """Get-InboundConnector and Get-OutboundConnector, one row each."""
        i, o = self.tenant.inbound, self.tenant.outbound
        return Table([
            {"Identity": i.name, "Direction": "Inbound", "ConnectorType": i.connector_type, "Enabled": i.enabled,
             "Settings": f"TlsSenderCertificateName {i.tls_sender_certificate_name}; RequireTls {i.require_tls}"},
            {"Identity": o.name, "Direction": "Outbound", "ConnectorType": o.connector_type, "Enabled": o.enabled,
             "Settings": (f"SmartHosts {', '.join(o.smart_hosts)}; TlsSettings {o.tls_settings}; TlsDomain "
                          f"{o.tls_domain}; RouteAllMessagesViaOnPremises {o.route_all_via_on_premises}")},
        ], ["Identity", "Direction", "ConnectorType", "Enabled", "Settings"])

    def queue(self) -> Table[OutgoingRow]:
        """What Exchange Online still holds and why (as its message trace would say)."""
        return Table([OutgoingRow(i.mail_from, ";".join(i.recipients), i.subject, i.attempts,
                                  i.first_attempt + RETRY_INTERVAL * i.attempts, i.last_error)
                      for i in self.outgoing], [f for f in OutgoingRow.__dataclass_fields__])


def _subject(content: bytes) -> str:
    for line in content.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"subject:"):
            return line[8:].strip().decode("utf-8", "replace")
    return ""
