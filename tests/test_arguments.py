"""Every bad argument a learner can pass gets a LabError with one sentence, never a raw
Python exception (issue 13, D12): a table of bad inputs against the validators of `arguments`."""
from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from mailflowlab import arguments, scenarios
from mailflowlab.errors import LabError

HUGE = 10 ** 400

#: Recipients a learner might pass, each with words the sentence about it must hold.
BAD_RECIPIENTS: list[tuple[object, str]] = [
    ([], "at least one recipient"), ((), "at least one recipient"), (None, "not None"), (7, "not 7"),
    ({"bob@x.com": 1}, "not {"), (iter(["bob@x.com"]), "not <list_iterator"), (["bob@x.com", None], "not None"),
    (["bob@x.com", "a@@b"], "5.1.3"), ([["bob@x.com"]], "not ['bob@x.com']"),
]

BAD: list[tuple[str, Callable[[], Any], str]] = [
    # (case, call, words the sentence must hold)
    *[(f"recipient {v!r}", lambda v=v: arguments.address(v), w) for v, w in [
        (None, "not None"), (25, "not 25"), (2.5, "not 2.5"), (b"bob@x.com", "not b'bob@x.com'"),
        (["bob@x.com"], "e-mail address like"), ({"bob": 1}, "e-mail address like"), (object(), "not <object"),
        ("", "5.1.3 Invalid recipient address"), ("bob", "expected name@domain"), ("@x.com", "expected name@domain"),
        ("bob@", "expected name@domain"), ("a@@b", "5.1.3"), ("bob>@x.com", "5.1.3"), ("<bob@x.com>", "5.1.3"),
        ("bob @x.com", "5.1.3"), ("bob@x .com", "5.1.3"), ("bob@x..com", "5.1.3"), (".bob@x.com", "5.1.3"),
        ("bob.@x.com", "5.1.3"), ("bo..b@x.com", "5.1.3"), ("bob@-x.com", "5.1.3"), ("bob@x-.com", "5.1.3"),
        ("bob@x.com.", "5.1.3"), ("bob@[10.0.0.1]", "5.1.3"), ("bøb@x.com", "no SMTPUTF8"),
        ("bob@exämple.com", "no SMTPUTF8"), ("björn@exchange2013demo.com", "outside ASCII"),
        ("\ud800@x.com", "outside ASCII"), ("bob\r\n@x.com", "5.1.3"), ("bob\x00@x.com", "5.1.3"),
        ("b(ob)@x.com", "5.1.3"), ("bob,carol@x.com", "5.1.3"), ("bob@x.com;carol@x.com", "5.1.3"),
        ("a" * 65 + "@x.com", "longer than SMTP allows"), ("bob@" + "x" * 260 + ".com", "longer than SMTP allows"),
        ("bob@" + "x" * 64 + ".com", "5.1.3"),
    ]],
    ("sender None", lambda: arguments.address(None, "sender"), "The sender must be an e-mail address"),
    ("sender a@@b", lambda: arguments.address("a@@b", "sender"), "5.1.7 Invalid address"),
    ("sender ''", lambda: arguments.address("", "sender"), "5.1.7 Invalid address"),
    *[(f"recipients {v!r}", lambda v=v: arguments.recipients(v), w) for v, w in BAD_RECIPIENTS],
    *[(f"{kind} name {v!r}", lambda v=v, kind=kind: arguments.name(v, kind), w) for kind, v, w in [
        ("server", None, "not None"), ("server", 1, "not 1"), ("server", ["MB1"], "not ['MB1']"),
        ("server", "", "an empty one names nothing"), ("server", "   ", "an empty one names nothing"),
        ("service", None, "The service is named by a string"), ("service", 3.0, "not 3.0"),
        ("service", b"Transport", "not b'Transport'"), ("connector", None, "The connector is named"),
        ("connector", ("Default Frontend CA1",), "not ('Default Frontend CA1',)"), ("queue", 42, "The queue is named"),
    ]],
    *[(f"{field}={v!r}", lambda v=v, field=field: arguments.text(v, field), w) for field, v, w in [
        ("subject", 123, "write subject='123'"), ("subject", None, "not None"), ("subject", b"Hi", "not b'Hi'"),
        ("subject", ["Hi"], "is text"), ("body", 3.14, "write body='3.14'"), ("body", None, "The body is text"),
        ("body", b"hello", "not b'hello'"),
    ]],
    *[(f"advance({k}={v!r:.20})", lambda k=k, v=v: arguments.duration(**{k: v}), w) for k, v, w in [
        ("minutes", math.nan, "finite number, not nan"), ("minutes", math.inf, "finite number, not inf"),
        ("hours", -math.inf, "finite number"), ("minutes", "5", "minutes=5, not '5'"), ("days", None, "not None"),
        ("seconds", True, "takes a number"), ("minutes", False, "takes a number"), ("minutes", -1, "only moves forward"),
        ("seconds", -0.5, "only moves forward"), ("days", 1e12, "further than virtual time can go"),
        ("days", HUGE, "further than virtual time can go"), ("hours", [1], "takes a number"),
        ("minutes", timedelta(minutes=5), "takes a number"), ("minutes", 1 + 2j, "takes a number"),
    ]],
    ("Lab(None)", lambda: arguments.organization(None), "Lab(scenarios.exchange2013demo())"),
    ("Lab('exchange2013demo')", lambda: arguments.organization("exchange2013demo"),
     "not the text 'exchange2013demo': write Lab(scenarios.exchange2013demo())"),
    ("Lab('exchange2010demo')", lambda: arguments.organization("exchange2010demo"), "Lab(scenarios.exchange2010demo())"),
    ("Lab('no such')", lambda: arguments.organization("no such"), "Lab(scenarios.exchange2013demo())"),
    ("Lab(scenarios)", lambda: arguments.organization(scenarios), "not <module"),
    ("Lab(scenarios.exchange2013demo)", lambda: arguments.organization(scenarios.exchange2013demo), "not <function"),
    *[(f"port {v!r}", lambda v=v: arguments.port(v, "--port"), w) for v, w in [
        (0, "leave the option out"), (70000, "from 1 to 65535, not 70000"), (-1, "not -1"), ("25", "not '25'"),
        (True, "not True"), (None, "not None"),
    ]],
    *[(f"ip {v!r}", lambda v=v: arguments.ip_address(v, "--client-ip"), w) for v, w in [
        ("notanip", "not 'notanip'"), ("", "not ''"), ("203.0.113.500", "IP address like"), (None, "not None"),
        (3405803826, "not 3405803826"), ("10.0.0.1/24", "IP address like"),
    ]],
]


