"""`message.header` and `message.hop_counts` search a lowered copy of the header block instead of
lowering line by line; for any bytes they must answer what the plain line-by-line scan answers."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailflowlab.message import header, hop_counts

#: Pieces that matter to the scan: header names in any case, folding, every line end
#: `str.splitlines` knows, the empty line, letters that lowering lengthens ('İ') or changes
#: ('K' Kelvin, 'Σ'), invalid UTF-8.
PIECES = st.sampled_from([
    b"Subject:", b"subject:", b"SUBJECT: ", b"Received:", b"received: from a by mb1.contoso.com with",
    b" by MB1.CONTOSO.COM ", b"X-Subject:", b"Subject ", b"\r\n", b"\n", b"\r", b"\r\n ", b"\r\n\t",
    b"\r\n\r\n", b"\n\n", b"\x0b", b"\x0c", b"\x1c", "\u2028".encode(), "\x85".encode(), "İ".encode(),
    "\u212a".encode(), "Σ".encode(), b"\xff", b" ", b"\t", b"value", b":", b"a"])
CONTENT = st.lists(PIECES, max_size=24).map(b"".join)
NAME = st.sampled_from(["Subject", "subject", "Received", "X-Subject", "İd", "Kelvin"])


def plain_header(content: bytes, name: str) -> str | None:
    """The line-by-line scan `header` stands for."""
    head = content.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].decode("utf-8", "replace")
    wanted = name.lower() + ":"
    value: list[str] | None = None
    for line in head.splitlines():
        if value is not None:
            if line[:1] in (" ", "\t"):
                value.append(line.strip())
                continue
            break
        if line.lower().startswith(wanted):
            value = [line[len(wanted):].strip()]
    return " ".join(v for v in value if v) if value is not None else None


def plain_hop_counts(content: bytes, fqdn: str) -> tuple[int, int]:
    """The line-by-line count `hop_counts` stands for."""
    head = content.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].decode("utf-8", "replace")
    received = [line for line in head.splitlines() if line.lower().startswith("received:")]
    mine = f" by {fqdn.lower()} "
    return len(received), sum(mine in f" {line.lower()} " for line in received)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CONTENT, NAME)
def test_header_answers_as_the_line_by_line_scan(content: bytes, name: str) -> None:
    assert header(content, name) == plain_header(content, name)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CONTENT)
def test_hop_counts_answer_as_the_line_by_line_count(content: bytes) -> None:
    assert hop_counts(content, "MB1.contoso.com") == plain_hop_counts(content, "MB1.contoso.com")


def test_a_name_inside_another_line_is_not_the_header() -> None:
    content = b"X-Subject: no\r\nThread-Topic: Subject: no\r\nsubject:  yes\r\n  folded\r\n\r\nSubject: body"
    assert header(content, "Subject") == "yes folded"
    assert header("İ: x\r\nSubject: s\r\n\r\n".encode(), "subject") == "s"      # lowering lengthens 'İ'
    assert header(b"To: a\r\n\r\n", "Subject") is None
