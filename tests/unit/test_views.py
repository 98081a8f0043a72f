"""`Table` alone: records in, the cmdlet-like text grid and HTML out, no lab needed."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from mailflowlab.views import Table, format_cell


@dataclass(frozen=True)
class Row:
    Identity: str
    Status: str
    MessageCount: int


ROWS = [Row("MB1\\3", "Retry", 2), Row("MB1\\Submission", "Ready", 0)]


def test_a_table_reads_its_columns_from_the_records_and_prints_a_grid() -> None:
    table = Table(ROWS)
    assert table.columns == ("Identity", "Status", "MessageCount")
    assert table.text().splitlines() == [
        "Identity        Status  MessageCount",
        "--------------  ------  ------------",
        "MB1\\3           Retry   2",
        "MB1\\Submission  Ready   0",
    ]


def test_rows_columns_where_and_select() -> None:
    table = Table(ROWS)
    assert table[0] is ROWS[0] and table["Status"] == ["Retry", "Ready"]
    assert list(table.where(Status="Retry")) == [ROWS[0]]
    assert list(table.where(lambda r: r.MessageCount == 0)) == [ROWS[1]]
    assert table.select("Status").text().splitlines()[0] == "Status"
    assert len(table[1:]) == 1 and table[1:].columns == table.columns


def test_an_unknown_column_is_named_with_the_columns_there_are() -> None:
    table = Table(ROWS)
    for attempt in (lambda: table["Size"], lambda: table.where(Size=1), lambda: table.select("Size")):
        with pytest.raises(KeyError) as caught:
            attempt()
        assert caught.value.args[0] == "No column 'Size'. Columns: Identity, Status, MessageCount."


def test_cells_print_as_the_cmdlets_print_them() -> None:
    assert format_cell(None) == ""
    assert format_cell(datetime(2014, 3, 4, 9, 5, 7)) == "2014-03-04 09:05:07"
    assert format_cell(["bob@x", "carol@x"]) == "bob@x;carol@x"
    assert format_cell(timedelta(seconds=346)) != ""


def test_a_long_cell_is_cut_in_text_and_whole_in_html() -> None:
    table = Table([{"Data": "x" * 70 + "<b>"}], ["Data"])
    assert table.text().splitlines()[2] == "x" * 59 + "…"
    assert "x" * 70 + "&lt;b&gt;" in table._repr_html_()          # escaped, never markup


def test_an_empty_table_says_none() -> None:
    empty: Table[Row] = Table([], ["Identity"])
    assert not empty and empty.empty
    assert empty.text().splitlines()[-1] == "(none)"
    assert "<em>(none)</em>" in empty._repr_html_()
    assert Table([]).text() == "(no columns)"
