"""The fields besides Received that Exchange and Exchange Online Protection stamp, read one by one:
what Microsoft's Message Header Analyzer decodes, each field explained in one sentence with
where that sentence comes from.

    read_fields(pasted_text)     # list[FieldReading], top of the header block first
    fields_table(pasted_text)    # the same as a Table (Header, Field, Value, Meaning, Source)

Decoded: `X-Forefront-Antispam-Report` (CIP, CTRY, LANG, SCL, SRV, IPV, SFV, PTR, CAT, SFTY,
SFS, DIR, H, ARC), `X-Microsoft-Antispam` (BCL), `Authentication-Results` and its
`X-MS-Exchange-Authentication-Results` twin (spf, dkim, dmarc, action, compauth and its reason),
`X-MS-Exchange-Organization-*` and `X-MS-Exchange-CrossTenant-*`. A field Microsoft does not
describe is listed with a meaning that starts `unknown`, never dropped: Microsoft says the
fields it leaves out are for its anti-spam team's diagnostics. What is read from a field's
name and the samples rather than from a page says INFERRED or UNCERTAIN.
"""
from __future__ import annotations

import email.message
import re
from collections.abc import Callable
from dataclasses import dataclass

from .headers import parse_header_block
from .views import Table

#: Microsoft's page on the anti-spam headers EOP stamps (X-Forefront-Antispam-Report,
#: X-Microsoft-Antispam, Authentication-Results).
ANTISPAM_DOC = "https://learn.microsoft.com/en-us/defender-office-365/message-headers-eop-mdo"
SCL_DOC = "https://learn.microsoft.com/en-us/defender-office-365/anti-spam-spam-confidence-level-scl-about"
BCL_DOC = "https://learn.microsoft.com/en-us/defender-office-365/anti-spam-bulk-complaint-level-bcl-about"
SPOOF_DOC = "https://learn.microsoft.com/en-us/defender-office-365/anti-phishing-protection-spoofing-about"
#: The X-MS-Exchange-Organization-* headers and who may keep them (fact sheet §3.2).
FIREWALL_DOC = "https://learn.microsoft.com/en-us/exchange/header-firewall-exchange-2013-help"
#: DIR is not on Microsoft's page; the Message Header Analyzer's maintainers leave it unknown.
DIR_SOURCE = "UNCERTAIN: not documented; https://github.com/microsoft/MHA/issues/221"
SFS_SOURCE = "UNCERTAIN: not documented; https://github.com/MicrosoftDocs/OfficeDocs-o365seccomp/issues/230"
CROSS_TENANT_SOURCE = "INFERRED from the field's name and public samples (no Microsoft page found)"

UNKNOWN = ("unknown: Microsoft does not describe this field (its page says such fields serve its anti-spam "
           "team's diagnostics)")

FOREFRONT = "X-Forefront-Antispam-Report"
MICROSOFT_ANTISPAM = "X-Microsoft-Antispam"
AUTHENTICATION_RESULTS = ("Authentication-Results", "X-MS-Exchange-Authentication-Results")


@dataclass(frozen=True)
class FieldReading:
    """One field of one header, what it means, and where the meaning comes from."""
    Header: str
    Field: str
    Value: str
    Meaning: str
    Source: str


