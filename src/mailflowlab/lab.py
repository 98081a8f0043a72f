"""The Lab: an organization brought to life as SMTP listeners, over loopback sockets or in memory.

    with Lab(scenarios.exchange2013demo()) as lab:
        msg = lab.send("alice@exchange2013demo.com", "bob@exchange2013demo.com", subject="Hello")
        lab.mailbox("bob@exchange2013demo.com").messages[-1]

The Lab is the facade and the only place that wires services together; they talk to each
other over SMTP through the lab's `Network`, and their due work waits on one `Scheduler`.
Calls that move mail return when every message they set going has come to rest: delivered,
waiting in a queue or an Outbox, or failed with a report.

`transport="sockets"` (the default in CPython) serves every receive connector on 127.0.0.1 from
a background loop thread, so telnet, swaks and curl can connect. `transport="memory"` (the
default in a browser) has no socket and no thread: each call runs to completion in the
caller's thread. The same actions give byte-identical mail either way.
"""
from __future__ import annotations

import functools
import ipaddress
import os
import weakref
from collections.abc import Callable, Iterable
from datetime import datetime
from email.message import EmailMessage
from typing import Any

import graphviz

from . import arguments, browser, connectors, console, domains, probes, sites
from .back_pressure import ResourceRow
from .clock import EPOCH, VirtualClock
from .diagrams import topology_diagram
from .errors import LabError
from .headers import format_date
from .ids import IdSource
from .message import WIRE, to_bytes
from .probes import TestMailflowRow
from .protocol_log import ProtocolLog, ProtocolLogRow
from .queues import (
    SUSPENDED,
    MessageRow,
    Queue,
    QueuedMessage,
    QueueRow,
    RetryPolicy,
    find_message,
    find_queue,
    message_table,
    queue_table,
)
from .records import AdSiteLinkRow, AdSiteRow, ListenerRow, SentMessage, ServiceStatus
from .routing import resolve_mx
from .runtime import Inline, LoopThread, Runtime
from .safety_net import ResubmitRequest
from .scheduler import Scheduler
from .services.base import LabContext, PathLog, Service
from .services.edge import EdgeTransport
from .services.frontend import FrontEndTransport
from .services.hub2010 import HubTransport2010, notified_hub
from .services.internet import Internet
from .services.mailbox_transport import MailboxTransportDelivery, MailboxTransportSubmission
from .services.transport import Transport
from .smtp.client import SessionCache
from .smtp.network import Endpoint, MemoryNetwork, Network, Peer, SocketNetwork
from .store import Database, MailboxFolders, OutboxItem
from .topology import (
    EDGE_TRANSPORT,
    FRONT_END_TRANSPORT,
    HUB_TRANSPORT_2010,
    MAILBOX_TRANSPORT_DELIVERY,
    MAILBOX_TRANSPORT_SUBMISSION,
    TRANSPORT,
    WINDOWS_SERVICE_NAMES,
    DnsLookups,
    Mailbox,
    Organization,
    Server,
)
from .tracking import TrackingEvent, TrackingLog, tracking_search
from .views import Table

SERVICE_CLASSES: dict[str, type[Service]] = {
    FRONT_END_TRANSPORT: FrontEndTransport,
    TRANSPORT: Transport,
    MAILBOX_TRANSPORT_SUBMISSION: MailboxTransportSubmission,
    MAILBOX_TRANSPORT_DELIVERY: MailboxTransportDelivery,
    HUB_TRANSPORT_2010: HubTransport2010,
    EDGE_TRANSPORT: EdgeTransport,
}

TRANSPORTS = ("sockets", "memory")


def default_transport() -> str:
    """Memory in a browser (no sockets, no threads there); else MFL_TRANSPORT or sockets."""
    if browser.IN_BROWSER:
        return "memory"
    chosen = os.environ.get("MFL_TRANSPORT", "sockets")
    return chosen if chosen in TRANSPORTS else "sockets"


