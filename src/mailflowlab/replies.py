"""Exchange's SMTP replies, by name (fact sheet §5), and the translation of aiosmtpd's own.

aiosmtpd speaks correct SMTP in its own words ("250 OK", "503 Error: need MAIL command").
`exchange_wording()` turns each of those into the line an Exchange 2013 server sends, so a
learner on telnet sees what they would see against the real thing.
"""
from __future__ import annotations

import functools
import re
from datetime import datetime

from .headers import format_date

SENDER_OK = "250 2.1.0 Sender OK"
RECIPIENT_OK = "250 2.1.5 Recipient OK"
START_MAIL_INPUT = "354 Start mail input; end with <CRLF>.<CRLF>"
CLOSING = "221 2.0.0 Service closing transmission channel"
RESETTING = "250 2.0.0 Resetting"
OK = "250 2.0.0 OK"
UNRECOGNIZED = "500 5.3.3 Unrecognized command"
SEND_HELLO_FIRST = "503 5.5.2 Send hello first"
NEED_MAIL = "503 5.5.2 Need mail command"
NEED_RCPT = "503 5.5.2 Need rcpt command"
SENDER_ALREADY = "503 5.5.2 Sender already specified"
INVALID_ARGUMENTS = "501 5.5.4 Invalid arguments"
#: An address in MAIL or RCPT that can't be read (a second @, a trailing dot): Exchange's
#: SmtpResponse InvalidAddress and InvalidSenderAddress [UNOFFICIAL, as TOO_MANY_CONNECTIONS].
INVALID_ADDRESS = "501 5.1.3 Invalid address"
INVALID_SENDER_ADDRESS = "501 5.1.7 Invalid address"
UNABLE_TO_RELAY = "550 5.7.1 Unable to relay"
NOT_AUTHENTICATED = "530 5.7.1 Client was not authenticated"
USER_UNKNOWN = "550 5.1.1 User unknown"                     # Recipient Filter agent (Edge)
RECIP_NOT_FOUND = "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"
TOO_BIG = "552 5.3.4 Message size exceeds fixed maximum message size"
#: The categorizer's NDR for a message over Set-TransportConfig MaxSendSize/MaxReceiveSize
#: (§5.3). INFERRED mapping; an UNOFFICIAL AckReason string also seen in real NDRs.
ORG_SIZE_LIMIT = "550 5.2.3 RESOLVER.RST.SendSizeLimit.Org; message too large for this organization"
TOO_MANY_RECIPIENTS = "452 4.5.3 Too many recipients"
SERVICE_NOT_ACTIVE = "421 4.3.2 Service not active"
#: MAIL FROM at a Transport service whose HubTransport component is Draining (maintenance
#: mode): a receive connector's protocol log in a field report (yusufustundag.com, "How to Fix
#: Exchange Server 421 4.3.2 Service not available"). There the server then drops the
#: connection; the lab leaves it open for the client's QUIT.
SERVICE_NOT_AVAILABLE = "421 4.3.2 Service not available"
TIMEOUT = "451 4.7.0 Timeout waiting for client input"
#: Receive connector limits (Set-ReceiveConnector): the texts are Exchange's SmtpResponse
#: constants TooManyConnections, TooManyConnectionsPerSource and ConnectionTimedOut [UNOFFICIAL:
#: the decompiled Microsoft.Exchange.Data.Transport, fact sheet §5.2's source]. More sessions on
#: the connector than MaxInboundConnection:
TOO_MANY_CONNECTIONS = ("421 4.3.2 The maximum number of concurrent server connections has exceeded "
                        "a limit, closing transmission channel")
#: More from one source than MaxInboundConnectionPerSource (or its percentage of the whole):
TOO_MANY_CONNECTIONS_PER_SOURCE = ("421 4.3.2 The maximum number of concurrent connections has exceeded "
                                   "a limit, closing transmission channel")