#: X-Forefront-Antispam-Report fields whose value is data (an address, a name, a language).
_FOREFRONT_FIELDS = {
    "CIP": "The connecting IP address: the server that handed the message to Exchange Online Protection.",
    "CTRY": "The source country as determined by the connecting IP address.",
    "LANG": "The language in which the message was written.",
    "H": "The HELO or EHLO string of the connecting email server.",
    "PTR": "The PTR record (reverse DNS) of the source IP address.",
    "ARC": "The ARC protocol's fields (AAR, AMS, AS) as the spam filter recorded them.",
    "X-CustomSpam": "The message matched an Advanced Spam Filter (ASF) setting.",
}
_SFV = {
    "BLK": "Filtering was skipped and the message was blocked: the sender is on a user's Blocked Senders list.",
    "NSPM": "Spam filtering marked the message as non-spam and it was sent to the intended recipients.",
    "SFE": "Filtering was skipped and the message allowed: the sender is on a user's Safe Senders list.",
    "SKA": ("The message skipped spam filtering: the sender is on an anti-spam policy's allowed senders or "
            "domains list."),
    "SKB": "The message was marked as spam: the sender is on an anti-spam policy's blocked senders or domains list.",
    "SKI": ("The message skipped spam filtering for another reason, for example intra-organizational mail "
            "within a tenant."),
    "SKN": "The message was marked as non-spam before spam filtering, for example SCL -1 set by a mail flow rule.",
    "SKQ": "The message was released from quarantine and sent to the intended recipients.",
    "SKS": "The message was marked as spam before spam filtering, for example SCL 5 to 9 set by a mail flow rule.",
    "SPM": "The message was marked as spam by spam filtering.",
}
_IPV = {
    "CAL": "The message skipped spam filtering: the source IP address is on the IP Allow List.",
    "NLI": "The IP address was not found on any IP reputation list.",
}
_CAT = {
    "BULK": "bulk", "DIMP": "domain impersonation", "GIMP": "mailbox intelligence based impersonation",
    "HPHSH": "high confidence phishing", "HPHISH": "high confidence phishing", "HSPM": "high confidence spam",
    "MALW": "malware", "PHSH": "phishing", "SPM": "spam", "SPOOF": "spoofing", "UIMP": "user impersonation",
    "AMP": "anti-malware", "SAP": "Safe Attachments", "FTBP": "the anti-malware file type policy",
    "OSPM": "outbound spam",
}
_SFTY = {
    "9.11": ("Intra-organization spoofing: the From domain is one of the recipient organization's own.", SPOOF_DOC),
    "9.19": ("Domain impersonation: the sending domain impersonates a protected domain.", ANTISPAM_DOC),
    "9.20": (("User impersonation: the sender impersonates a user of the organization or a protected "
              "user."), ANTISPAM_DOC),
    "9.22": ("Cross-domain spoofing: the From domain is outside the recipient organization.", SPOOF_DOC),
    "9.25": ("First contact safety tip: this might be a suspicious or phishing message.", ANTISPAM_DOC),
}
_DIR = {"INB": "inbound to the tenant", "OUT": "outbound from the tenant", "INT": "internal to the tenant"}


def _scl(value: str) -> tuple[str, str]:
    """The spam confidence level, as Microsoft's SCL page puts each value."""
    meanings = {"-1": "The message skipped spam filtering (a safe sender, a safe recipient, or the IP Allow List).",
                "0": "Spam filtering determined the message wasn't spam.",
                "1": "Spam filtering determined the message wasn't spam.",
                "5": "Spam filtering marked the message as spam (delivered to Junk Email by default).",
                "6": "Spam filtering marked the message as spam (delivered to Junk Email by default).",
                "9": "Spam filtering marked the message as high confidence spam."}
    if value in meanings:
        return meanings[value], SCL_DOC
    return f"Spam confidence level {value}: a value Microsoft's SCL page does not list.", SCL_DOC


def _forefront(field: str, value: str) -> tuple[str, str]:
    """The meaning of one X-Forefront-Antispam-Report field, with its source."""
    if field == "SCL":
        return _scl(value)
    if field == "SFV" and value in _SFV:
        return _SFV[value], ANTISPAM_DOC
    if field == "IPV" and value in _IPV:
        return _IPV[value], ANTISPAM_DOC
    if field == "SRV":
        if value == "BULK":
            return "Spam filtering identified the message as bulk email by its bulk complaint level.", ANTISPAM_DOC
        return "No bulk verdict: spam filtering did not identify the message as bulk email.", ANTISPAM_DOC
    if field == "CAT":
        if value in _CAT:
            return f"The protection policy applied to the message: {_CAT[value]}.", ANTISPAM_DOC
        if value == "NONE":
            return "No protection policy category applied to the message.", ANTISPAM_DOC
    if field == "SFTY" and value in _SFTY:
        return _SFTY[value]
    if field == "SFTY" and not value:
        return "No safety level: the message was not identified as phishing.", ANTISPAM_DOC
    if field == "DIR":
        where = _DIR.get(value, "a direction not seen in the samples")
        return f"The message's direction as the filter saw it: {where}.", DIR_SOURCE
    if field == "SFS":
        return "The spam filter's rules that matched, as numbers only Microsoft can read.", SFS_SOURCE
    if field in _FOREFRONT_FIELDS:
        return _FOREFRONT_FIELDS[field], ANTISPAM_DOC
    return UNKNOWN, ANTISPAM_DOC