def test_the_table_is_classroom_sized() -> None:
    assert len(BAD) >= 76


@pytest.mark.parametrize("case,call,words", BAD, ids=[c for c, _, _ in BAD])
def test_a_bad_argument_is_one_sentence(case: str, call: Callable[[], Any], words: str) -> None:
    with pytest.raises(LabError) as caught:
        call()
    sentence = str(caught.value)
    assert words in sentence
    assert "\n" not in sentence and sentence.endswith((".", ")")) and len(sentence) < 300
    assert caught.value.__suppress_context__ or caught.value.__context__ is None   # no second traceback


GOOD: list[tuple[Callable[[], Any], Any]] = [
    (lambda: arguments.address("bob@exchange2013demo.com"), "bob@exchange2013demo.com"),
    (lambda: arguments.address("o'brien+news@mail.fabrikam.com"), "o'brien+news@mail.fabrikam.com"),
    (lambda: arguments.recipients("bob@x.com"), ["bob@x.com"]),
    (lambda: arguments.recipients(("bob@x.com", "carol@x.com")), ["bob@x.com", "carol@x.com"]),
    (lambda: arguments.name("MB1", "server"), "MB1"),
    (lambda: arguments.text("", "subject"), ""),
    (lambda: arguments.duration(minutes=10, seconds=0.5), timedelta(minutes=10, seconds=0.5)),
    (lambda: arguments.duration(), timedelta(0)),
    (lambda: arguments.port(2525), 2525),
    (lambda: arguments.ip_address("2001:db8::1"), "2001:db8::1"),
]


@pytest.mark.parametrize("call,expected", GOOD)
def test_good_arguments_pass_through(call: Callable[[], Any], expected: Any) -> None:
    assert call() == expected


def test_an_organization_passes_through() -> None:
    org = scenarios.exchange2013demo()
    assert arguments.organization(org) is org


def test_lab_error_is_still_importable_from_lab() -> None:
    from mailflowlab.lab import LabError as FromLab
    assert FromLab is LabError
