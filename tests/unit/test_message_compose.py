"""`message.compose` writes Outlook's message without the email package for plain text; its
bytes must be exactly what the email package writes (`compose_with_email`), for any input."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailflowlab import message
from mailflowlab.message import compose, compose_with_email

DATE = "Tue, 4 Mar 2014 09:00:00 +1000"
MESSAGE_ID = "<0f1e2d3c4b5a69788796a5b4c3d2e1f0@MB1.exchange2013demo.com>"

#: Characters that matter to headers and bodies: specials, spaces, controls, non-ASCII, `=?`.
TRICKY = st.sampled_from(list("aZ09 .,;:\"'()<>@[]\\=?_-\t\r\n\x0b\x0cé€\u2028") + ["=?utf-8?q?x?=", "  "])
TEXT = st.lists(st.one_of(TRICKY, st.text(max_size=3)), max_size=12).map("".join)
WORDS = st.from_regex(r"[A-Za-z0-9]{1,8}( [A-Za-z0-9]{1,8}){0,3}", fullmatch=True)
ADDRESS = st.sampled_from(["bob@exchange2013demo.com", "first.last@contoso.com", "a+b@x-y.example",
                           "o'brien@fabrikam.com", "x{y}@sub.domain.example"])


def _written(how: object, *args: object) -> bytes | str:
    """The bytes written, or the kind of error raised (the email package refuses a CR in a header
    and fails on some odd display names, such as '.')."""
    try:
        return how(*args)  # type: ignore[operator, no-any-return]
    except Exception as exc:
        return type(exc).__name__


def test_the_common_message_takes_the_direct_path() -> None:
    args = ("Alice Wood", "alice@exchange2013demo.com", ["bob@exchange2013demo.com"], "Hello", DATE, MESSAGE_ID,
            "Hi Bob,\nsee you at 10.\n")
    assert compose(*args) == compose_with_email(*args)
    assert compose(*args).startswith(b"From: Alice Wood <alice@exchange2013demo.com>\r\nTo: bob@exchange2013demo.com\r\n")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.one_of(WORDS, TEXT.filter(str.strip)), sender=ADDRESS, rcpts=st.lists(ADDRESS, min_size=1, max_size=4),
       subject=st.one_of(WORDS, TEXT), body=st.one_of(WORDS, TEXT))
def test_compose_is_byte_identical_to_the_email_package(name: str, sender: str, rcpts: list[str], subject: str,
                                                         body: str) -> None:
    args = (name, sender, rcpts, subject, DATE, MESSAGE_ID, body)
    assert _written(compose, *args) == _written(compose_with_email, *args)


def test_long_lines_and_many_recipients_are_identical_too() -> None:
    many = [f"user{i}@exchange2013demo.com" for i in range(60)]
    for subject, body in (("s" * 1200, "b"), ("x " * 470, "line\n" * 3), ("ok", "y" * 950), ("ok", "y" * 1200)):
        assert compose("Alice", "alice@exchange2013demo.com", many, subject, DATE, MESSAGE_ID, body) == \
            compose_with_email("Alice", "alice@exchange2013demo.com", many, subject, DATE, MESSAGE_ID, body)
    assert message._SHORT < 998