#: A session older than ConnectionTimeout; an idle one past ConnectionInactivityTimeout hears TIMEOUT.
CONNECTION_TIMED_OUT = "421 4.4.1 Connection timed out"
AUTH_OK = "235 2.7.0 Authentication successful"
AUTH_FAILED = "535 5.7.3 Authentication unsuccessful"
#: AUTH with a mechanism EHLO did not offer (AUTH LOGIN before STARTTLS on Client Frontend).
#: SEEN in Exchange telnet transcripts; not in the fact sheet's sources.
UNRECOGNIZED_AUTH_TYPE = "504 5.7.4 Unrecognized authentication type"
TLS_READY = "220 2.0.0 SMTP server ready"
SHADOW_FAILED = "451 4.4.0 Message failed to be made redundant"
#: A message with more Received headers than the receive connector's MaxHopCount (30) or
#: MaxLocalHopCount (8) allows: a mail loop. Microsoft's support article "554 5.4.14 Hop count
#: exceeded - possible mail loop" (Exchange 2013/2016, a loop between an Edge and EOP).
HOP_COUNT_EXCEEDED = "554 5.4.14 Hop count exceeded - possible mail loop"

#: The server failed at its own end; Front End Transport adds why it could not proxy (PRXn).
TEMPORARY_SERVER_ERROR = "451 4.7.0 Temporary server error. Please try again later"
#: Front End Transport could not proxy the session (§0.3). A stopped Transport service is a
#: socket error, so PRX5. UNCERTAIN: PRX3 is possible on some builds.
PRX_NO_DESTINATIONS = f"{TEMPORARY_SERVER_ERROR}. PRX1"
PRX_DNS_FAILURE = f"{TEMPORARY_SERVER_ERROR}. PRX2"
PRX_SOCKET_ERROR = f"{TEMPORARY_SERVER_ERROR}. PRX5"
#: Every Mailbox server answered the proxy's EHLO (or banner) with a refusal, e.g. 421 4.3.2
#: when none of its receive connectors covers the Front End's address. INFERRED from UNOFFICIAL
#: decompiled code (PiratesRE/exchange_diff, Microsoft.Exchange.Transport/Exchange/Protocols/
#: Smtp): EHLOInboundProxySmtpCommand fails over on a refused EHLO with
#: SessionSetupFailureReason.ProtocolError (SmtpOutSession.FailoverConnection's default), and
#: InboundProxyLayer.AckConnection encodes that reason as PRX4. UNCERTAIN: no field report of
#: this case was found, and a Front End set to PreserveTargetResponse would pass the 421 on.
PRX_PROTOCOL_ERROR = f"{TEMPORARY_SERVER_ERROR}. PRX4"

#: How both queue LastErrors below end: the next hop's other hosts failed too.
_FAILOVER_FAILED = ("Attempted failover to alternate host, but that did not succeed. Either there are no "
                    "alternate hosts, or delivery failed to all alternate hosts. The last endpoint attempted "
                    "was {endpoint}")
#: Queue LastError when Transport cannot connect to the next hop (§5.2). 10061 is
#: "connection refused", what a stopped service gives (10060 would be a timeout).
CONNECT_FAILED = ('441 4.4.1 Error encountered while communicating with primary target IP address: '
                  '"Failed to connect. Winsock error code: 10061, Win32 error code: 10061." ' + _FAILOVER_FAILED)
PROTOCOL_FAILED = '451 4.4.0 Primary target IP address responded with: "{reply}." ' + _FAILOVER_FAILED
NO_CONNECTOR = "A matching connector cannot be found to route the external recipient"
#: SMTP Send found no address for the next hop: DNS answered that the name does not exist.
DNS_NONEXISTENT_DOMAIN = ("451 4.4.0 DNS query failed. The error was: SMTPSEND.DNS.NonExistentDomain; "
                          "nonexistent domain")

#: What Transport writes about a message still waiting after DelayNotificationTimeOut (4 h),
#: and the NDR status once MessageExpirationTimeOut (2 days) has passed (§4.4).
MESSAGE_DELAYED = "400 4.4.7 Message delayed"
#: The status Remove-Message gives each recipient (and its NDR, with -WithNDR $true).
#: UNCERTAIN: seen in field reports of Exchange NDRs; no Microsoft page the lab found quotes it.
ADMIN_REMOVED = "550 4.3.2 QUEUE.Admin; message deleted by administrative action"
#: Back pressure at High (a short disk or memory): MAIL FROM is refused until it is relieved
#: (fact sheet §4.4 gives 4.3.1's text; Microsoft's back pressure page the refusal of MAIL FROM).
INSUFFICIENT_RESOURCES = "452 4.3.1 Insufficient system resources"
QUEUE_EXPIRED = "550 4.4.7 QUEUE.Expired; message expired"