def _bcl(field: str, value: str) -> tuple[str, str]:
    """X-Microsoft-Antispam: the bulk complaint level is the one field Microsoft describes."""
    if field != "BCL":
        return UNKNOWN, ANTISPAM_DOC
    levels = {"0": "The message isn't from a bulk sender."}
    levels.update(dict.fromkeys("123", "The message is from a bulk sender that generates few complaints."))
    levels.update(dict.fromkeys("4567", ("The message is from a bulk sender that generates a mixed number of "
                                         "complaints.")))
    levels.update(dict.fromkeys("89", "The message is from a bulk sender that generates a high number of complaints."))
    return levels.get(value, f"Bulk complaint level {value}: a value Microsoft's BCL page does not list."), BCL_DOC


_SPF = {
    "pass": "SPF passed: the sending IP address is allowed by the MAIL FROM domain's SPF record.",
    "fail": "SPF failed: the MAIL FROM domain's SPF record says this IP address may not send for it.",
    "softfail": "SPF soft-failed: the domain discourages, without forbidding, mail from this IP address.",
    "neutral": "SPF was neutral: the domain's record states nothing about this IP address.",
    "none": "SPF found no record for the MAIL FROM domain.",
    "temperror": "SPF could not be checked for a temporary reason (a DNS error).",
    "permerror": "SPF could not be checked: the domain's SPF record is broken.",
}
_DKIM = {
    "pass": "The DKIM signature was verified.",
    "fail": "The DKIM check failed (the comment says why).",
    "none": "The message was not DKIM-signed.",
}
_DMARC = {
    "pass": "The DMARC check passed.",
    "fail": "The DMARC check failed.",
    "bestguesspass": "The domain has no DMARC record, but had it one, the check would have passed.",
    "none": "The sending domain has no DMARC record.",
}
_COMPAUTH = {
    "pass": "Composite authentication passed: Microsoft 365 judged the From domain authenticated.",
    "fail": "Composite authentication failed: Microsoft 365 could not confirm the From domain.",
    "softpass": "Composite authentication soft-passed implicit authentication.",
    "none": "Composite authentication was not checked or was bypassed.",
}
_ACTION = {
    "none": "DMARC asked for no action.",
    "oreject": "Override reject: DMARC failed with p=reject, and Microsoft 365 marked the message as spam instead.",
    "o.reject": "Override reject: DMARC failed with p=reject, and Microsoft 365 marked the message as spam instead.",
    "pct.quarantine": "DMARC failed with p=quarantine, but pct under 100 let this message through.",
    "pct.reject": "DMARC failed with p=reject, but pct under 100 let this message through.",
    "permerror": "DMARC hit a permanent error, such as a malformed DMARC record.",
    "temperror": "DMARC hit a temporary error.",
}
_PROPERTIES = {
    "smtp.mailfrom": "The MAIL FROM (5321.MailFrom) domain that SPF checked.",
    "header.d": "The domain in the DKIM signature, whose key was queried.",
    "header.from": "The domain of the From address (5322.From) the recipient sees, which DMARC and compauth judge.",
}


