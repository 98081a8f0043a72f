"""Generated header blocks (hypothesis): the analyzer answers every paste with hops or a
sentence, and nothing pasted turns into markup or a link in the widget (issue 13, D9)."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailflowlab import hop_diagram, parse_hops
from mailflowlab.dot import MAX_LINE, dot_label
from mailflowlab.header_analyzer import explain
from mailflowlab.header_fields import read_fields
from mailflowlab.headers import HeaderParseError
from mailflowlab.ui.header_analyzer import header_analyzer

#: What broke the analyzer, or could smuggle markup into its diagram.
NASTY = [
    "host\\", "mx\\\\\\", "<b>x</b>", "<<b>x</b>>", "a" * 16384, "\ud800", "x\udfffy", '"', '\\"', "\\N", "\\G",
    "\\l", "{", "}", "->", "--", "];", "&amp;", "&#106;avascript:", "javascript:alert(1)",
    '<<table href="javascript:alert(1)"><tr><td>x</td></tr></table>>', "<img/src=x/onerror=alert(1)>",
    "<script>alert(1)</script>", "\x00", "\x1b[31m", "graph", "node", "\u202e", "ĉu.example", "[IPv6:::1]",
    "(", ")", "((a)", "Received:", "from", "by", ";", "1" * 5000 + ".0", "15." + "9" * 5000,
]
DATES = [
    "Tue, 4 Mar 2014 10:00:00 +1000", "Tue, 4 Mar 99999999999999999999 10:00:00 +0000",
    "Fri, 31 Dec 9999 23:59:59 -2359", "Mon, 1 Jan 0001 00:00:00 +2359", "32 Foo 2014 99:99:99 +9999", "",
]
word = st.one_of(st.sampled_from(NASTY), st.from_regex(r"[A-Za-z0-9.-]{1,30}", fullmatch=True),
                 st.text(max_size=20), st.ip_addresses().map(str))
ip = st.one_of(st.ip_addresses().map(lambda a: f"({a})"), st.ip_addresses().map(lambda a: f"([{a}])"),
               word.map(lambda w: f"({w})"), st.just(""))
clause = st.one_of(
    st.tuples(st.just("from"), word, ip), st.tuples(st.just("by"), word, ip),
    st.tuples(st.just("with"), st.one_of(st.just("Microsoft SMTP Server (TLS)"), st.just("mapi"), word)),
    st.tuples(st.just("id"), st.one_of(st.just("15.0.847.32"), word)),
    st.tuples(st.just("via"), st.one_of(st.just("Frontend Transport"), st.just("Mailbox Transport"), word)),
    st.tuples(word),
)
received = st.builds(lambda clauses, date: "Received: " + " ".join(" ".join(c) for c in clauses) + "; " + date,
                     st.lists(clause, max_size=7), st.one_of(st.sampled_from(DATES), st.text(max_size=30)))
#: Exchange Online's field headers with generated fields and values: `NAME:value;` and `k=v (c)`.
eop_field = st.builds(
    lambda name, items: f"{name}: " + "".join(items),
    st.sampled_from(["X-Forefront-Antispam-Report", "X-Microsoft-Antispam", "Authentication-Results",
                     "X-MS-Exchange-Organization-SCL", "X-MS-Exchange-CrossTenant-AuthAs"]),
    st.lists(st.one_of(st.builds("{}:{};".format, word, word), st.builds("{}={} ({}); ".format, word, word, word),
                       word), max_size=6))
block = st.one_of(st.lists(received, min_size=1, max_size=5).map("\n".join),
                  st.lists(st.one_of(received, eop_field, st.text(max_size=80)), max_size=6).map("\n".join))

#: The elements Graphviz writes in an SVG; anything else came from a paste. An `a` carries a
#: node's tooltip (`xlink:title`) and nothing else: no link.
SVG_ELEMENTS = {"svg", "g", "title", "polygon", "path", "text", "ellipse", "polyline", "a"}
XLINK_TITLE = "{http://www.w3.org/1999/xlink}title"


def _svg_is_inert(svg: str) -> None:
    root = ET.fromstring(svg)                 # well-formed: pasted text did not break the markup
    for element in root.iter():
        assert element.tag.rpartition("}")[2] in SVG_ELEMENTS, element.tag
        if element.tag.endswith("}a"):
            assert set(element.attrib) == {XLINK_TITLE}, element.attrib
        for name in element.attrib:                # no link, no source, no event handler
            local = name.rpartition("}")[2].lower()
            assert "href" not in local and local != "src" and not local.startswith("on"), name


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(block)
def test_any_paste_gives_hops_or_a_sentence_and_a_safe_diagram(text: str) -> None:
    assert all(r.Meaning and r.Source for r in read_fields(text))      # every field read, none dropped
    try:
        hops = parse_hops(text)
    except HeaderParseError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    explain(hops)
    _svg_is_inert(hop_diagram(hops).pipe(format="svg", encoding="utf-8"))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.sampled_from(NASTY), min_size=1, max_size=4))
def test_the_widget_shows_pasted_markup_as_text(hosts: list[str]) -> None:
    text = "\n".join(f"Received: from {h} by {h}x with SMTP; {DATES[0]}" for h in hosts)
    shown = header_analyzer(text).children[2].value
    for host in hosts:
        assert "<" not in host or host not in shown         # pasted markup is shown as text, escaped
    assert not re.search(r"""(href|src)\s*=\s*["']?\s*javascript:""", shown, re.I)


def test_dot_label_disarms_escapes_markup_and_long_tokens() -> None:
    assert dot_label("host\\") == "host\\\\"
    assert dot_label("a" * 16384).endswith("…") and len(dot_label("a" * 16384)) == MAX_LINE
    assert dot_label("\ud800\x00") == "\ufffd\ufffd"
    assert type(dot_label("<b>x</b>")).__name__ == "NoHtml"     # graphviz quotes it as a string, not HTML
    assert dot_label("MB2.exchange2013demo.com", "10.0.0.12") == "MB2.exchange2013demo.com\n10.0.0.12"


def test_the_issue_s_tracebacks_are_gone() -> None:
    for host in ("host\\", "<b>x</b>", "a" * 16384, "\ud800"):
        hops = parse_hops(f"Received: from {host} by mx with SMTP; Tue, 4 Mar 2014 10:00:00 +0000")
        _svg_is_inert(hop_diagram(hops).pipe(format="svg", encoding="utf-8"))
    assert parse_hops("Received: from a by b; Tue, 4 Mar 99999999999999999999 10:00:00 +0000")[0].time is None
    digits = parse_hops("Received: from a by b with Microsoft SMTP Server id " + "1" * 5000 + ".0; x")
    assert list(explain(digits)["Stamped by"]) == ["not Exchange"]
