"""Delivery status notifications: the non-delivery report (NDR) Exchange writes (§4.4).

The user part says what went wrong in plain words; "Diagnostic information for
administrators" gives the generating server, each rejected recipient with its enhanced status
code and SMTP response, then the original message headers.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from .headers import format_date

#: The sender of system messages in an Exchange 2013 organization.
POSTMASTER_LOCAL = "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e"

_USER_TEXT = {
    "5.1.1": "The e-mail address you entered couldn't be found. Please check the recipient's "
             "e-mail address and try to resend the message.",
    "4.4.7": "The message couldn't be delivered in the time allowed. The destination server "
             "may be down or unreachable.",
}


def ndr(*, domain: str, generating_server: str, original: bytes, original_subject: str,
        original_sender: str, failures: dict[str, str], message_id: str, when: datetime) -> bytes:
    """An NDR to `original_sender` for `failures` (recipient -> SMTP response)."""
    head = original.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace").replace("\r\n", "\n")
    user_lines = []
    admin_lines = []
    for rcpt, response in failures.items():
        code = response.split()[1] if len(response.split()) > 1 else ""
        user_lines.append(f"{rcpt}\n{_USER_TEXT.get(code, 'The message could not be delivered.')}")
        admin_lines.append(f"{rcpt}\n#{response} ##")
    body = ("Delivery has failed to these recipients or groups:\n\n"
            + "\n\n".join(user_lines)
            + "\n\n\nDiagnostic information for administrators:\n\n"
            + f"Generating server: {generating_server}\n\n"
            + "\n\n".join(admin_lines)
            + "\n\nOriginal message headers:\n\n" + head + "\n")
    return _from_postmaster(domain, original_sender, f"Undeliverable: {original_subject}", message_id, when, body)


def delay(*, domain: str, generating_server: str, original: bytes, original_subject: str,
          original_sender: str, recipients: list[str], remote: str, last_error: str,
          time_left: timedelta, message_id: str, when: datetime) -> bytes:
    """A delay DSN: the message is still queued after DelayNotificationTimeOut (4 hours).

    Nothing is lost yet: Transport keeps retrying until the message expires. The diagnostic
    line `Remote Server at <server> (<ip>) returned '400 4.4.7 Message delayed'` is the one
    seen on a real Exchange 2013 delay DSN (§4.4); the rest of the layout follows the NDR's."""
    head = original.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace").replace("\r\n", "\n")
    minutes = int(time_left.total_seconds()) // 60
    left = f"{minutes // 1440} days, {minutes % 1440 // 60} hours and {minutes % 60} minutes"
    body = ("Delivery is delayed to these recipients or groups:\n\n"
            + "\n".join(recipients)
            + f"\n\nSubject: {original_subject}\n\n"
            + "This message hasn't been delivered yet. Delivery will continue to be attempted.\n\n"
            + f"The server will keep trying to deliver this message for the next {left}. "
            + "You'll be notified if the message can't be delivered by that time.\n\n\n"
            + "Diagnostic information for administrators:\n\n"
            + f"Generating server: {generating_server}\n\n"
            + "\n".join(recipients) + "\n"
            + f"Remote Server at {remote} returned '400 4.4.7 Message delayed'\n"
            + f"{format_date(when)} - Remote Server at {remote} returned '{last_error}'\n"
            + "\nOriginal message headers:\n\n" + head + "\n")
    return _from_postmaster(domain, original_sender, f"Delivery delayed:{original_subject}", message_id, when, body)


def _from_postmaster(domain: str, to: str, subject: str, message_id: str, when: datetime, body: str) -> bytes:
    """A system message from the organization's postmaster, as Exchange sends DSNs."""
    headers = (f"From: Microsoft Outlook <{POSTMASTER_LOCAL}@{domain}>\n"
               f"To: {to}\n"
               f"Date: {format_date(when)}\n"
               f"Subject: {subject}\n"
               f"Message-ID: {message_id}\n"
               "Auto-Submitted: auto-replied\n"
               "MIME-Version: 1.0\n"
               "Content-Type: text/plain; charset=\"utf-8\"\n"
               "Content-Transfer-Encoding: 8bit\n\n")
    return (headers + body).encode("utf-8")
