"""Every cmdlet argument is checked as Exchange's parameter type is (issue 20, D4-D6): a Boolean
takes True or False ($true/$false), never the text "no" (which Python takes for True); a number
is a whole number in its range; a wrong type anywhere is one sentence, not a raw exception
from inside the package."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest

from mailflowlab import Lab, scenarios
from mailflowlab.diagrams import hop_diagram
from mailflowlab.errors import LabError
from mailflowlab.header_analyzer import explain
from mailflowlab.headers import HeaderParseError, parse_hops

from .conftest import ALICE, BOB


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    with Lab(scenarios.exchange2013demo(), transport="memory") as running:
        yield running


@pytest.fixture(scope="module")
def sites_lab() -> Iterator[Lab]:
    with Lab(scenarios.three_sites(), transport="memory") as running:
        yield running


def _frontend(lab: Lab) -> Any:
    return next(c for c in lab.org.receive_connectors if c.name == "Default Frontend CA1")


#: (case, call, words the sentence holds). Strings that Python reads as True, and numbers of
#: the wrong kind, each once (D4); then the wrong types that reached code inside the package (D5).
BAD: list[tuple[str, Callable[[Lab, Lab], Any], str]] = [
    ("anonymous_relay='no'", lambda lab, _: lab.new_receive_connector(
        "CA1", "Printer", remote_ip_ranges=["10.0.0.50"], anonymous_relay="no"), "takes True or False"),
    ("enabled='no'", lambda lab, _: lab.set_receive_connector("CA1", "Default Frontend CA1", enabled="no"),
     "-Enabled takes True or False ($true or $false), not 'no'."),
    ("frontend_proxy='no' (New)", lambda lab, _: lab.new_send_connector("Out", frontend_proxy="no"),
     "-FrontendProxyEnabled takes True or False"),
    ("frontend_proxy='no' (Set)", lambda lab, _: lab.set_send_connector("Internet", frontend_proxy="no"),  # type: ignore[arg-type]
     "-FrontendProxyEnabled takes True or False"),
    ("set_hub_site('A', 'no')", lambda _, sites: sites.set_hub_site("A", "no"), "-HubSiteEnabled takes True or False"),  # type: ignore[arg-type]
    ("max_message_size=1.5", lambda lab, _: lab.set_receive_connector("CA1", "Default Frontend CA1",
                                                                       max_message_size=1.5),
     "MaxMessageSize must be a positive number of bytes, like 10485760 for 10 MB, not 1.5."),
    ("a negative link cost", lambda *_: scenarios.three_sites(bc_link_cost=-5),
     "ExchangeCost must be a whole number from 1 to 99,999, not -5."),
    ("parse_hops([None])", lambda *_: parse_hops([None]), "parse_hops reads a message"),  # type: ignore[list-item]
    ("permission_groups=5", lambda lab, _: lab.set_receive_connector("CA1", "Default Frontend CA1",
                                                                      permission_groups=5),
     "-PermissionGroups takes a name or a list of names"),
    ("max_message_size='10MB'", lambda lab, _: lab.set_receive_connector("CA1", "Default Frontend CA1",
                                                                          max_message_size="10MB"),
     "MaxMessageSize must be a positive number of bytes"),
    ("port='25'", lambda lab, _: lab.new_receive_connector("CA1", "Printer", remote_ip_ranges=["10.0.0.50"],
                                                            port="25"), "'25' is not a TCP port"),
    ("New-SendConnector 5", lambda lab, _: lab.new_send_connector(5), "The send connector is named by a string"),  # type: ignore[arg-type]
    ("org.server(5)", lambda lab, _: lab.org.server(5), "A server is named by a string, like 'MB1', not 5."),  # type: ignore[arg-type]
    ("Lab(start='2014-03-04')", lambda *_: Lab(scenarios.exchange2013demo(), start="2014-03-04"),  # type: ignore[arg-type]
     "-start takes a date and time"),
    ("smtp_session(commands=5)", lambda lab, _: lab.smtp_session("CA1", "Default Frontend CA1", 5),  # type: ignore[arg-type]
     "The commands are a string of lines or a list of strings"),
    ("bc_link_cost='cheap'", lambda *_: scenarios.three_sites(bc_link_cost="cheap"),  # type: ignore[arg-type]
     "ExchangeCost must be a whole number"),
    ("hop_diagram(None)", lambda *_: hop_diagram(None), "hop_diagram takes the hops parse_hops gives"),  # type: ignore[arg-type]
    ("hop_diagram([None])", lambda *_: hop_diagram([None]), "hop_diagram takes the hops parse_hops gives"),  # type: ignore[list-item]
    ("explain(5)", lambda *_: explain(5), "explain takes the hops parse_hops gives"),  # type: ignore[arg-type]
    ("explain([None])", lambda *_: explain([None]), "explain takes the hops parse_hops gives"),  # type: ignore[list-item]
    ("a subject with CR/LF", lambda lab, _: lab.send(ALICE, BOB, subject="Hello\r\nBcc: eve@fabrikam.com"),
     "A subject is one line"),
    ("advance(days=3_000_000)", lambda lab, _: lab.advance(days=3_000_000), "dates end with the year 9999"),
]


@pytest.mark.parametrize("case,call,words", BAD, ids=[c for c, _, _ in BAD])
def test_a_wrong_cmdlet_argument_is_one_sentence(lab: Lab, sites_lab: Lab, case: str,
                                                 call: Callable[[Lab, Lab], Any], words: str) -> None:
    with pytest.raises((LabError, HeaderParseError)) as caught:
        call(lab, sites_lab)
    sentence = str(caught.value)
    assert words in sentence
    assert "\n" not in sentence and sentence.endswith(".")


def test_nothing_changed_and_the_shell_s_own_words_are_understood(lab: Lab, sites_lab: Lab) -> None:
    assert _frontend(lab).enabled is True and _frontend(lab).max_message_size == 36 * 1024 * 1024
    assert not any(c.name == "Printer" for c in lab.org.receive_connectors)
    assert not any(c.name in ("Out", "5") for c in lab.org.send_connectors)
    assert not any(s.hub_site for s in sites_lab.org.sites)
    lab.set_receive_connector("CA1", "Default Frontend CA1", enabled="$false")
    assert _frontend(lab).enabled is False
    lab.set_receive_connector("CA1", "Default Frontend CA1", enabled="$TRUE")
    assert _frontend(lab).enabled is True
    assert lab.advance(days=1) > datetime(2014, 3, 5, tzinfo=lab.now().tzinfo)
