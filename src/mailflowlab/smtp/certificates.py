"""The certificate a server presents after STARTTLS: Exchange's own self-signed one.

Setup gives every Exchange 2013 server a self-signed certificate, subject `CN=<server>`,
with the server's names as subject alternative names, valid for five years; SMTP uses it
until an administrator assigns another. The lab makes the same, with the `cryptography`
library, the first time a client asks a server for TLS, and keeps it for the process.
Clients do not trust it (nobody issued it), which is why `smtplib.starttls()`, swaks and
`curl --insecure` take it while a strict client would refuse it, exactly as against a fresh
Exchange server.
"""
from __future__ import annotations

import functools
import hashlib
import ssl
import tempfile
from datetime import timedelta
from pathlib import Path

from ..clock import EPOCH

#: Exchange's self-signed certificate is valid for five years from setup; the lab's servers
#: were set up a month before the virtual clock starts.
ISSUED = EPOCH - timedelta(days=30)
VALIDITY = timedelta(days=5 * 365)


def self_signed_certificate(server: str, fqdn: str) -> tuple[bytes, bytes]:
    """PEM certificate and key: subject and issuer `CN=<server>`, SANs `<server>` and `<fqdn>`.
    The serial number comes from the name, so the same server always has the same serial.
    `cryptography` is imported here, not at the top: only real TLS needs it, and a browser
    (where the lab has no TLS) does not have it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, server)])
    serial = int.from_bytes(hashlib.sha256(fqdn.encode()).digest()[:16], "big") >> 1
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(serial)
            .not_valid_before(ISSUED).not_valid_after(ISSUED + VALIDITY)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(server), x509.DNSName(fqdn)]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


@functools.cache
def server_tls_context(server: str, fqdn: str) -> ssl.SSLContext:
    """The TLS context a server's SMTP listener uses after STARTTLS (made once per server)."""
    cert_pem, key_pem = self_signed_certificate(server, fqdn)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory(prefix="mailflowlab-cert-") as folder:
        # The ssl module reads a certificate chain only from files.
        cert_file, key_file = Path(folder, "cert.pem"), Path(folder, "key.pem")
        cert_file.write_bytes(cert_pem)
        key_file.write_bytes(key_pem)
        context.load_cert_chain(cert_file, key_file)
    return context


def peer_certificate_subject(der: bytes) -> tuple[str, str]:
    """(subject, issuer) of a certificate a server presented, e.g. ('CN=CA1', 'CN=CA1')."""
    from cryptography import x509  # only real TLS needs it (see self_signed_certificate)

    cert = x509.load_der_x509_certificate(der)
    return cert.subject.rfc4514_string(), cert.issuer.rfc4514_string()