def _compauth_reason(code: str) -> str:
    """Microsoft's reason codes for composite authentication, by their first digit."""
    exact = {"000": "The message failed explicit authentication (DMARC failed with quarantine or reject).",
             "001": ("The message failed implicit authentication: the domain publishes no or weak "
                     "authentication records."),
             "002": "The organization forbids this sender and domain pair from sending spoofed mail.",
             "010": ("DMARC failed with reject or quarantine, and the sending domain is one of the "
                     "organization's accepted domains.")}
    by_digit = {"1": "The message passed authentication (the last two digits are Microsoft's internal codes).",
                "7": "The message passed authentication (the last two digits are Microsoft's internal codes).",
                "2": "The message soft-passed implicit authentication.",
                "3": "The message was not checked for composite authentication.",
                "4": "The message bypassed composite authentication.",
                "9": "The message bypassed composite authentication.",
                "6": ("The message failed implicit authentication, and the sending domain is one of the "
                      "organization's accepted domains.")}
    return exact.get(code) or by_digit.get(code[:1], UNKNOWN)


def _authentication(field: str, value: str) -> tuple[str, str]:
    """One method or property of an Authentication-Results header, as Microsoft's page reads it."""
    result = value.split(" ", 1)[0].lower()
    comment = f" ({value.split(' ', 1)[1].strip('()')})" if " " in value else ""
    tables: dict[str, dict[str, str]] = {"spf": _SPF, "dkim": _DKIM, "dmarc": _DMARC, "compauth": _COMPAUTH,
                                         "action": _ACTION}
    if field in tables and result in tables[field]:
        sentence = tables[field][result]
        return (sentence[:-1] + comment + "." if comment and field != "dkim" else sentence), ANTISPAM_DOC
    if field == "reason":
        return _compauth_reason(value), ANTISPAM_DOC
    if field in _PROPERTIES:
        return _PROPERTIES[field], ANTISPAM_DOC
    if field == "domain":
        return ("A bare domain between the results, where RFC 8601 puts the checking server's name; "
                "in the samples it is the recipient's domain."), "INFERRED from public samples"
    return UNKNOWN, ANTISPAM_DOC


#: X-MS-Exchange-Organization-* headers the fact sheet (§3.2, header firewall page) describes.
_ORGANIZATION = {
    "AuthAs": ("How the message was authenticated when it entered the organization (Anonymous, Internal, "
               "External or Partner)."),
    "AuthSource": "The FQDN of the server that evaluated the authentication.",
    "AuthMechanism": ("How the sender authenticated, as a two-digit hexadecimal number (04 is seen on "
                      "internal MAPI submission)."),
    "AuthDomain": "The remote domain in Domain Secure.",
    "SCL": "The spam confidence level the organization keeps for the message (-1 exempts it from filtering).",
    "PCL": "The phishing confidence level, 1 to 8.",
    "Antispam-Report": "The Content Filter's summary.",
    "OriginalArrivalTime": "The time the message first entered the organization.",
    "OriginalSize": "The message's size when it entered the organization, used for size limits.",
    "Network-Message-Id": ("The message's id across the organization: the network-message-id of its tracking "
                           "log events."),
}
#: X-MS-Exchange-CrossTenant-* headers, which Exchange Online stamps; read from their names.
_CROSS_TENANT = {
    "Id": "The Exchange Online tenant (its GUID) the message was attributed to.",
    "AuthAs": ("How Exchange Online authenticated the message: Anonymous (a connector or the Internet) or "
               "Internal (a tenant user)."),
    "AuthSource": "The Exchange Online or EOP server that evaluated the authentication.",
    "FromEntityHeader": ("Where Exchange Online took the message from: Internet, HybridOnPrem (the tenant's "
                         "on-premises servers, through the inbound connector) or Hosted (a cloud mailbox)."),
    "OriginalArrivalTime": "When the message first reached Exchange Online.",
    "Network-Message-Id": "The message's id in Exchange Online's message trace.",
    "OriginalAttributedTenantConnectingIp": ("The tenant, IP address and HELO the connection was attributed "
                                             "to (the inbound connector that matched)."),
    "MailboxType": "The kind of sending mailbox: HOSTED is a mailbox in Exchange Online.",
    "UserPrincipalName": "The sending user's identity, hashed.",
}