def banner(fqdn: str, when: datetime) -> str:
    """The greeting: `220 <FQDN> Microsoft ESMTP MAIL Service ready at <date>`."""
    return f"220 {fqdn} Microsoft ESMTP MAIL Service ready at {format_date(when)}"


def queued(message_id: str, internal_id: int, fqdn: str) -> str:
    """Transport's answer to the final dot: the message is safe in its queue database."""
    return f"250 2.6.0 {message_id} [InternalId={internal_id}, Hostname={fqdn}] Queued mail for delivery"


def queued_for_redundancy(message_id: str, internal_id: int, fqdn: str) -> str:
    """A shadow server's answer to the final dot, as a real HAREDIRECT line quotes it
    ([SAMPLE] github.com/awslabs/kinesis-agent-windows, ExchangeLogParserTest)."""
    return f"250 2.6.0 {message_id} [InternalId={internal_id}, Hostname={fqdn}] Queued mail for redundancy"


_AIOSMTPD_TO_EXCHANGE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^354 End data with"), START_MAIL_INPUT),
    (re.compile(r"^221 Bye"), CLOSING),
    (re.compile(r"^250 OK$"), OK),
    (re.compile(r"^500 Error: command .* not recognized"), UNRECOGNIZED),
    (re.compile(r"^503 Error: send (HELO|EHLO) first"), SEND_HELLO_FIRST),
    (re.compile(r"^503 Error: need MAIL command"), NEED_MAIL),
    (re.compile(r"^503 Error: need RCPT command"), NEED_RCPT),
    (re.compile(r"^503 Error: nested MAIL command"), SENDER_ALREADY),
    (re.compile(r"^501 Syntax: "), INVALID_ARGUMENTS),
    (re.compile(r"^555 "), INVALID_ARGUMENTS),
    (re.compile(r"^552 Error: (Too much mail data|message size exceeds)"), TOO_BIG),
    (re.compile(r"^421 Timeout"), TIMEOUT),
    (re.compile(r"^500 Error: bad syntax"), UNRECOGNIZED),
    (re.compile(r"^500 Error: \("), TEMPORARY_SERVER_ERROR),
    (re.compile(r"^502 "), UNRECOGNIZED),
    (re.compile(r"^220 Ready to start TLS"), TLS_READY),
    (re.compile(r"^504 5.5.4 Unrecognized authentication type"), UNRECOGNIZED_AUTH_TYPE),
    (re.compile(r"^553 5.1.3 Error: malformed address"), INVALID_ADDRESS),
]


#: Any of aiosmtpd's own replies, in one search: most lines are the lab's own (each queued
#: reply is new, so the cache below never holds it) and pass at once.
_ANY_AIOSMTPD = re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _ in _AIOSMTPD_TO_EXCHANGE))


@functools.lru_cache(maxsize=512)
def exchange_wording(line: str) -> str:
    """Exchange's words for a reply aiosmtpd wrote itself; other lines pass unchanged.
    (Cached: the same few replies are said again and again.)"""
    if not _ANY_AIOSMTPD.search(line):
        return line
    for pattern, replacement in _AIOSMTPD_TO_EXCHANGE:
        if pattern.search(line):
            return replacement
    return line


# --- Exchange Online and Exchange Online Protection (hybrid, `services.exchange_online`) ----------
#: EOP cannot attribute the connection to a tenant (no inbound connector knows its certificate)
#: and refuses to relay for it (Microsoft's NDR page for 5.7.64).
TENANT_ATTRIBUTION = "550 5.7.64 TenantAttribution; Relay Access Denied"
#: Directory-Based Edge Blocking: EOP refuses a recipient of the tenant's domains it does not know.
EOP_RECIPIENT_REJECTED = "550 5.4.1 Recipient address rejected: Access denied"
#: Exchange Online's outbound connector requires TLS and the on-premises server did not offer
#: STARTTLS; 4.4.317 is Exchange Online's code for such a connection, the text UNCERTAIN.
EXO_TLS_NOT_OFFERED = ("451 4.4.317 Cannot connect to remote server "
                       "[Message=TLS is required but was not offered by the host]")
#: The outbound connector's smart host is a name DNS does not know (wording UNCERTAIN).
EXO_SMART_HOST_NOT_FOUND = "451 4.4.0 DNS query failed: the outbound connector's smart host is not found"
