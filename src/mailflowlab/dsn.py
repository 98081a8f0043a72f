"""Delivery status notifications: the non-delivery report (NDR) Exchange writes (§4.4).

The user part says what went wrong in plain words; "Diagnostic information for
administrators" gives the generating server, each rejected recipient with its enhanced status
code and SMTP response, then the original message headers.
"""
from __future__ import annotations

from datetime import datetime

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
    head = original.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    user_lines = []
    admin_lines = []
    for rcpt, response in failures.items():
        code = response.split()[1] if len(response.split()) > 1 else ""
        user_lines.append(f"{rcpt}\r\n{_USER_TEXT.get(code, 'The message could not be delivered.')}")
        admin_lines.append(f"{rcpt}\r\n#{response} ##")
    body = ("Delivery has failed to these recipients or groups:\r\n\r\n"
            + "\r\n\r\n".join(user_lines)
            + "\r\n\r\n\r\nDiagnostic information for administrators:\r\n\r\n"
            + f"Generating server: {generating_server}\r\n\r\n"
            + "\r\n\r\n".join(admin_lines)
            + "\r\n\r\nOriginal message headers:\r\n\r\n" + head + "\r\n")
    headers = (f"From: Microsoft Outlook <{POSTMASTER_LOCAL}@{domain}>\r\n"
               f"To: {original_sender}\r\n"
               f"Date: {format_date(when)}\r\n"
               f"Subject: Undeliverable: {original_subject}\r\n"
               f"Message-ID: {message_id}\r\n"
               "Auto-Submitted: auto-replied\r\n"
               "MIME-Version: 1.0\r\n"
               "Content-Type: text/plain; charset=\"utf-8\"\r\n"
               "Content-Transfer-Encoding: 8bit\r\n\r\n")
    return (headers + body).encode("utf-8")