def _organization(field: str, value: str) -> tuple[str, str]:
    for name, meaning in _ORGANIZATION.items():
        if name.lower() == field.lower():
            return meaning, FIREWALL_DOC if name != "Network-Message-Id" else "fact sheet §3.2 (message tracking page)"
    return UNKNOWN.replace("its anti-spam team's diagnostics", "Exchange's internal use"), FIREWALL_DOC


def _cross_tenant(field: str, value: str) -> tuple[str, str]:
    for name, meaning in _CROSS_TENANT.items():
        if name.lower() == field.lower():
            return meaning, CROSS_TENANT_SOURCE
    return "unknown: an Exchange Online field this analyzer does not read", CROSS_TENANT_SOURCE


def _split_pairs(value: str, separator: str) -> list[tuple[str, str]]:
    """`CIP:1.2.3.4; CTRY:US; SFS:(1)(2)` -> [("CIP", "1.2.3.4"), ...]; empty items are skipped."""
    pairs = []
    for item in value.split(";"):
        item = item.strip()
        if item:
            name, _, val = item.partition(separator)
            pairs.append((name.strip(), val.strip()))
    return pairs


#: `spf=pass (sender IP is 1.2.3.4) smtp.mailfrom=x.org`: a method, its result and comment, then
#: properties; a bare word between semicolons (the receiving domain) is kept as its own item.
_METHOD = re.compile(r"([A-Za-z][\w.-]*)=(\S+(?:\s+\([^)]*\))?)")


def _authentication_pairs(value: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for clause in value.split(";"):
        clause = clause.strip()
        if not clause:
            continue
        found = _METHOD.findall(clause)
        if not found:
            pairs.append(("domain", clause))
        pairs.extend(found)
    return pairs


def _unfold(value: object) -> str:
    return " ".join(str(value).split())


Reader = Callable[[str, str], tuple[str, str]]


def read_fields(source: email.message.Message | str) -> list[FieldReading]:
    """Every field of the EOP and Exchange Online headers in a message or pasted header block."""
    if isinstance(source, str):
        source = parse_header_block(source)
    readings: list[FieldReading] = []
    for name, raw in source.items():
        value = _unfold(raw)
        lower = name.lower()
        pairs: list[tuple[str, str]]
        reader: Reader
        if lower == FOREFRONT.lower():
            pairs, reader, header = _split_pairs(value, ":"), _forefront, FOREFRONT
        elif lower == MICROSOFT_ANTISPAM.lower():
            pairs, reader, header = _split_pairs(value, ":"), _bcl, MICROSOFT_ANTISPAM
        elif lower in (h.lower() for h in AUTHENTICATION_RESULTS):
            header = next(h for h in AUTHENTICATION_RESULTS if h.lower() == lower)
            pairs, reader = _authentication_pairs(value), _authentication
        elif lower.startswith("x-ms-exchange-organization-"):
            header, field = name, name[len("X-MS-Exchange-Organization-"):]
            meaning, where = _organization(field, value)
            readings.append(FieldReading(header, field, value, meaning, where))
            continue
        elif lower.startswith("x-ms-exchange-crosstenant-"):
            header, field = name, name[len("X-MS-Exchange-CrossTenant-"):]
            meaning, where = _cross_tenant(field, value)
            readings.append(FieldReading(header, field, value, meaning, where))
            continue
        else:
            continue
        for field, field_value in pairs:
            meaning, where = reader(field, field_value)
            readings.append(FieldReading(header, field, field_value, meaning, where))
    return readings


def fields_table(source: email.message.Message | str) -> Table[FieldReading]:
    """The readings as a table: Header, Field, Value, Meaning, Source."""
    return Table(read_fields(source), ["Header", "Field", "Value", "Meaning", "Source"])
