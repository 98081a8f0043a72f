"""Tables at the edge: the lab's records shown as text and HTML.

The core hands out typed records (a queue row, a tracking event with a real datetime, a
service's status); a `Table` shows a list of them the way Get-Queue or Get-MessageTrackingLog
prints them: a text grid in a terminal, a test or a notebook's text output, an HTML table in
a notebook. It needs no pandas (a browser has none offline); `to_pandas()` gives a DataFrame
where pandas is installed.

    t = lab.queues()
    t[0].Status                      # a record: attribute access, the cmdlet's field names
    t["Identity"]                    # a column, as a list
    t.where(Status="Retry")          # rows whose Status is "Retry", as a Table
    t.select("Identity", "Status")   # fewer columns
"""
from __future__ import annotations

import dataclasses
import html
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar, overload

R = TypeVar("R")

#: Text cells longer than this are cut with an ellipsis in the text grid; HTML shows them whole.
TEXT_CELL_WIDTH = 60


class TimeSpan(timedelta):
    """A .NET TimeSpan, as a cmdlet prints one: `00:00:02`, `1.02:03:04`, `00:00:01.5000000`."""

    def __str__(self) -> str:
        days, rest = divmod(int(self.total_seconds()), 86400)
        hours, rest = divmod(rest, 3600)
        text = f"{days}." if days else ""
        text += f"{hours:02}:{rest // 60:02}:{rest % 60:02}"
        return text + (f".{self.microseconds * 10:07}" if self.microseconds else "")


def format_cell(value: object) -> str:
    """One cell as Exchange's cmdlets print it: times to the second, lists joined with ';'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, TimeSpan):
        return str(value)
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, float):
        return f"{value:g}"                    # Velocity: 0, -0.02
    if isinstance(value, (list, tuple)):
        return ";".join(format_cell(v) for v in value)
    return str(value)


def format_duration(delta: timedelta) -> str:
    """A wait with its unit: '0 s', '1 s', '5 min', '4 h 0 min 1 s', '2 d'."""
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size} {unit}")
            seconds %= size
    return " ".join(parts)


def _fields(record: object) -> list[str]:
    if dataclasses.is_dataclass(record):
        return [f.name for f in dataclasses.fields(record)]
    if isinstance(record, Mapping):
        return [str(k) for k in record]
    raise TypeError(f"a Table row must be a dataclass or a mapping, not {type(record).__name__}")


def _get(record: object, column: str) -> object:
    if isinstance(record, Mapping):
        return record.get(column)
    return getattr(record, column, None)


class Table(Generic[R]):
    """Records with named columns; shows itself as text and as HTML."""

    def __init__(self, rows: Iterable[R], columns: Sequence[str] | None = None) -> None:
        self.rows: list[R] = list(rows)
        if columns is None:
            columns = _fields(self.rows[0]) if self.rows else []
        self.columns: tuple[str, ...] = tuple(columns)

    # --- a sequence of records ------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[R]:
        return iter(self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)

    @property
    def empty(self) -> bool:
        return not self.rows

    @overload
    def __getitem__(self, key: int) -> R: ...
    @overload
    def __getitem__(self, key: slice) -> Table[R]: ...
    @overload
    def __getitem__(self, key: str) -> list[Any]: ...

    def __getitem__(self, key: int | slice | str) -> R | Table[R] | list[Any]:
        """A row by position, rows by slice, or a column's values by name."""
        if isinstance(key, str):
            if key not in self.columns:
                raise KeyError(f"No column '{key}'. Columns: {', '.join(self.columns)}.")
            return [_get(r, key) for r in self.rows]
        if isinstance(key, slice):
            return Table(self.rows[key], self.columns)
        return self.rows[key]

    def where(self, predicate: Callable[[R], bool] | None = None, **equals: object) -> Table[R]:
        """The rows for which `predicate` holds and each named column equals its value."""
        for name in equals:
            if name not in self.columns:
                raise KeyError(f"No column '{name}'. Columns: {', '.join(self.columns)}.")
        return Table([r for r in self.rows
                      if (predicate is None or predicate(r))
                      and all(_get(r, k) == v for k, v in equals.items())], self.columns)

    def select(self, *columns: str) -> Table[R]:
        """The same rows showing only these columns (in this order)."""
        missing = [c for c in columns if c not in self.columns]
        if missing:
            raise KeyError(f"No column '{missing[0]}'. Columns: {', '.join(self.columns)}.")
        return Table(self.rows, columns)

    def to_pandas(self) -> Any:
        """A pandas DataFrame of the shown columns (needs pandas)."""
        import pandas  # optional: the lab itself never needs it

        return pandas.DataFrame([{c: _get(r, c) for c in self.columns} for r in self.rows],
                                columns=list(self.columns))

    # --- showing it -------------------------------------------------------------------------
    def text(self, width: int | None = TEXT_CELL_WIDTH) -> str:
        """A left-aligned text grid; cells over `width` characters end in '…'."""
        if not self.columns:
            return "(no columns)"
        cells = [[format_cell(_get(r, c)).replace("\n", " ") for c in self.columns] for r in self.rows]
        if width is not None:
            cells = [[v if len(v) <= width else v[:width - 1] + "…" for v in row] for row in cells]
        widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(self.columns)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(self.columns, widths, strict=True)).rstrip(),
                 "  ".join("-" * w for w in widths)]
        lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells]
        if not cells:
            lines.append("(none)")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(format_cell(_get(r, c)))}</td>"
                                        for c in self.columns) + "</tr>" for r in self.rows)
        if not self.rows:
            body = f'<tr><td colspan="{max(len(self.columns), 1)}"><em>(none)</em></td></tr>'
        return (f'<table class="mfl-table" style="text-align:left"><thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table>")
