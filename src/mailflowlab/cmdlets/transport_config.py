"""Set-TransportConfig, Set-TransportService, Set-FrontendTransportService and
Set-RecipientFilterConfig (the settings themselves live in `mailflowlab.transport_config`)."""
from __future__ import annotations

from collections.abc import Iterable

from .. import arguments, transport_config
from ..services.transport import Transport
from .base import LabBase


class TransportConfigCmdlets(LabBase):
    def set_transport_config(self, *, max_send_size: int | None = None,
                             max_receive_size: int | None = None) -> None:
        """Set-TransportConfig -MaxSendSize/-MaxReceiveSize (bytes): the organization's size
        limits, 10 MB each by default. The categorizer NDRs a larger message, whatever the
        receive connector allowed."""
        transport_config.set_size_limits(self.org, max_send_size, max_receive_size)

    # DNS lookups (EAC: Servers > server > DNS lookups)
    def set_transport_service(self, server: str, *, internal_dns_adapter_enabled: bool | None = None,
                              internal_dns_servers: str | Iterable[str] | None = None) -> None:
        """Set-TransportService -InternalDNSAdapterEnabled / -InternalDNSServers: the DNS
        servers the Transport service and Mailbox Transport Submission on `server` ask for the
        organization's servers. The adapter's (the domain controller's) by default; a list of
        their own only with the adapter off, as the EAC's custom DNS settings do:
        `lab.set_transport_service("MB2", internal_dns_adapter_enabled=False,
        internal_dns_servers=["8.8.8.8"])`."""
        lookups = transport_config.transport_dns(self._server(server))
        transport_config.set_dns(lookups, internal_dns_adapter_enabled, internal_dns_servers)

    def set_frontend_transport_service(self, server: str, *, internal_dns_adapter_enabled: bool | None = None,
                                       internal_dns_servers: str | Iterable[str] | None = None) -> None:
        """Set-FrontendTransportService -InternalDNSAdapterEnabled / -InternalDNSServers: the
        DNS servers Front End Transport on `server` asks for the Mailbox servers it proxies to."""
        lookups = transport_config.frontend_dns(self._server(server))
        transport_config.set_dns(lookups, internal_dns_adapter_enabled, internal_dns_servers)

    def set_recipient_filter_config(self, server: str, *, enabled: bool | None = None,
                                    recipient_validation_enabled: bool | None = None) -> None:
        """Set-RecipientFilterConfig -Enabled / -RecipientValidationEnabled on one server. With
        both on, its Recipient Filter agent blocks addresses of accepted domains that no
        recipient has, with `550 5.1.1 User unknown`.

        On an Edge Transport server the agent is enabled by default, but RecipientValidationEnabled
        is `$false` by default (Set-RecipientFilterConfig cmdlet reference,
        https://learn.microsoft.com/en-us/powershell/module/exchange/set-recipientfilterconfig),
        so a fresh Edge accepts every address of an accepted domain. On a 2013 Mailbox server the
        agent is not installed: `enabled=True` there stands for Install-AntiSpamAgents.ps1 and a
        restart of MSExchangeTransport. Microsoft says not to: one blocked recipient then refuses
        the whole message."""
        srv = self._server(server)
        if enabled is not None:
            enabled = arguments.flag(enabled, "Enabled")
        if recipient_validation_enabled is not None:
            recipient_validation_enabled = arguments.flag(recipient_validation_enabled, "RecipientValidationEnabled")
        svc = self.service(srv.name, transport_config.recipient_filter_service(srv))
        assert isinstance(svc, Transport)
        if enabled is not None:
            svc.recipient_filter = enabled
        if recipient_validation_enabled is not None:
            svc.recipient_validation = recipient_validation_enabled