class Lab:
    """Owns the runtime, the clock, the scheduler and every service of one organization."""

    def __init__(self, org: Organization, *, seed: int = 2013, start: datetime | None = None,
                 transport: str | None = None, host: str = "127.0.0.1",
                 port_for: Callable[[Endpoint], int] | None = None,
                 hosts_for: Callable[[Endpoint], tuple[str, ...]] | None = None) -> None:
        org = arguments.organization(org)
        self.transport = transport or default_transport()
        if self.transport not in TRANSPORTS:
            raise LabError(f"transport must be 'sockets' or 'memory', not {transport!r}.")
        if self.transport == "sockets" and browser.IN_BROWSER:
            raise LabError(browser.unavailable("sockets"))
        self.org = org
        self.clock = VirtualClock((start or EPOCH).astimezone(org.tz))
        self.scheduler = Scheduler(self.clock)
        self.network: Network = (SocketNetwork(host, port_for, hosts_for) if self.transport == "sockets"
                                 else MemoryNetwork())
        self.scheduler.background = self.transport == "sockets"
        self.tracking = TrackingLog()
        self.ids = IdSource(seed)
        self.databases = {d.name: Database(d.name, d.server) for d in org.databases}
        for m in [*org.mailboxes, *org.system_mailboxes]:
            self.databases[m.database].mailboxes[m.address.lower()] = MailboxFolders(m.address)
        self.ctx = LabContext(org, self.clock, self.scheduler, self.network, SessionCache(self.network),
                              self.ids, self.tracking, ProtocolLog(self.clock.now), PathLog(),
                              self.databases, RetryPolicy(), functools.partial(resolve_mx, org))
        self.services: dict[tuple[str, str], Service] = {}
        for server in org.servers:
            for name in server.services:
                cls = SERVICE_CLASSES.get(name)
                if cls is not None:
                    self.services[(server.name, name)] = cls(self.ctx, server)
        self._hubs = {s.server.name: s for s in self.services.values() if isinstance(s, HubTransport2010)}
        for hub in self._hubs.values():
            hub.hubs = self._hubs
        self._driver = _Driver(self.scheduler)
        #: Outside senders, outside mailboxes and DNS: `lab.internet.send(...)`.
        self.internet = Internet(self.ctx, self._driver.settle)
        self._finalizer: weakref.finalize[Any, Lab] | None = None

    # --- life cycle -------------------------------------------------------------------
    def start(self) -> Lab:
        """Start the runtime and every service's listeners."""
        if self.runtime is not None:
            return self
        runtime = LoopThread(f"mailflowlab {self.org.domain}") if self.transport == "sockets" else Inline()
        parts: list[Service | Internet] = [*self.services.values(), self.internet]
        try:
            runtime.call(_start_all(parts, self.scheduler))
        except BaseException:
            _shutdown(runtime, parts, self.ctx.sessions, self.scheduler)
            raise
        self._driver.runtime = runtime
        # A lab dropped without close() still stops its listeners and thread (on collection):
        # nothing the runtime holds refers to the Lab itself.
        self._finalizer = weakref.finalize(self, _shutdown, runtime, parts, self.ctx.sessions,
                                           self.scheduler)
        return self

    def close(self) -> None:
        """Stop every listener and the runtime; nothing of the lab is left running."""
        if self._finalizer is not None:
            self._finalizer()
        self._finalizer = None
        self._driver.runtime = None

    def __enter__(self) -> Lab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def runtime(self) -> Runtime | None:
        """Where the lab's coroutines run while it is started (None when it is not)."""
        return self._driver.runtime

    def _require_running(self) -> Runtime:
        return self._driver.require()

    def _call(self, coro: Any) -> Any:
        """Run a coroutine of the lab, which must be running."""
        try:
            runtime = self._require_running()
        except LabError:
            coro.close()
            raise
        return runtime.call(self.scheduler.during_call(coro))

    # --- moving mail and time ----------------------------------------------------------
    def settle(self) -> None:
        """Wait until mail sent from outside (telnet, swaks, smtplib) has come to rest."""
        self._driver.settle()

    def advance(self, *, days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0) -> datetime:
        """Move virtual time forward, running every retry that falls due on the way."""
        delta = arguments.duration(days=days, hours=hours, minutes=minutes, seconds=seconds)
        self._call(self.scheduler.advance(delta))
        return self.clock.now()

    def now(self) -> datetime:
        return self.clock.now()

    def send(self, sender: str, recipients: str | Iterable[str], subject: str = "",
             body: str = "") -> SentMessage:
        """Send as Outlook does: save the message to the sender's Outbox; Mailbox Transport
        Submission (or a 2010 Hub's store driver) picks it up from there."""
        self._require_running()
        folders = self._folders(arguments.address(sender, "sender"))
        rcpts = list(dict.fromkeys(arguments.recipients(recipients)))   # Outlook resolves a name once
        subject, body = arguments.text(subject, "subject"), arguments.text(body, "body")
        mailbox = self.org.mailbox(sender)
        assert mailbox is not None                         # _folders found it
        return self._submit(mailbox, folders, rcpts, subject, body)

    def _submit(self, mailbox: Mailbox, folders: MailboxFolders, rcpts: list[str], subject: str,
                body: str) -> SentMessage:
        """Save the message to the Outbox and let the lab settle."""
        mbx_server = self.org.mailbox_server(mailbox)
        msg = EmailMessage(policy=WIRE)
        msg["From"] = f"{mailbox.display_name} <{folders.address}>"
        msg["To"] = ", ".join(rcpts)
        msg["Subject"] = subject
        msg.set_raw("Date", format_date(self.clock.now()))   # as written: "Tue, 4 Mar 2014"
        message_id = self.ids.message_id(mbx_server.fqdn)
        msg["Message-ID"] = message_id
        msg["MIME-Version"] = "1.0"
        msg.set_content(body or "\n")
        item = OutboxItem(msg, rcpts, to_bytes(msg), message_id, subject)
        folders.outbox.append(item)
        submitter = self._submitter(mbx_server)
        if submitter is not None:
            submitter.outbox_saved(folders, item)
        self._call(self.scheduler.run())
        return SentMessage(message_id, folders.address, tuple(rcpts), subject)

    def _submitter(self, mailbox_server: Server) -> MailboxTransportSubmission | HubTransport2010 | None:
        """Who picks up from this server's Outboxes: its Mailbox Transport Submission, or for
        a 2010 mailbox server the store driver of the 2010 Hub its Mail Submission notifies."""
        for svc in self.services.values():
            if isinstance(svc, MailboxTransportSubmission) and svc.server.name == mailbox_server.name:
                return svc
        return notified_hub(self._hubs, self.org, mailbox_server)

    # --- services -----------------------------------------------------------------------
    def service(self, server: str, service: str) -> Service:
        """Find a service by server and name ('Transport' or 'MSExchangeTransport')."""
        srv = self._server(server)
        service = arguments.name(service, "service")
        name = WINDOWS_SERVICE_NAMES.get(service, service)
        for (s, n), svc in self.services.items():
            if s == srv.name and n.lower() == name.lower():
                return svc
        runs = ", ".join(srv.services) or "no transport service"
        raise LabError(f"{srv.name} does not run a service named '{service}'. It runs: {runs}.")

    def stop_service(self, server: str, service: str) -> None:
        """Stop-Service: its listeners close, so a real client connecting now is refused.

        Like the real service it stops gracefully: a message being handed over finishes
        first, so a message is never cut off between "delivered" and its 250."""
        svc = self.service(server, service)
        self._call(_stop_one(svc, self.scheduler))

    def start_service(self, server: str, service: str) -> None:
        """Start-Service: listeners open again (same ports when free) and waiting work runs."""
        svc = self.service(server, service)
        self._call(_start_one(svc, self.scheduler))

    def services_table(self) -> Table[ServiceStatus]:
        """Every transport service with its status, like Get-Service on each server."""
        return Table([ServiceStatus(s, n, "Running" if svc.running else "Stopped")
                      for (s, n), svc in self.services.items()], ["Server", "Service", "Status"])

    def endpoint(self, server: str, connector: str) -> tuple[str, int]:
        """("127.0.0.1", port) of a receive connector, for telnet, swaks or smtplib."""
        c = connectors.find_receive_connector(self.org, self._server(server).name,
                                              arguments.name(connector, "receive connector"))
        srv = self.org.server(c.server)
        address = self.network.address(Endpoint(srv.ip, c.port))
        if address is None:
            if browser.IN_BROWSER:
                raise LabError(browser.unavailable("endpoint"))
            if self.network.kind == "memory":
                raise LabError("This lab runs in memory: it has no port for telnet, swaks or smtplib. "
                               "Use smtp_session() here, or Lab(..., transport='sockets').")
            raise LabError(f"{c.name} has not been started yet.")
        return address

    def endpoints(self) -> Table[ListenerRow]:
        """Every listener: Exchange's name and port beside the lab's real address."""
        rows = []
        for svc in self.services.values():
            for b in svc.bindings:
                address = self.network.address(b.endpoint)
                lab = f"{address[0]}:{address[1]}" if address else (
                    "(in memory)" if self.network.kind == "memory" else "")
                for c in b.connectors:
                    rows.append(ListenerRow(svc.server.name, svc.name, c.name, f"{svc.server.ip}:{b.port}",
                                            lab, "Listening" if b.listening else "Stopped"))
        return Table(rows, ["Server", "Service", "Connector", "ExchangeAddress", "LabAddress", "Status"])

    def smtp_session(self, server: str, connector: str, commands: list[str] | str, *,
                     as_ip: str | None = None, as_name: str = "unknown") -> console.Transcript:
        """A telnet-like session at a receive connector (see `console`): the transcript, after
        the lab has settled. `as_ip` makes it come from a simulated address (a printer)."""
        c = connectors.find_receive_connector(self.org, self._server(server).name, connector)
        srv = self.org.server(c.server)
        lines = commands.splitlines() if isinstance(commands, str) else [str(x) for x in commands]
        caller = None
        if as_ip is not None:
            try:
                ipaddress.ip_address(as_ip)
            except ValueError:
                raise LabError(f"'{as_ip}' is not an IP address.") from None
            caller = Peer(as_name, as_ip)
        transcript: console.Transcript = self._call(
            console.run_session(self.network, Endpoint(srv.ip, c.port), srv.fqdn, lines, caller))
        self.settle()
        return transcript

    # --- connectors (connectors.py) -------------------------------------------------------
    def receive_connectors(self, server: str | None = None) -> Table[connectors.ReceiveConnectorRow]:
        """Get-ReceiveConnector: name, service, port, permission groups, remote IP ranges."""
        return connectors.receive_connector_table(self.org, self._server(server).name if server else None)

    def set_receive_connector(self, server: str, name: str, **changes: Any) -> None:
        """Set-ReceiveConnector (permission_groups=, remote_ip_ranges=, enabled=,
        max_message_size=, auth_mechanism=, protocol_logging="Verbose"|"None",
        auth_tarpit_interval= and tarpit_interval= seconds or a timedelta): the next SMTP
        session meets the new settings."""
        connectors.set_receive_connector(self.org, self._server(server).name, name, **changes)

    def new_receive_connector(self, server: str, name: str, **settings: Any) -> None:
        """New-ReceiveConnector (remote_ip_ranges=, port=25, permission_groups=,
        anonymous_relay=): e.g. a relay connector for a device's IP; it listens at once."""
        c = connectors.new_receive_connector(self.org, self._server(server).name, name, **settings)
        svc = self.service(c.server, c.service)
        svc.sync_bindings()
        if svc.running and self.runtime is not None:
            self._call(svc.start())

    def send_connectors(self) -> Table[connectors.SendConnectorRow]:
        """Get-SendConnector."""
        return connectors.send_connector_table(self.org)

    def new_send_connector(self, name: str, **settings: Any) -> None:
        """New-SendConnector (address_spaces=["*"], source_servers=, frontend_proxy=False): a
        routing change, so every Unreachable queue is resubmitted and its mail moves on."""
        connectors.new_send_connector(self.org, name, **settings)
        self._routing_changed()

    def set_send_connector(self, name: str, *, frontend_proxy: bool) -> None:
        """Set-SendConnector -FrontendProxyEnabled: "Proxy through Client Access server"."""
        connectors.find_send_connector(self.org, name).frontend_proxy = bool(frontend_proxy)
        self._routing_changed()

    def set_transport_config(self, *, max_send_size: int | None = None,
                             max_receive_size: int | None = None) -> None:
        """Set-TransportConfig -MaxSendSize/-MaxReceiveSize (bytes): the organization's size
        limits, 10 MB each by default. The categorizer NDRs a larger message, whatever the
        receive connector allowed."""
        for name, value in (("MaxSendSize", max_send_size), ("MaxReceiveSize", max_receive_size)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
                raise LabError(f"{name} must be a positive number of bytes, not {value!r}.")
        if max_send_size is not None:
            self.org.max_send_size = max_send_size
        if max_receive_size is not None:
            self.org.max_receive_size = max_receive_size

    # --- DNS lookups (EAC: Servers > server > DNS lookups) -------------------------------------
    def set_transport_service(self, server: str, *, internal_dns_adapter_enabled: bool | None = None,
                              internal_dns_servers: str | Iterable[str] | None = None) -> None:
        """Set-TransportService -InternalDNSAdapterEnabled / -InternalDNSServers: the DNS
        servers the Transport service and Mailbox Transport Submission on `server` ask for the
        organization's servers. The adapter's (the domain controller's) by default; a list of
        their own only with the adapter off, as the EAC's custom DNS settings do:
        `lab.set_transport_service("MB2", internal_dns_adapter_enabled=False,
        internal_dns_servers=["8.8.8.8"])`."""
        srv = self._server(server)
        if TRANSPORT not in srv.services and EDGE_TRANSPORT not in srv.services:
            raise LabError(f"{srv.name} doesn't run the Transport service: Set-TransportService is for "
                           f"Mailbox and Edge Transport servers. It runs: {', '.join(srv.services) or 'nothing'}.")
        _set_dns(srv.transport_dns, internal_dns_adapter_enabled, internal_dns_servers)

    def set_frontend_transport_service(self, server: str, *, internal_dns_adapter_enabled: bool | None = None,
                                       internal_dns_servers: str | Iterable[str] | None = None) -> None:
        """Set-FrontendTransportService -InternalDNSAdapterEnabled / -InternalDNSServers: the
        DNS servers Front End Transport on `server` asks for the Mailbox servers it proxies to."""
        srv = self._server(server)
        if FRONT_END_TRANSPORT not in srv.services:
            raise LabError(f"{srv.name} doesn't run the Front End Transport service: "
                           "Set-FrontendTransportService is for Client Access servers. "
                           f"It runs: {', '.join(srv.services) or 'nothing'}.")
        _set_dns(srv.frontend_dns, internal_dns_adapter_enabled, internal_dns_servers)

    def set_recipient_filter_config(self, server: str, *, enabled: bool) -> None:
        """Set-RecipientFilterConfig -Enabled on one server: its Recipient Filter agent blocks
        addresses of accepted domains that no recipient has, with `550 5.1.1 User unknown`.

        On an Edge Transport server the agent is on by default. On a 2013 Mailbox server it is
        not installed: `enabled=True` there stands for Install-AntiSpamAgents.ps1, a restart of
        MSExchangeTransport and Set-RecipientFilterConfig -RecipientValidationEnabled $true.
        Microsoft says not to: one blocked recipient then refuses the whole message."""
        srv = self._server(server)
        enabled = arguments.flag(enabled, "Enabled")
        if srv.has_role("Edge"):
            name = EDGE_TRANSPORT
        elif srv.has_role("Mailbox") and srv.version >= 2013:
            name = TRANSPORT
        else:
            raise LabError(f"{srv.name} runs no anti-spam agents: the Recipient Filter runs in the Transport "
                           "service on a 2013 Mailbox server, or on an Edge Transport server.")
        svc = self.service(srv.name, name)
        assert isinstance(svc, Transport)
        svc.recipient_filter = enabled

    # --- accepted domains (domains.py) -------------------------------------------------------
    def accepted_domains(self) -> Table[domains.AcceptedDomainRow]:
        """Get-AcceptedDomain: Name, DomainName, DomainType, Default."""
        return domains.accepted_domain_table(self.org)

    def new_accepted_domain(self, name: str, domain_name: str, domain_type: str = "Authoritative") -> None:
        """New-AcceptedDomain -Name -DomainName -DomainType (Authoritative, InternalRelay or
        ExternalRelay): SMTP Receive takes mail for it at once, without relay permission."""
        domains.new_accepted_domain(self.org, name, domain_name, domain_type)
        self._routing_changed()

    def set_accepted_domain(self, identity: str, domain_type: str) -> None:
        """Set-AcceptedDomain -DomainType: how the categorizer treats a recipient with no mailbox."""
        found = domains.find(self.org, identity)
        found.domain_type = domains.domain_type(domain_type)
        self._routing_changed()

    # --- AD sites (sites.py) ---------------------------------------------------------------
    def ad_sites(self) -> Table[AdSiteRow]:
        """Get-AdSite: each AD site, whether it is a hub site, and its Exchange servers."""
        return Table([AdSiteRow(s.name, s.hub_site, ", ".join(x.name for x in self.org.site_servers(s.name)))
                      for s in self.org.sites], ["Name", "HubSiteEnabled", "Servers"])

    def ad_site_links(self) -> Table[AdSiteLinkRow]:
        """Get-AdSiteLink: each IP site link, the sites it joins and its cost."""
        return Table([AdSiteLinkRow(link.name, ", ".join(link.sites), link.cost) for link in self.org.site_links],
                     ["Name", "Sites", "Cost"])

    def set_hub_site(self, site: str, enabled: bool) -> None:
        """Set-AdSite -HubSiteEnabled: mail whose least-cost path crosses a hub site is
        relayed through it instead of going straight to the destination site."""
        found = next((s for s in self.org.sites if s.name.lower() == str(site).lower()), None)
        if found is None:
            names = ", ".join(s.name for s in self.org.sites)
            raise LabError(f"The Active Directory site '{site}' couldn't be found. Sites: {names}.")
        found.hub_site = bool(enabled)
        self._routing_changed()

    def set_site_link_cost(self, link: str, cost: int) -> None:
        """Set-AdSiteLink -ExchangeCost: the cost Exchange adds up for least-cost routing."""
        found = next((x for x in self.org.site_links if x.name.lower() == str(link).lower()), None)
        if found is None:
            names = ", ".join(x.name for x in self.org.site_links) or "none"
            raise LabError(f"The IP site link '{link}' couldn't be found. Site links: {names}.")
        if isinstance(cost, bool) or not isinstance(cost, int) or not sites.MIN_COST <= cost <= sites.MAX_COST:
            raise LabError(f"ExchangeCost must be a whole number from {sites.MIN_COST} to "
                           f"{sites.MAX_COST:,}, not {cost!r}.")
        found.cost = cost
        self._routing_changed()

    def _routing_changed(self) -> None:
        """Routes are worked out again: idle queues forget their next hop; Unreachable is
        resubmitted."""
        for t in self._transport_services():
            t.routing_changed()
        self._call(self.scheduler.run())

    # --- looking at mail ------------------------------------------------------------------
    def mailbox(self, address: str) -> MailboxFolders:
        """The Inbox (`.messages`), Outbox and Sent Items of a mailbox in the organization."""
        return self._folders(address)

    def mailboxes(self) -> list[str]:
        return [m.address for m in self.org.mailboxes]

    def _transport_services(self) -> list[Transport]:
        return [s for s in self.services.values() if isinstance(s, Transport)]

    def _queues(self, include_empty: bool) -> list[Queue]:
        found = []
        for t in self._transport_services():
            for q in t.all_queues():
                persistent = q.name == "Submission"
                if include_empty or q.messages or persistent:
                    found.append(q)
        return found

    def queues(self, include_empty: bool = False) -> Table[QueueRow]:
        """Get-Queue on every server: Submission always; other queues while they hold mail."""
        return queue_table(self._queues(include_empty))

    def queue_messages(self, queue: str | None = None) -> Table[MessageRow]:
        """Get-Message: the messages in every queue, or in the queue with this identity."""
        qs = [q for q in self._queues(False) if queue is None or q.identity.lower() == str(queue).lower()]
        return message_table(qs)

    def retry_queue(self, identity: str, resubmit: bool = False) -> None:
        """Retry-Queue: connect now instead of waiting for NextRetryTime (queues in Retry only).
        `resubmit=True` (-Resubmit $true) sends the messages back to the categorizer instead,
        which routes them again: the way to retry the Unreachable queue."""
        owner, queue = self._queue(identity)
        resubmit = arguments.flag(resubmit, "Resubmit")
        if resubmit:
            if queue.delivery_type in ("Undefined", "ShadowRedundancy"):
                raise LabError(f"The queue '{queue.identity}' can't be resubmitted: Retry-Queue -Resubmit "
                               "works on delivery queues and the Unreachable queue.")
            owner.resubmit(queue)
        elif queue.status != "Retry":
            raise LabError(f"The queue '{queue.identity}' is {queue.status}; "
                           "Retry-Queue works only on queues in Retry.")
        else:
            owner.retry_now(queue)
        self._call(self.scheduler.run())

    def suspend_queue(self, identity: str) -> None:
        """Suspend-Queue: no more messages leave the queue until Resume-Queue."""
        owner, queue = self._queue(identity)
        if queue.status == SUSPENDED:
            raise LabError(f"The queue '{queue.identity}' is already suspended.")
        owner.suspend_queue(queue)

    def resume_queue(self, identity: str) -> None:
        """Resume-Queue: a suspended queue goes on; what it holds leaves at its next turn."""
        owner, queue = self._queue(identity)
        if queue.status != SUSPENDED:
            raise LabError(f"The queue '{queue.identity}' is {queue.status}; "
                           "Resume-Queue works only on a suspended queue.")
        owner.resume_queue(queue)
        self._call(self.scheduler.run())

    def suspend_message(self, identity: str) -> None:
        """Suspend-Message (identity as Get-Message shows it): the message stays where it is."""
        owner, queue, msg = self._message(identity)
        if msg.status == SUSPENDED:
            raise LabError(f"The message '{identity}' is already suspended.")
        owner.suspend_message(msg)

    def resume_message(self, identity: str) -> None:
        """Resume-Message: a suspended message may leave its queue again."""
        owner, queue, msg = self._message(identity)
        if msg.status != SUSPENDED:
            raise LabError(f"The message '{identity}' is {msg.status}; "
                           "Resume-Message works only on a suspended message.")
        owner.resume_message(queue, msg)
        self._call(self.scheduler.run())

    def remove_message(self, identity: str, with_ndr: bool = True) -> None:
        """Remove-Message: the message leaves its queue for good, with an NDR to its sender
        unless `with_ndr=False` (-WithNDR $false)."""
        owner, queue, msg = self._message(identity)
        owner.remove_message(queue, msg, arguments.flag(with_ndr, "WithNDR"))
        self._call(self.scheduler.run())

    def add_resubmit_request(self, start: datetime, end: datetime, *, destination: str | None = None,
                             recipient: str | None = None, sender: str | None = None) -> int:
        """Add-ResubmitRequest: replay from Safety Net the messages delivered between `start`
        and `end` (both in the past) to database `destination` (the lab names a database where
        Exchange takes its GUID), or to `recipient` / from `sender`. Returns how many were
        resubmitted; each goes through the categorizer again and is delivered again."""
        tz = self.org.tz
        start, end = arguments.moment(start, "StartTime", tz), arguments.moment(end, "EndTime", tz)
        if not start < end <= self.clock.now():
            raise LabError("-StartTime must be earlier than -EndTime, and both must be in the past.")
        if destination is not None and (recipient is not None or sender is not None):
            raise LabError("-Destination can't be used with -Recipient or -Sender.")
        if destination is not None:
            destination = arguments.name(destination, "mailbox database")
            if destination.lower() not in (d.lower() for d in self.databases):
                raise LabError(f"The mailbox database '{destination}' couldn't be found. "
                               f"Databases: {', '.join(self.databases)}.")
        request = ResubmitRequest(start, end, destination,
                                  None if recipient is None else arguments.address(recipient),
                                  None if sender is None else arguments.address(sender, "sender"))
        replayed = sum(t.resubmit_from_safety_net(request) for t in self._transport_services())
        self._call(self.scheduler.run())
        return replayed

    def _queue(self, identity: object) -> tuple[Transport, Queue]:
        """The queue with this Get-Queue identity, and the Transport service that keeps it."""
        self._require_running()
        queue = find_queue(self._queues(True), identity)
        return self._queue_owner(queue), queue

    def _message(self, identity: object) -> tuple[Transport, Queue, QueuedMessage]:
        self._require_running()
        queue, msg = find_message(self._queues(True), identity)
        return self._queue_owner(queue), queue, msg

    def _queue_owner(self, queue: Queue) -> Transport:
        return next(t for t in self._transport_services() if queue in t.all_queues())

    def back_pressure(self, server: str | None = None) -> Table[ResourceRow]:
        """The pressure on each resource Transport watches, on every Mailbox server or one
        (what Get-ExchangeDiagnosticInfo -Process EdgeTransport -Component ResourceThrottling
        reports)."""
        wanted = self._server(server).name if server is not None else None
        return Table([row for t in self._transport_services() if wanted in (None, t.server.name)
                      for row in t.resources.rows()], list(ResourceRow.__dataclass_fields__))

    def set_resource_pressure(self, server: str, resource: str, pressure: str) -> None:
        """Put a resource of a server's Transport service under pressure ("Medium", "High") or
        relieve it ("Normal"): the lab's stand-in for a queue disk filling up or memory running
        short. The next MAIL FROM meets the new pressure."""
        transport = self.service(server, TRANSPORT)
        assert isinstance(transport, Transport)          # the service named Transport
        transport.resources.set(resource, pressure)

    def test_mailflow(self, identity: str, *, target_mailbox_server: str | None = None,
                      target_email_address: str | None = None) -> Table[TestMailflowRow]:
        """Test-Mailflow: the system mailbox of Mailbox server `identity` sends a probe to its own
        system mailbox, another server's (`target_mailbox_server`) or any address
        (`target_email_address`). Success and MessageLatencyTime once the probe is delivered;
        *FAILURE* if it is not within ExecutionTimeout (240 s of virtual time)."""
        source = self._mailbox_server(identity)
        if target_mailbox_server is not None and target_email_address is not None:
            raise LabError("Give -TargetMailboxServer or -TargetEmailAddress, not both.")
        if target_email_address is not None:
            target = arguments.address(target_email_address)
        else:
            target = self._system_mailbox(self._mailbox_server(target_mailbox_server or source.name)).address
        mailbox = self._system_mailbox(source)
        sent = self.clock.now()
        probe = self._submit(mailbox, self._folders(mailbox.address), [target],
                             probes.SUBJECT.format(guid=self.ids.guid()), probes.BODY)
        if probes.result(self.tracking, probe.message_id, target, sent, sent).TestMailflowResult != probes.SUCCESS:
            self._call(self.scheduler.advance(sent + probes.EXECUTION_TIMEOUT - self.clock.now()))
        row = probes.result(self.tracking, probe.message_id, target, sent, self.clock.now())
        return Table([row], list(TestMailflowRow.__dataclass_fields__))

    def _mailbox_server(self, name: str) -> Server:
        server = self._server(name)
        if not server.has_role("Mailbox") or server.version < 2013:
            raise LabError(f"{server.name} isn't an Exchange 2013 Mailbox server; Test-Mailflow runs on one.")
        return server

    def _system_mailbox(self, server: Server) -> Mailbox:
        """The system mailbox of the server's first database (by name)."""
        names = sorted(d.name for d in self.org.databases if d.server == server.name)
        if not names:
            raise LabError(f"{server.name} hosts no mailbox database, so it has no system mailbox.")
        return next(m for m in self.org.system_mailboxes if m.database == names[0])

    def tracking_log(self, message: SentMessage | str | None = None, *, sender: str | None = None,
                     recipients: str | Iterable[str] | None = None, event_id: str | None = None,
                     start: datetime | None = None, end: datetime | None = None,
                     message_subject: str | None = None) -> Table[TrackingEvent]:
        """Get-MessageTrackingLog, for every message or one (by SentMessage or Message-ID),
        with the cmdlet's filters: -Sender, -Recipients (any of them), -EventId, -Start
        (inclusive), -End (exclusive) and -MessageSubject (part of the subject)."""
        mid = message.message_id if isinstance(message, SentMessage) else message
        return self.tracking.table(mid, tracking_search(self.org.tz, sender, recipients, event_id, start, end,
                                                        message_subject))

    def protocol_log(self, server: str | None = None, connector: str | None = None) -> Table[ProtocolLogRow]:
        """The SMTP Receive protocol log of every connector set to Verbose, or of one
        (`lab.protocol_log("CA1", "Default Frontend CA1")`): one row per line heard or said."""
        return self.ctx.protocol_log.table(self._connector_id(server, connector))

    def protocol_log_file(self, server: str | None = None, connector: str | None = None) -> str:
        """The same log as the RECV*.log file Exchange writes: # header lines, then CSV rows."""
        return self.ctx.protocol_log.text(self._connector_id(server, connector))

    def _connector_id(self, server: str | None, connector: str | None) -> str | None:
        """`SERVER\\Connector name` as the logs write it, or None for every connector."""
        if connector is None:
            return None
        if server is None:
            raise LabError("Name the connector's server too: lab.protocol_log('CA1', 'Default Frontend CA1').")
        c = connectors.find_receive_connector(self.org, self._server(server).name, connector)
        return f"{c.server}\\{c.name}"

    def path(self, message: SentMessage | str) -> list[tuple[str, str]]:
        """The (server, service) steps that handled a message, in order."""
        mid = message.message_id if isinstance(message, SentMessage) else message
        return list(self.ctx.paths.steps.get(mid, []))

    def diagram(self, message: SentMessage | str | None = None) -> graphviz.Digraph:
        """The organization (stopped services greyed), with this message's path drawn on it."""
        if message is None:
            return topology_diagram(self.org, self.services_table())
        return topology_diagram(self.org, self.services_table(), self.path(message),
                                events=list(self.tracking_log(message)))

    # --- helpers ----------------------------------------------------------------------
    def _server(self, name: str) -> Server:
        name = arguments.name(name, "server")
        try:
            return self.org.server(name)
        except KeyError as exc:
            raise LabError(exc.args[0]) from None

    def _folders(self, address: str) -> MailboxFolders:
        mbx = self.org.mailbox(arguments.address(address, "mailbox"))
        if mbx is None:
            known = ", ".join(self.mailboxes())
            raise LabError(f"There is no mailbox '{address}' in {self.org.domain}. Mailboxes: {known}.")
        return self.databases[mbx.database].folders(mbx.address)


class _Driver:
    """The running lab's runtime and scheduler, for whatever must settle the lab
    (`lab.internet.send`) without holding the Lab itself."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self.runtime: Runtime | None = None

    def require(self) -> Runtime:
        if self.runtime is None:
            raise LabError("The lab is not running: use `with Lab(...) as lab:` or call lab.start().")
        return self.runtime

    def settle(self) -> None:
        self.require().call(self.scheduler.during_call(self.scheduler.run()))


def _set_dns(lookups: DnsLookups, adapter_enabled: object, servers: object) -> None:
    """Change internal DNS lookups after checking both values, so a mistake changes nothing."""
    enabled = None if adapter_enabled is None else arguments.flag(adapter_enabled, "InternalDNSAdapterEnabled")
    listed = None if servers is None else arguments.ip_addresses(servers, "InternalDNSServers")
    if enabled is not None:
        lookups.adapter_enabled = enabled
    if listed is not None:
        lookups.servers = listed


# --- coroutines the Lab runs; module functions, so no runtime object holds the Lab itself ---------
async def _start_all(parts: list[Service | Internet], scheduler: Scheduler) -> None:
    for part in parts:
        await part.start()
    await scheduler.run()


async def _start_one(svc: Service, scheduler: Scheduler) -> None:
    await svc.start()
    await scheduler.run()


async def _stop_one(svc: Service, scheduler: Scheduler) -> None:
    async with scheduler.turn:                  # the piece of work under way finishes first
        await svc.stop()


async def _stop_all(parts: list[Service | Internet], sessions: SessionCache, scheduler: Scheduler) -> None:
    async with scheduler.turn:                  # the piece of work under way finishes first
        for part in parts:
            part.running = False
        await sessions.close_all()
        for part in parts:
            await part.stop()


def _shutdown(runtime: Runtime, parts: list[Service | Internet], sessions: SessionCache,
              scheduler: Scheduler) -> None:
    """Close every listener and session, then the runtime (also when a lab is collected)."""
    try:
        runtime.call(_stop_all(parts, sessions, scheduler))
    finally:
        runtime.close()
