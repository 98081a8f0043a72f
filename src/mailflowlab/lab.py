"""The Lab: an organization brought to life as real SMTP listeners on 127.0.0.1.

    with Lab(scenarios.exchange2013demo()) as lab:
        msg = lab.send("alice@exchange2013demo.com", "bob@exchange2013demo.com", subject="Hello")
        lab.mailbox("bob@exchange2013demo.com").messages[-1]

The Lab is the only place that wires services together; they talk to each other over SMTP.
Calls that move mail return when every message they set going has come to rest: delivered,
waiting in a queue or an Outbox, or failed with a report.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, Iterable

import graphviz
import pandas as pd

from . import connectors, sites
from .diagrams import topology_diagram
from .clock import EPOCH, VirtualClock
from .headers import format_date
from .message import WIRE, to_bytes
from .ids import IdSource
from .protocol_log import ProtocolLog
from .queues import Queue, RetryPolicy, message_frame, queue_frame
from .services.base import LabContext, PathLog, Service
from .services.frontend import FrontEndTransport
from .services.edge import EdgeTransport
from .services.hub2010 import HubTransport2010
from .services.internet import Internet
from .services.mailbox_transport import MailboxTransportDelivery, MailboxTransportSubmission
from .services.transport import Transport
from .smtp.client import close_idle_sessions
from .smtp.network import Endpoint, SimulatedNetwork
from .store import Database, MailboxFolders, OutboxItem
from .topology import (EDGE_TRANSPORT, FRONT_END_TRANSPORT, HUB_TRANSPORT_2010,
                       MAILBOX_TRANSPORT_DELIVERY, MAILBOX_TRANSPORT_SUBMISSION, TRANSPORT,
                       WINDOWS_SERVICE_NAMES, Organization)
from .tracking import TrackingLog
from .runtime import Runtime

SERVICE_CLASSES: dict[str, type[Service]] = {
    FRONT_END_TRANSPORT: FrontEndTransport,
    TRANSPORT: Transport,
    MAILBOX_TRANSPORT_SUBMISSION: MailboxTransportSubmission,
    MAILBOX_TRANSPORT_DELIVERY: MailboxTransportDelivery,
    HUB_TRANSPORT_2010: HubTransport2010,
    EDGE_TRANSPORT: EdgeTransport,
}

#: Safety net for `advance`: more retry rounds than this in one call means a bug, not mail.
MAX_ROUNDS = 100_000


from .errors import LabError  # noqa: E402  (moved to errors.py; re-exported here)


@dataclass(frozen=True)
class SentMessage:
    """What `Lab.send` returns: enough to find the message again."""
    message_id: str
    sender: str
    recipients: tuple[str, ...]
    subject: str


class Lab:
    """Owns the runtime, the clock and every service of one organization."""

    def __init__(self, org: Organization, *, seed: int = 2013, start: datetime | None = None) -> None:
        self.org = org
        self.clock = VirtualClock((start or EPOCH).astimezone(org.tz))
        self.network = SimulatedNetwork()
        self.tracking = TrackingLog()
        self.ids = IdSource(seed)
        self.databases = {d.name: Database(d.name, d.server) for d in org.databases}
        for m in org.mailboxes:
            self.databases[m.database].mailboxes[m.address.lower()] = MailboxFolders(m.address)
        self.runtime = Runtime(f"mailflowlab {org.domain}")
        self._lock: asyncio.Lock | None = None
        self.ctx = LabContext(org, self.clock, self.network, self.ids, self.tracking,
                              ProtocolLog(self.clock.now), PathLog(),
                              self.databases, RetryPolicy(), self._kick, self._resolve_mx)
        self.services: dict[tuple[str, str], Service] = {}
        for server in org.servers:
            for name in server.services:
                cls = SERVICE_CLASSES.get(name)
                if cls is not None:
                    self.services[(server.name, name)] = cls(self.ctx, server)
        #: Outside senders, outside mailboxes and DNS: `lab.internet.send(...)`.
        self.internet = Internet(self.ctx, self.settle)
        self._started = False

    # --- life cycle -------------------------------------------------------------------
    def start(self) -> "Lab":
        """Start the loop thread and every service's listeners."""
        if self._started:
            return self
        self.runtime.start()
        self._started = True

        async def _start() -> None:
            self._lock = asyncio.Lock()
            for svc in self.services.values():
                await svc.start()
            await self.internet.start()
        self.runtime.call(_start())
        return self

    def close(self) -> None:
        """Stop every listener and the loop thread; nothing of the lab is left running."""
        if not self._started:
            return

        async def _stop() -> None:
            await close_idle_sessions(self.network)
            for svc in self.services.values():
                await svc.stop()
            await self.internet.stop()
        try:
            self.runtime.call(_stop())
        finally:
            self.runtime.stop()
            self._started = False

    def __enter__(self) -> "Lab":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- moving mail ------------------------------------------------------------------
    def _kick(self) -> None:
        """A message arrived from outside: let it move on without waiting for a lab call."""
        asyncio.get_running_loop().create_task(self._settle())

    async def _settle(self) -> None:
        """Run due work, one piece at a time in a fixed order, until nothing is due."""
        assert self._lock is not None
        async with self._lock:
            while True:
                for svc in self._workers():
                    if await svc.run_due():
                        break
                else:
                    return

    async def _advance(self, delta: timedelta) -> None:
        target = self.clock.now() + delta
        await self._settle()
        for _ in range(MAX_ROUNDS):
            due = [t for svc in self._workers() if svc.running and (t := svc.next_due()) is not None]
            if not due or min(due) > target:
                break
            self.clock.advance_to(min(due))
            await self._settle()
        else:
            raise RuntimeError("the lab kept finding due work: a retry loop that never ends")
        self.clock.advance_to(target)
        await self._settle()

    def _workers(self) -> list[Service | Internet]:
        """Everything that does work on its own: the services, then the Internet's senders."""
        return [*self.services.values(), self.internet]

    def _resolve_mx(self, domain: str) -> Endpoint | None:
        """DNS: the lab's Internet knows where every domain's MX points."""
        return self.internet.resolve_mx(domain)

    def settle(self) -> None:
        """Wait until mail sent from outside (telnet, swaks, smtplib) has come to rest."""
        self._require_started()
        self.runtime.call(self._settle())

    def advance(self, *, days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0) -> datetime:
        """Move virtual time forward, running every retry that falls due on the way."""
        self._require_started()
        delta = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
        if delta < timedelta(0):
            raise LabError("Virtual time only moves forward: give a positive duration.")
        self.runtime.call(self._advance(delta))
        return self.clock.now()

    def now(self) -> datetime:
        return self.clock.now()

    def send(self, sender: str, recipients: str | Iterable[str], subject: str = "",
             body: str = "") -> SentMessage:
        """Send as Outlook does: save the message to the sender's Outbox; Mailbox Transport
        Submission (or a 2010 Hub's store driver) picks it up from there."""
        self._require_started()
        folders = self._folders(sender)
        rcpts = [recipients] if isinstance(recipients, str) else list(recipients)
        if not rcpts:
            raise LabError("Add at least one recipient.")
        for r in rcpts:
            if "@" not in r or r.startswith("@") or r.endswith("@"):
                raise LabError(f"'{r}' is not an e-mail address (expected name@domain).")
        mbx_server = self.org.mailbox_server(self.org.mailbox(sender))  # type: ignore[arg-type]
        msg = EmailMessage(policy=WIRE)
        msg["From"] = f"{self.org.mailbox(sender).display_name} <{folders.address}>"  # type: ignore[union-attr]
        msg["To"] = ", ".join(rcpts)
        msg["Subject"] = subject
        msg.set_raw("Date", format_date(self.clock.now()))   # as written: "Tue, 4 Mar 2014"
        message_id = self.ids.message_id(mbx_server.fqdn)
        msg["Message-ID"] = message_id
        msg["MIME-Version"] = "1.0"
        msg.set_content(body or "\n")
        folders.outbox.append(OutboxItem(msg, rcpts, to_bytes(msg), message_id, subject))
        self.runtime.call(self._settle())
        return SentMessage(message_id, folders.address, tuple(rcpts), subject)

    # --- services -----------------------------------------------------------------------
    def service(self, server: str, service: str) -> Service:
        """Find a service by server and name ('Transport' or 'MSExchangeTransport')."""
        srv = self._server(server)
        name = WINDOWS_SERVICE_NAMES.get(service, service)
        for (s, n), svc in self.services.items():
            if s == srv.name and n.lower() == name.lower():
                return svc
        runs = ", ".join(srv.services) or "no transport service"
        raise LabError(f"{srv.name} does not run a service named '{service}'. It runs: {runs}.")

    def stop_service(self, server: str, service: str) -> None:
        """Stop-Service: its listeners close, so a real client connecting now is refused.

        Like the real service it stops gracefully: a hand-over already under way finishes
        first, so a message is never cut off between "delivered" and its 250."""
        svc = self.service(server, service)

        async def _stop() -> None:
            assert self._lock is not None
            async with self._lock:
                await svc.stop()
        self.runtime.call(_stop())

    def start_service(self, server: str, service: str) -> None:
        """Start-Service: listeners open again (same ports when free) and due work runs."""
        svc = self.service(server, service)

        async def _start() -> None:
            await svc.start()
            await self._settle()
        self.runtime.call(_start())

    def services_table(self) -> pd.DataFrame:
        """Every transport service with its status, like Get-Service on each server."""
        rows = [{"Server": s, "Service": n, "Status": "Running" if svc.running else "Stopped"}
                for (s, n), svc in self.services.items()]
        return pd.DataFrame(rows, columns=["Server", "Service", "Status"])

    def endpoint(self, server: str, connector: str) -> tuple[str, int]:
        """("127.0.0.1", port) of a receive connector, for telnet, swaks or smtplib."""
        srv = self._server(server)
        for svc in self.services.values():
            if svc.server.name != srv.name:
                continue
            for b in svc.bindings:
                if any(c.name.lower() == connector.lower() for c in b.connectors):
                    if b.real_port is None:
                        raise LabError(f"{connector} has not been started yet.")
                    return ("127.0.0.1", b.real_port)
        names = ", ".join(c.name for c in self.org.connectors_of(srv.name)) or "none"
        raise LabError(f"{srv.name} has no receive connector named '{connector}'. Its connectors: {names}.")

    def endpoints(self) -> pd.DataFrame:
        """Every listener: Exchange's name and port beside the real loopback address."""
        rows = []
        for svc in self.services.values():
            for b in svc.bindings:
                for c in b.connectors:
                    rows.append({"Server": svc.server.name, "Service": svc.name, "Connector": c.name,
                                 "Exchange address": f"{svc.server.ip}:{b.port}",
                                 "Lab address": f"127.0.0.1:{b.real_port}" if b.real_port else "",
                                 "Status": "Listening" if b.listening else "Stopped"})
        return pd.DataFrame(rows, columns=["Server", "Service", "Connector", "Exchange address",
                                           "Lab address", "Status"])

    # --- connectors (connectors.py) -------------------------------------------------------
    def receive_connectors(self, server: str | None = None) -> pd.DataFrame:
        """Get-ReceiveConnector: name, service, port, permission groups, remote IP ranges."""
        if server:
            self._server(server)
        return connectors.receive_connector_frame(self, server)

    def set_receive_connector(self, server: str, name: str, **changes: Any) -> None:
        """Set-ReceiveConnector (permission_groups=, remote_ip_ranges=, enabled=,
        max_message_size=, auth_mechanism=, protocol_logging="Verbose"|"None"): the next SMTP
        session meets the new settings."""
        self._server(server)
        connectors.set_receive_connector(self, server, name, **changes)

    def new_receive_connector(self, server: str, name: str, **settings: Any) -> None:
        """New-ReceiveConnector (remote_ip_ranges=, port=25, permission_groups=,
        anonymous_relay=): e.g. a relay connector for a device's IP; it listens at once."""
        self._server(server)
        c = connectors.new_receive_connector(self, server, name, **settings)
        svc = self.service(c.server, c.service)
        svc.sync_bindings()
        if svc.running and self._started:
            self.runtime.call(svc.start())

    def send_connectors(self) -> pd.DataFrame:
        """Get-SendConnector."""
        return connectors.send_connector_frame(self)

    def new_send_connector(self, name: str, **settings: Any) -> None:
        """New-SendConnector (address_spaces=["*"], source_servers=, frontend_proxy=False): a
        routing change, so every Unreachable queue is resubmitted and its mail moves on."""
        connectors.new_send_connector(self, name, **settings)
        self._routing_changed()

    def set_send_connector(self, name: str, *, frontend_proxy: bool) -> None:
        """Set-SendConnector -FrontendProxyEnabled: "Proxy through Client Access server"."""
        connectors.find_send_connector(self, name).frontend_proxy = bool(frontend_proxy)
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

    # --- AD sites (sites.py) ---------------------------------------------------------------
    def ad_sites(self) -> pd.DataFrame:
        """Get-AdSite: each AD site, whether it is a hub site, and its Exchange servers."""
        rows = [{"Name": s.name, "HubSiteEnabled": s.hub_site,
                 "Servers": ", ".join(x.name for x in self.org.site_servers(s.name))} for s in self.org.sites]
        return pd.DataFrame(rows, columns=["Name", "HubSiteEnabled", "Servers"])

    def ad_site_links(self) -> pd.DataFrame:
        """Get-AdSiteLink: each IP site link, the sites it joins and its cost."""
        rows = [{"Name": link.name, "Sites": ", ".join(link.sites), "Cost": link.cost}
                for link in self.org.site_links]
        return pd.DataFrame(rows, columns=["Name", "Sites", "Cost"])

    def set_hub_site(self, site: str, enabled: bool) -> None:
        """Set-AdSite -HubSiteEnabled: mail whose least-cost path crosses a hub site is
        relayed through it instead of going straight to the destination site."""
        found = next((s for s in self.org.sites if s.name.lower() == site.lower()), None)
        if found is None:
            names = ", ".join(s.name for s in self.org.sites)
            raise LabError(f"The Active Directory site '{site}' couldn't be found. Sites: {names}.")
        found.hub_site = bool(enabled)
        self._routing_changed()

    def set_site_link_cost(self, link: str, cost: int) -> None:
        """Set-AdSiteLink -ExchangeCost: the cost Exchange adds up for least-cost routing."""
        found = next((x for x in self.org.site_links if x.name.lower() == link.lower()), None)
        if found is None:
            names = ", ".join(x.name for x in self.org.site_links) or "none"
            raise LabError(f"The IP site link '{link}' couldn't be found. Site links: {names}.")
        if isinstance(cost, bool) or not isinstance(cost, int) or not sites.MIN_COST <= cost <= sites.MAX_COST:
            raise LabError(f"ExchangeCost must be a whole number from {sites.MIN_COST} to "
                           f"{sites.MAX_COST:,}, not {cost!r}.")
        found.cost = cost
        self._routing_changed()

    def _routing_changed(self) -> None:
        self._require_started()

        async def _resubmit() -> None:
            for t in self._transport_services():
                # Forget next hops of idle queues, so new mail is routed by the new settings.
                for key in [k for k in t.targets if not (q := t.delivery_queues.get(k)) or not q.messages]:
                    del t.targets[key]
                if t.unreachable.messages:
                    t.resubmit_unreachable()
            await self._settle()
        self.runtime.call(_resubmit())

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

    def queues(self, include_empty: bool = False) -> pd.DataFrame:
        """Get-Queue on every server: Submission always; other queues while they hold mail."""
        return queue_frame(self._queues(include_empty))

    def queue_messages(self, queue: str | None = None) -> pd.DataFrame:
        """Get-Message: the messages in every queue, or in the queue with this identity."""
        qs = [q for q in self._queues(False) if queue is None or q.identity.lower() == queue.lower()]
        return message_frame(qs)

    def retry_queue(self, identity: str) -> None:
        """Retry-Queue: connect now instead of waiting for NextRetryTime (queues in Retry only)."""
        self._require_started()
        found = [q for q in self._queues(True) if q.identity.lower() == identity.lower()]
        if not found:
            known = ", ".join(q.identity for q in self._queues(False))
            raise LabError(f"The queue '{identity}' couldn't be found. Queues: {known}.")
        if found[0].status != "Retry":
            raise LabError(f"The queue '{found[0].identity}' is {found[0].status}; "
                           "Retry-Queue works only on queues in Retry.")
        queue = found[0]

        async def _retry() -> None:
            queue.next_retry_time = self.clock.now()
            await self._settle()
        self.runtime.call(_retry())

    def tracking_log(self, message: SentMessage | str | None = None) -> pd.DataFrame:
        """Get-MessageTrackingLog, for every message or one (by SentMessage or Message-ID)."""
        df = self.tracking.frame()
        if message is not None:
            mid = message.message_id if isinstance(message, SentMessage) else message
            df = df[df["MessageId"] == mid].reset_index(drop=True)
        return df

    def protocol_log(self, server: str | None = None, connector: str | None = None) -> pd.DataFrame:
        """The SMTP Receive protocol log of every connector set to Verbose, or of one
        (`lab.protocol_log("CA1", "Default Frontend CA1")`): one row per line heard or said."""
        return self.ctx.protocol_log.frame(self._connector_id(server, connector))

    def protocol_log_file(self, server: str | None = None, connector: str | None = None) -> str:
        """The same log as the RECV*.log file Exchange writes: # header lines, then CSV rows."""
        return self.ctx.protocol_log.text(self._connector_id(server, connector))

    def _connector_id(self, server: str | None, connector: str | None) -> str | None:
        """`SERVER\\Connector name` as the logs write it, or None for every connector."""
        if connector is None:
            return None
        if server is None:
            raise LabError("Name the connector's server too: lab.protocol_log('CA1', 'Default Frontend CA1').")
        self._server(server)
        c = connectors.find_receive_connector(self, server, connector)
        return f"{c.server}\\{c.name}"

    def path(self, message: SentMessage | str) -> list[tuple[str, str]]:
        """The (server, service) steps that handled a message, in order."""
        mid = message.message_id if isinstance(message, SentMessage) else message
        return list(self.ctx.paths.steps.get(mid, []))

    def diagram(self, message: SentMessage | str | None = None) -> graphviz.Digraph:
        """The organization (stopped services greyed), with this message's path drawn on it."""
        return topology_diagram(self, self.path(message) if message else None, message=message)

    # --- helpers ----------------------------------------------------------------------
    def _require_started(self) -> None:
        if not self._started:
            raise LabError("The lab is not running: use `with Lab(...) as lab:` or call lab.start().")

    def _server(self, name: str):  # type: ignore[no-untyped-def]
        try:
            return self.org.server(name)
        except KeyError as exc:
            raise LabError(exc.args[0]) from None

    def _folders(self, address: str) -> MailboxFolders:
        mbx = self.org.mailbox(address)
        if mbx is None:
            known = ", ".join(self.mailboxes())
            raise LabError(f"There is no mailbox '{address}' in {self.org.domain}. Mailboxes: {known}.")
        return self.databases[mbx.database].folders(mbx.address)
