"""What a report produces: tables with typed columns, key figures, chart data, and links to fix things.

A result is plain data (no markup, no URLs): the HTML page, the XLSX and PDF exports, the JSON API and a
stored snapshot all read the same object, so a figure can never differ between them. Values are rounded
when the report builds them (percentages to 0.1, averages to 0.01) for the same reason.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

# Column types and how every output shows them.
TEXT, INT, FLOAT, PERCENT, MARK, DATE = "text", "int", "float", "percent", "mark", "date"
COLUMN_TYPES = (TEXT, INT, FLOAT, PERCENT, MARK, DATE)


@dataclass(frozen=True)
class Column:
    """A column of a table. ``decimals`` applies to float and percent columns; ``width`` is in characters
    (None: measured from the content)."""

    key: str
    title: str
    type: str = TEXT
    decimals: int = 2
    width: int | None = None

    def __post_init__(self) -> None:
        if self.type not in COLUMN_TYPES:
            raise ValueError(f"unknown column type {self.type!r}")


@dataclass(frozen=True)
class Link:
    """Where a flagged cell is fixed: ``kind`` names a target known to ``plugins.reports.links``
    ("journal", "roll_call", "student_card", "report") and ``args`` fill it in."""

    kind: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class Row:
    """One line: ``values`` by column key; ``links`` and cell ``styles`` ("bad", "warn", "good",
    "forecast", or several separated by spaces: "bad forecast") by column key; ``style`` for the whole line ("total"). ``type``/``decimals`` override the
    columns' own for the line's non-text cells: a "Quality, %" line under a grid of marks."""

    values: dict[str, Any]
    links: dict[str, Link] = field(default_factory=dict)
    styles: dict[str, str] = field(default_factory=dict)
    style: str = ""
    type: str = ""
    decimals: int = 2

    def format_of(self, column: Column) -> tuple[str, int]:
        """(type, decimals) of one cell of this line."""
        if self.type and column.type != TEXT:
            return self.type, self.decimals
        return column.type, column.decimals


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)
    totals: list[Row] = field(default_factory=list)
    empty_text: str = ""  # shown when there are no rows ("Nobody is at risk")

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


@dataclass(frozen=True)
class Figure:
    """A key figure shown above the tables ("Качество знаний, %: 54,2")."""

    key: str
    label: str
    value: Any
    type: str = TEXT
    decimals: int = 1


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]


@dataclass(frozen=True)
class Chart:
    """Data for a chart: ``kind`` is "bar" (grouped bars), "stacked" (stacked bars) or "line".
    ``y_min`` starts the value axis above zero where zero means nothing (an average mark)."""

    key: str
    kind: str
    title: str
    labels: list[str]
    series: list[Series]
    unit: str = ""  # "%", "уроков": shown on the value axis
    y_min: float = 0.0
    y_max: float | None = None  # the top of the scale (5 for marks), else rounded up from the data


@dataclass
class ReportResult:
    title: str
    subtitle: str = ""  # what was asked: class, period, settings
    tables: list[Table] = field(default_factory=list)
    summary: list[Figure] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how the figures are counted, shown under the tables

    @classmethod
    def single(cls, title: str, columns: list[Column], rows: list[Row], totals: list[Row] | None = None,
               **kwargs: Any) -> ReportResult:
        """A result with one table: the shape most reports need."""
        return cls(title=title, tables=[Table("main", title, columns, rows, totals or [])], **kwargs)

    @property
    def table(self) -> Table:
        return self.tables[0]

    def figure(self, key: str) -> Figure:
        return next(f for f in self.summary if f.key == key)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (dates as ISO strings): the API answer and the stored snapshot."""
        return _jsonable(asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReportResult:
        def row(r: dict[str, Any]) -> Row:
            return Row(values=r["values"], links={k: Link(**v) for k, v in r.get("links", {}).items()},
                       styles=r.get("styles", {}), style=r.get("style", ""), type=r.get("type", ""),
                       decimals=r.get("decimals", 2))

        tables = [Table(key=t["key"], title=t["title"], columns=[Column(**c) for c in t["columns"]],
                        rows=[row(r) for r in t["rows"]], totals=[row(r) for r in t.get("totals", [])],
                        empty_text=t.get("empty_text", ""))
                  for t in data.get("tables", [])]
        for table in tables:  # dates come back as ISO strings
            date_keys = [c.key for c in table.columns if c.type == DATE]
            for r in table.rows + table.totals:
                for key in date_keys:
                    if isinstance(r.values.get(key), str):
                        r.values[key] = date.fromisoformat(r.values[key])
        return cls(
            title=data["title"], subtitle=data.get("subtitle", ""), tables=tables,
            summary=[Figure(**f) for f in data.get("summary", [])],
            charts=[Chart(key=c["key"], kind=c["kind"], title=c["title"], labels=c["labels"],
                          series=[Series(**s) for s in c["series"]], unit=c.get("unit", ""),
                          y_min=c.get("y_min", 0.0), y_max=c.get("y_max"))
                    for c in data.get("charts", [])],
            notes=list(data.get("notes", [])),
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is not None and not isinstance(value, str | int | float | bool):
        return str(value)  # lazy strings
    return value
