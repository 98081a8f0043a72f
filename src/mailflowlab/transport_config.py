"""The organization's and each server's transport settings: what Set-TransportConfig,
Set-TransportService, Set-FrontendTransportService and Set-RecipientFilterConfig change.

Each function checks every value before it changes anything, so a mistake changes nothing.
"""
from __future__ import annotations

from . import arguments
from .errors import LabError
from .topology import EDGE_TRANSPORT, FRONT_END_TRANSPORT, TRANSPORT, DnsLookups, Organization, Server


def set_size_limits(org: Organization, max_send_size: object = None, max_receive_size: object = None) -> None:
    """Set-TransportConfig -MaxSendSize/-MaxReceiveSize (bytes): the organization's limits."""
    for name, value in (("MaxSendSize", max_send_size), ("MaxReceiveSize", max_receive_size)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
            raise LabError(f"{name} must be a positive number of bytes, not {value!r}.")
    if isinstance(max_send_size, int):
        org.max_send_size = max_send_size
    if isinstance(max_receive_size, int):
        org.max_receive_size = max_receive_size


def transport_dns(server: Server) -> DnsLookups:
    """The DNS lookups of the Transport service on a Mailbox or Edge Transport server."""
    if TRANSPORT not in server.services and EDGE_TRANSPORT not in server.services:
        raise LabError(f"{server.name} doesn't run the Transport service: Set-TransportService is for "
                       "Mailbox and Edge Transport servers. "
                       f"It runs: {', '.join(server.services) or 'nothing'}.")
    return server.transport_dns


def frontend_dns(server: Server) -> DnsLookups:
    """The DNS lookups of Front End Transport on a Client Access server."""
    if FRONT_END_TRANSPORT not in server.services:
        raise LabError(f"{server.name} doesn't run the Front End Transport service: "
                       "Set-FrontendTransportService is for Client Access servers. "
                       f"It runs: {', '.join(server.services) or 'nothing'}.")
    return server.frontend_dns


def set_dns(lookups: DnsLookups, adapter_enabled: object, servers: object) -> None:
    """-InternalDNSAdapterEnabled / -InternalDNSServers: the adapter's (the domain
    controller's) DNS servers, or a list of their own."""
    enabled = None if adapter_enabled is None else arguments.flag(adapter_enabled, "InternalDNSAdapterEnabled")
    listed = None if servers is None else arguments.ip_addresses(servers, "InternalDNSServers")
    if enabled is not None:
        lookups.adapter_enabled = enabled
    if listed is not None:
        lookups.servers = listed


def recipient_filter_service(server: Server) -> str:
    """The service whose Recipient Filter agent Set-RecipientFilterConfig changes on this server:
    Transport on a 2013 Mailbox server, the Edge's own on an Edge Transport server."""
    if server.has_role("Edge"):
        return EDGE_TRANSPORT
    if server.has_role("Mailbox") and server.version >= 2013:
        return TRANSPORT
    raise LabError(f"{server.name} runs no anti-spam agents: the Recipient Filter runs in the Transport "
                   "service on a 2013 Mailbox server, or on an Edge Transport server.")
