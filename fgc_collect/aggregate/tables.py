"""The national tables: coverage, the funnel, who gets an FGC, why not, and estimates for England.

Each table has a row for England, each region and each LA (the estimates: England and regions),
in the layout of DfE's Explore Education Statistics (EES). A cell is built from the ledger's keys,
so disclosure control acts on every table at once; rendering turns a cell into the text the CSV
shows: a figure, or a GSS symbol (c suppressed, x not available, z not applicable, low rounds to
zero). Only figures LAs provided count: a blank item or breakdown is "not provided" and the LA is
left out of that figure and its denominator (never read as 0), and in a table of related counts (the
FGDM duty) of every regional and England figure of the table; the coverage notes list them.

Pure: records in, polars frames of text out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

from fgc_collect.aggregate.audit import Relation, audit_relations
from fgc_collect.aggregate.catalogue import Catalogue, CountTable, Reasons, catalogue
from fgc_collect.aggregate.estimate import (
    AUXILIARIES, AUXILIARY_LABELS, CAVEAT, Estimate, Unit, auxiliary_values, ratio_estimates,
)
from fgc_collect.aggregate.ledger import LA_LEVEL, NATIONAL_LEVEL, REGION_LEVEL, Key, Ledger
from fgc_collect.aggregate.records import Inputs, LARecord
from fgc_collect.aggregate.suppress import DEFAULT_THRESHOLD, Protection, ProtectionError, protect
from fgc_collect.reference import LocalAuthority
from fgc_collect.spec import Item, Spec, load_spec

SUPPRESSED, NOT_AVAILABLE, NOT_APPLICABLE, LOW = "c", "x", "z", "low"
SYMBOLS = {
    SUPPRESSED: "confidential: suppressed to protect children and families (a count from 1 to the threshold, "
                "or a count that would let one be worked out), or a figure built on one",
    NOT_AVAILABLE: "not available: the LA sent no usable return, or did not provide this figure",
    NOT_APPLICABLE: "not applicable: the LA had no FGC service, or a rate's denominator is 0, or an interval for a "
                    "total that is a count (every LA's figure is known)",
    LOW: "rounds to 0 but is not 0, or a rate built on such a count (only when counts are rounded)",
}

COUNTRY_CODE, COUNTRY_NAME = "E92000001", "England"
NATIONAL, REGIONAL, LOCAL = "National", "Regional", "Local authority"
GEOGRAPHY_COLUMNS = ("time_period", "time_identifier", "geographic_level", "country_code", "country_name",
                     "region_code", "region_name", "old_la_code", "new_la_code", "la_name")
TIME_IDENTIFIER = "Financial year"

@dataclass(frozen=True)
class Config:
    """Publication settings: the suppression threshold (counts 1 to threshold are suppressed at
    LA and regional level), rounding of published counts (None: unrounded; rates, percentages and
    estimates are then computed from the rounded counts), the auxiliary variable of the estimates."""

    threshold: int = DEFAULT_THRESHOLD
    round_to: int | None = None
    auxiliary: str = "population"
    min_interval_las: int = 5  # fewer known LAs in a region: no interval (x)

    def __post_init__(self) -> None:
        if self.threshold < 1:
            raise ValueError("the suppression threshold must be a whole number of at least 1")
        if self.round_to is not None and self.round_to < 1:
            raise ValueError("counts can only be rounded to a whole number of at least 1")
        if self.auxiliary not in AUXILIARY_LABELS:
            raise ValueError(f"the auxiliary variable must be one of {', '.join(AUXILIARY_LABELS)}")


@dataclass(frozen=True)
class Geo:
    level: str
    code: str
    name: str
    members: tuple[str, ...]  # LA codes in the area
    la: LocalAuthority | None = None
    region_code: str = ""
    region_name: str = ""

    @property
    def rank(self) -> int:
        return {NATIONAL: NATIONAL_LEVEL, REGIONAL: REGION_LEVEL, LOCAL: LA_LEVEL}[self.level]


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    unit: str = ""
    dp: int | None = None  # None: a whole number (or text)
    hint: str = ""
    grouping: str = ""  # a filter's filter_grouping_column / an indicator's indicator_grouping
    count: bool = False  # a count of children or families (rounded when rounding is on)
    text: bool = False  # text, not a figure (a provider's name)


@dataclass(frozen=True)
class Cell:
    value: float | int | str | None
    symbol: str = NOT_AVAILABLE  # shown when value is None
    inputs: tuple[Key, ...] = ()  # the counts this figure reveals: c if any is suppressed
    low: bool = False  # a count that rounds to 0 but is not 0 (value is then 0)


@dataclass
class Row:
    geo: Geo
    filters: tuple[str, ...]
    cells: dict[str, Cell]


@dataclass
class Table:
    name: str  # file stem, e.g. fgc_funnel
    title: str
    description: str
    filters: list[Column]
    indicators: list[Column]
    rows: list[Row] = field(default_factory=list)
    levels: tuple[str, ...] = (NATIONAL, REGIONAL, LOCAL)

    @property
    def geography_columns(self) -> tuple[str, ...]:
        if LOCAL in self.levels:
            return GEOGRAPHY_COLUMNS
        return GEOGRAPHY_COLUMNS[:7]

    @property
    def meta_filters(self) -> list[Column]:
        """The filters the metadata lists: all of them, a filter group too (DfE's screener wants
        every filter group declared as a filter of its own)."""
        return list(self.filters)

    @property
    def columns(self) -> list[str]:
        return [*self.geography_columns, *(c.name for c in self.filters), *(c.name for c in self.indicators)]


@dataclass
class NationalTables:
    """Everything `publish` writes, before it is written."""

    spec: Spec
    config: Config
    inputs: Inputs
    ledger: Ledger
    protection: Protection
    tables: list[Table]
    frames: dict[str, pl.DataFrame]
    notes: list  # of aggregate.notes.Note
    estimates: dict[str, dict[str, Estimate]]
    # every year published (this one included), year -> its tables: the EES files hold them all
    series: dict[str, NationalTables] = field(default_factory=dict)

    @property
    def year(self) -> str:
        return self.spec.year

    def previous(self) -> NationalTables | None:
        """The year before's tables, when they are published with these."""
        first = int(self.year[:4]) - 1
        return self.series.get(f"{first}-{(first + 1) % 100:02d}")

    @property
    def catalogue(self) -> Catalogue:
        """Which items make which tables, with their columns and labels (from the spec)."""
        return catalogue(self.spec)

    def frame(self, name: str) -> pl.DataFrame:
        return self.frames[name]

    def table(self, name: str) -> Table:
        return next(table for table in self.tables if table.name == name)

    def area_frame(self, table: str, area: str = COUNTRY_CODE) -> pl.DataFrame:
        """A table's rows for an area (LA, region or England code)."""
        frame = self.frames[table]
        if area == COUNTRY_CODE:
            return frame.filter(pl.col("geographic_level") == NATIONAL)
        if area.startswith("E12"):
            return frame.filter((pl.col("geographic_level") == REGIONAL) & (pl.col("region_code") == area))
        return frame.filter((pl.col("geographic_level") == LOCAL) & (pl.col("new_la_code") == area))

    def value(self, table: str, column: str, area: str = COUNTRY_CODE, **filters: str) -> str:
        """The text a table shows for an area (LA, region or England code) and filter values
        (a filter not given is its Total)."""
        frame = self.area_frame(table, area)
        names = [f.name for f in self.table(table).filters]
        for name in names:  # a filter not named: its Total
            frame = frame.filter(pl.col(name) == filters.get(name, "Total"))
        for name in set(filters) - set(names):
            frame = frame.filter(pl.col(name) == filters[name])
        if frame.height != 1:
            raise KeyError(f"{table}: {frame.height} rows for {area} {filters}")
        return frame[column][0]


def time_period(spec: Spec) -> str:
    """EES's six-digit financial year: 202324 for 2023-24."""
    return f"{spec.period_start.year}{str(spec.period_end.year)[-2:]}"


def geographies(las: Sequence[LocalAuthority]) -> list[Geo]:
    regions = list(dict.fromkeys((la.region_code, la.region_name) for la in las))
    geos = [Geo(NATIONAL, COUNTRY_CODE, COUNTRY_NAME, tuple(la.code for la in las))]
    for code, name in regions:
        members = tuple(la.code for la in las if la.region_code == code)
        geos.append(Geo(REGIONAL, code, name, members, region_code=code, region_name=name))
    for la in las:
        geos.append(Geo(LOCAL, la.code, la.name, (la.code,), la, la.region_code, la.region_name))
    return geos


# --------------------------------------------------------------------------------- building


class _Builder:
    def __init__(self, inputs: Inputs, config: Config, spec: Spec):
        self.inputs, self.config, self.spec = inputs, config, spec
        self.cat = catalogue(spec)
        self.las = inputs.las
        self.records = inputs.by_code
        self.geos = geographies(self.las)
        self.notes: list[str] = []
        self.unusable_breakdowns: dict[str, list[tuple[str, str]]] = {}
        self._used: dict[str, list[LARecord]] = {}
        self._active: dict[str, list[str]] = {}
        self._none: dict[str, list[str]] = {}
        self._providers: dict[tuple[tuple[str, ...], str], frozenset[str]] = {}
        self.equity: list[tuple[dict[str, Cell], Geo, list[Item], int]] = []  # intervals to fill in
        self.ledger = Ledger({la.code: la.region_code for la in self.las}, with_unknowns(self._la_values(), spec))
        self._add_return_inequalities()

    # --- what each LA provided
    def _la_values(self) -> dict[tuple[str, str], int]:
        values: dict[tuple[str, str], int] = {}
        for record in self.records.values():
            if record.service == "N":
                continue  # no service: every count is 0, and shown as z
            for item in self.spec.counts:
                figure = record.figure(item.id)
                if figure is not None:
                    values[(item.id, record.la.code)] = figure
            for item in self.spec.breakdowns:
                figures = [record.figure(cell.id) for cell in item.cells]
                total = record.figure(item.total)
                if any(f is None for f in figures):
                    if any(f is not None for f in figures):
                        self.unusable_breakdowns.setdefault(item.id, []).append((record.la.code, "partly blank"))
                    continue
                if total is not None and sum(figures) != total:
                    self.unusable_breakdowns.setdefault(item.id, []).append(
                        (record.la.code, f"adds up to {sum(figures)}, not {total}"))
                    continue
                if total is None:
                    continue
                for cell, figure in zip(item.cells, figures):
                    values[(cell.id, record.la.code)] = figure
        return values

    def _add_return_inequalities(self) -> None:
        """The rules every used return passes are known to readers too: each error of a return that
        compares counts (FGC104, FGC105; from 2024-25 FGC113, C12 + C13 <= C11; a survey's own)."""
        comparisons = []
        for rule in self.spec.rules:
            if rule.severity != "error" or rule.level != "aggregate" or rule.scope != "return":
                continue
            try:
                comparisons += self.spec.comparisons(rule.code)
            except ValueError:  # not a list of comparisons ("every breakdown", "A5 == N")
                continue
        for code in sorted({code for _, code in self.ledger.la_values}):
            for comparison in comparisons:
                items = comparison.left + comparison.right
                if not all(self.ledger.provided(item, code) for item in items):
                    continue
                left = [self.ledger.count(item, (code,), LA_LEVEL) for item in comparison.left]
                right = [self.ledger.count(item, (code,), LA_LEVEL) for item in comparison.right]
                figures = {item: self.ledger.la_values[(item, code)] for item in items}
                if not comparison.holds(figures):
                    continue
                if comparison.op == "<=":
                    self.ledger.inequality(left, right)
                else:
                    self.ledger.inequality(right, left)

    # --- who is where (memoised: asked for every cell)
    def used(self, geo: Geo) -> list[LARecord]:
        found = self._used.get(geo.code)
        if found is None:
            found = self._used[geo.code] = [self.records[code] for code in geo.members if code in self.records]
        return found

    def active(self, geo: Geo) -> list[str]:
        """Used LAs in the area that did not say they had no service."""
        found = self._active.get(geo.code)
        if found is None:
            found = self._active[geo.code] = [r.la.code for r in self.used(geo) if r.service != "N"]
        return found

    def no_service(self, geo: Geo) -> list[str]:
        found = self._none.get(geo.code)
        if found is None:
            found = self._none[geo.code] = [r.la.code for r in self.used(geo) if r.service == "N"]
        return found

    def providers(self, items: Sequence[str], geo: Geo) -> frozenset[str]:
        """The area's active LAs that provided every one of items (memoised)."""
        signature = (tuple(items), geo.code)
        found = self._providers.get(signature)
        if found is None:
            found = self._providers[signature] = self.ledger.providers(items, self.active(geo))
        return found

    def absent_symbol(self, geo: Geo) -> str:
        """The symbol for a figure an area does not have."""
        if geo.level == LOCAL:
            record = self.records.get(geo.code)
            if record is not None and record.service == "N":
                return NOT_APPLICABLE
        return NOT_AVAILABLE

    # --- cells
    def count(self, geo: Geo, item: str, providers_of: Sequence[str] | None = None) -> Cell:
        """The sum of item over the area's LAs that provided it (and providers_of, if given)."""
        needed = list(providers_of or (item,))
        providers = self.providers(needed, geo)
        key = self.ledger.count(item, providers, geo.rank)
        if key is not None:
            return self.count_cell(key)
        if geo.level != LOCAL and self.no_service(geo) and not self.active(geo):
            return Cell(0)  # every used LA in the area had no service: none
        return Cell(None, self.absent_symbol(geo))

    def breakdown(self, geo: Geo, item: Item) -> tuple[Cell, list[Cell]]:
        """A breakdown's total and categories over the area's LAs that provided it whole, with
        the equation between them recorded for disclosure control."""
        categories = [cell.id for cell in item.cells]
        providers = self.providers([item.total, *categories], geo)
        found = self.ledger.breakdown(item.total, categories, providers, geo.rank)
        if found is None:
            empty = self.count(geo, item.total, providers_of=[item.total, *categories])
            return empty, [Cell(empty.value, empty.symbol) for _ in categories]
        total, keys = found
        return self.count_cell(total), [self.count_cell(key) for key in keys]

    # --- rounding: every figure is computed from counts as published
    def shown(self, key: Key) -> int:
        """A count as published: rounded when rounding is on. Rates, percentages and estimates
        are computed from these, so they cannot give back a count rounding hides."""
        value = self.ledger.values[key]
        return round_count(value, self.config.round_to) if self.config.round_to else value

    def low(self, key: Key) -> bool:
        return self.shown(key) == 0 and self.ledger.values[key] > 0

    def count_cell(self, key: Key) -> Cell:
        return Cell(self.shown(key), inputs=(key,), low=self.low(key))

    def missing_rate(self, geo: Geo) -> Cell:
        """A rate an area cannot have: z where its used LAs had no service (0 out of 0), else x."""
        if geo.level != LOCAL and self.no_service(geo) and not self.active(geo):
            return Cell(None, NOT_APPLICABLE)
        return Cell(None, self.absent_symbol(geo))

    def ratio(self, geo: Geo, numerator: str, denominator: str, scale: float,
              providers_of: Sequence[str] | None = None) -> Cell:
        """numerator / denominator x scale over the area's LAs that provided both (and providers_of,
        if given), from the counts as published."""
        providers = self.providers(list(providers_of or (numerator, denominator)), geo)
        top = self.ledger.count(numerator, providers, geo.rank)
        bottom = self.ledger.count(denominator, providers, geo.rank)
        if top is None or bottom is None:
            return self.missing_rate(geo)
        if self.low(top) or self.low(bottom):
            return Cell(None, LOW, (top, bottom))
        if self.shown(bottom) == 0:
            return Cell(None, NOT_APPLICABLE, (top, bottom))
        return Cell(self.shown(top) / self.shown(bottom) * scale, inputs=(top, bottom))

    def per_child(self, geo: Geo, item: str, base: str, scale: float) -> Cell:
        """item per `scale` children of the reference base (population or children in need),
        over the LAs that provided item and those without a service (who had none)."""
        if geo.level == LOCAL and self.absent_symbol(geo) == NOT_APPLICABLE:
            return Cell(None, NOT_APPLICABLE)
        figure = (lambda la: la.child_population_0_17) if base == "population" else (lambda la: la.children_in_need)
        by_code = {la.code: la for la in self.las}
        known = [code for code in self.active(geo) if figure(by_code[code]) is not None]
        providers = self.ledger.providers([item], known)
        none = [code for code in self.no_service(geo) if figure(by_code[code]) is not None]
        if not providers and not none:
            return Cell(None, self.absent_symbol(geo))
        children = sum(figure(by_code[code]) for code in (*providers, *none))
        key = self.ledger.count(item, providers, geo.rank)
        top = self.shown(key) if key is not None else 0
        if not children:
            return Cell(None, NOT_APPLICABLE)
        if key is not None and self.low(key):
            return Cell(None, LOW, (key,))
        return Cell(top / children * scale, inputs=(key,) if key is not None else ())


def _round_half_up(value: float, dp: int) -> Decimal:
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-dp), rounding=ROUND_HALF_UP)


def round_count(value: float, base: int) -> int:
    """value to the nearest multiple of base, halves up."""
    return int(_round_half_up(value / base, 0)) * base


_FORMATS = {dp: f"{{:.{dp}f}}".format for dp in range(6)}


def _fixed(value: float, dp: int) -> str:
    """value to dp decimal places, halves rounded up (37.45 -> 37.5, as people round)."""
    scaled = value * 10 ** dp
    nearest = round(scaled)
    if abs(scaled - nearest) == 0.5 or abs(abs(scaled - int(scaled)) - 0.5) < 1e-9:
        return f"{_round_half_up(value, dp):.{dp}f}"  # a half: decide on the decimal value
    return _FORMATS[dp](nearest / 10 ** dp)


def render_cell(cell: Cell, column: Column, suppressed: frozenset[Key], round_to: int | None) -> str:
    for key in cell.inputs:
        if key in suppressed:
            return SUPPRESSED
    if cell.value is None:
        return cell.symbol
    if isinstance(cell.value, str):
        return cell.value
    if cell.low:
        return LOW
    if column.count and round_to:
        rounded = round_count(cell.value, round_to)
        return LOW if rounded == 0 and cell.value > 0 else str(rounded)
    if column.dp is None:
        return str(int(round(cell.value)))
    return _fixed(cell.value, column.dp)


def render(table: Table, suppressed: frozenset[Key], config: Config, period: str) -> pl.DataFrame:
    columns: dict[str, list[str]] = {name: [] for name in table.columns}
    indicator_columns = table.indicators
    for row in table.rows:
        geo = row.geo
        values = {
            "time_period": period, "time_identifier": TIME_IDENTIFIER, "geographic_level": geo.level,
            "country_code": COUNTRY_CODE, "country_name": COUNTRY_NAME,
            "region_code": geo.region_code, "region_name": geo.region_name,
            "old_la_code": geo.la.old_code if geo.la else "", "new_la_code": geo.la.code if geo.la else "",
            "la_name": geo.la.name if geo.la else "",
        }
        for name in table.geography_columns:
            columns[name].append(values[name])
        for column, value in zip(table.filters, row.filters):
            columns[column.name].append(value)
        for column in indicator_columns:
            columns[column.name].append(render_cell(row.cells[column.name], column, suppressed, config.round_to))
    return pl.DataFrame(columns, schema={name: pl.String for name in table.columns})


# ------------------------------------------------------------------------------------ tables


def _coverage(b: _Builder) -> Table:
    spec = b.spec
    models = spec.item("A6").choices
    stages = spec.item("A8").cells
    indicators = [
        Column("las", "Local authorities"),
        Column("returns_received", "Returns received"),
        Column("returns_used", "Returns used (no validation errors, or accepted)"),
        Column("returns_not_used", "Returns received but not used"),
        Column("child_population", "Children aged 0 to 17"),
        Column("child_population_responding", "Children aged 0 to 17 living in LAs whose return is used"),
        Column("child_population_covered_pct", "Share of children aged 0 to 17 living in LAs whose return is used", "%", 1),
        Column("las_with_service", "LAs with an FGC service in the year", grouping="FGC service"),
        Column("las_without_service", "LAs without an FGC service in the year", grouping="FGC service"),
        *(Column(f"service_{m.code.lower()}", f"Delivery model: {m.label}", grouping="Delivery model") for m in models),
        *(Column(f"offered_at_{c.category.code.lower()}", f"FGCs offered at: {c.category.label}",
                 grouping="Stages at which FGCs were offered") for c in stages),
        Column("external_provider", "External provider (as named by the LA)", grouping="Delivery model", text=True),
    ]
    table = Table("fgc_coverage", "Coverage: returns received and used, and FGC services",
                  "Which LAs sent a usable return, the share of England's children they cover, and how their "
                  "FGC services were run.", [], indicators)
    received = b.inputs.received_codes
    by_code = {la.code: la for la in b.las}
    for geo in b.geos:
        used = b.used(geo)
        with_service = [r for r in used if r.service == "Y"]
        population = [by_code[c].child_population_0_17 for c in geo.members]
        covered = [by_code[r.la.code].child_population_0_17 for r in used]
        cells: dict[str, Cell] = {
            "las": Cell(len(geo.members)),
            "returns_received": Cell(sum(1 for c in geo.members if c in received)),
            "returns_used": Cell(len(used)),
            "returns_not_used": Cell(sum(1 for c in geo.members if c in received and c not in b.records)),
            "child_population": Cell(sum(p for p in population if p is not None)),
            "child_population_responding": Cell(sum(p for p in covered if p is not None)),
            "child_population_covered_pct": Cell(100 * sum(p for p in covered if p is not None) / sum(p for p in population if p is not None)),
        }
        answered = [r for r in used if r.service is not None]
        unknown = NOT_AVAILABLE
        cells["las_with_service"] = Cell(len(with_service) if answered else None, unknown)
        cells["las_without_service"] = Cell(sum(1 for r in used if r.service == "N") if answered else None, unknown)
        for model in models:
            cells[f"service_{model.code.lower()}"] = Cell(
                sum(1 for r in with_service if r.values.get("A6") == model.code) if with_service else None,
                NOT_APPLICABLE if answered else unknown)
        for stage in stages:
            cells[f"offered_at_{stage.category.code.lower()}"] = Cell(
                sum(1 for r in with_service if r.values.get(stage.id) == "Y") if with_service else None,
                NOT_APPLICABLE if answered else unknown)
        if geo.level == LOCAL:
            record = b.records.get(geo.code)
            provider = record.text("A7") if record else None
            model = record.values.get("A6") if record else None
            symbol = NOT_APPLICABLE if record is not None and (record.service == "N" or model == "INHOUSE") else NOT_AVAILABLE
            cells["external_provider"] = Cell(provider, symbol)
            if record is not None and record.service == "Y" and model is None:
                for m in models:
                    cells[f"service_{m.code.lower()}"] = Cell(None, NOT_AVAILABLE)
            if record is not None and record.service == "Y":
                for stage in stages:
                    if record.values.get(stage.id) not in ("Y", "N"):
                        cells[f"offered_at_{stage.category.code.lower()}"] = Cell(None, NOT_AVAILABLE)
        else:
            cells["external_provider"] = Cell(None, NOT_APPLICABLE)
        table.rows.append(Row(geo, (), cells))
    return table


def _funnel(b: _Builder) -> Table:
    indicators = [Column(count.column, count.label, count=True, grouping=count.grouping) for count in b.cat.funnel]
    indicators += [Column(rate.column, rate.label, rate.unit, rate.dp, grouping="Rates") for rate in b.cat.rates]
    indicators += [
        Column("children_referred_per_10000", "Children referred per 10,000 children aged 0 to 17", "", 1, grouping="Rates"),
        Column("children_referred_per_100_cin", "Children referred per 100 children in need at 31 March (DfE)", "", 1,
               grouping="Rates"),
    ]
    table = Table("fgc_funnel", "The FGC funnel: referral, offer, consent and FGCs held",
                  "Families and children at each stage, and the rates between stages.", [], indicators)
    for geo in b.geos:
        cells = {count.column: b.count(geo, count.item) for count in b.cat.funnel}
        for rate in b.cat.rates:
            cells[rate.column] = b.ratio(geo, rate.numerator, rate.denominator, rate.scale)
        cells["children_referred_per_10000"] = b.per_child(geo, "B2", "population", 10000)
        cells["children_referred_per_100_cin"] = b.per_child(geo, "B2", "cin", 100)
        table.rows.append(Row(geo, (), cells))
    return table


def _count_table(b: _Builder, entry: CountTable) -> Table:
    """A table of counts and the rates between them (the catalogue's `tables`), by LA, region and
    England. A region's and England's figures are all over the same LAs, those that provided every
    count of the table, so each rate is the ratio of the counts printed beside it (and the parts
    agree with their whole); an LA's own row shows whatever it provided."""
    indicators = [Column(count.column, count.label, count=True, grouping=count.grouping) for count in entry.counts]
    indicators += [Column(rate.column, rate.label, rate.unit, rate.dp, grouping="Rates") for rate in entry.rates]
    table = Table(entry.name, entry.title, entry.description, [], indicators)
    every = [count.item for count in entry.counts]
    for geo in b.geos:
        same = None if geo.level == LOCAL else every
        cells = {count.column: b.count(geo, count.item, providers_of=same) for count in entry.counts}
        for rate in entry.rates:
            both = same and list(dict.fromkeys([*every, rate.numerator, rate.denominator]))  # a count from elsewhere too
            cells[rate.column] = b.ratio(geo, rate.numerator, rate.denominator, rate.scale, providers_of=both)
        table.rows.append(Row(geo, (), cells))
    return table


def _breakdowns_by_stage(spec: Spec) -> dict[str, dict[str, Item]]:
    """category set -> stage total item -> the breakdown item (B3 for AGE at referral, ...)."""
    found: dict[str, dict[str, Item]] = {}
    for item in spec.breakdowns:
        found.setdefault(item.category_set, {})[item.total] = item
    return found


def unknown_item(item: Item) -> str:
    """The ledger's item for a breakdown's children (or families) whose category is unknown or was
    not provided (not a cell of the return; see with_unknowns)."""
    return f"{item.id}:unknown"


def _stage_breakdowns(spec: Spec) -> dict[str, list[Item]]:
    """category set -> its breakdowns at referral, consent and FGC held."""
    by_stage = _breakdowns_by_stage(spec)
    cat = catalogue(spec)
    return {c.category_set: [by_stage[c.category_set][stage.item] for stage in cat.stages] for c in cat.characteristics}


def with_unknowns(values: dict[tuple[str, str], int], spec: Spec) -> dict[tuple[str, str], int]:
    """values, with each LA's children (or families) whose category is unknown or not provided,
    for each breakdown: its Unknown (Not known) figure, the breakdown's last category, when the LA
    gave it (a characteristic: at all three stages; the LA is covered), else the whole total. So a
    breakdown's total is the total over every LA that gave it (the funnel's figure, the same
    count), and an LA that left a breakdown blank is never a difference between two published
    totals."""
    codes = {code for _, code in values}
    groups = [*_stage_breakdowns(spec).values(), *([spec.item(reason.item)] for reason in catalogue(spec).reasons)]
    for items in groups:
        cells = [cell.id for item in items for cell in item.cells]
        for code in codes:
            covered = all((cell, code) in values for cell in cells)
            for item in items:
                total = values.get((item.total, code))
                if total is not None:
                    values[(unknown_item(item), code)] = values[(item.cells[-1].id, code)] if covered else total
    return values


def _characteristics(b: _Builder) -> Table:
    """Children at each stage by each characteristic, a filter column of its own (DfE's names and
    items where DfE has them); one row per category with the other filters at Total, and a row
    of all children. A characteristic's figures at every stage come from the same LAs: those that
    gave it at referral, consent and FGC held (the covered LAs); the other LAs' children are in
    its Unknown row. Percentages are among children whose category is known (Unknown: of all
    children), so the equity ratio is exactly the ratio of the two percentages beside it."""
    breakdowns = _stage_breakdowns(b.spec)
    characteristics, stages = b.cat.characteristics, [(s.item, s.column, s.label) for s in b.cat.stages]
    filters = [Column(c.column, c.label, hint=c.hint) for c in characteristics]
    indicators = [Column("las_covered", "LAs whose breakdown by this characteristic is included (given at referral, "
                                        "consent and FGC held)", grouping="Coverage")]
    for _, col, label in stages:
        indicators.append(Column(col, label, count=True, grouping=label))
        indicators.append(Column(f"{col}_pct", f"{label}: percentage of those whose category is known "
                                               "(Unknown: of all)", "%", 1, grouping=label))
    indicators += [
        Column("equity_ratio", "Equity ratio: percentage among children in FGCs held / percentage among children "
                               "referred", "", 2, grouping="Equity"),
        Column("equity_ratio_lower_95", "Equity ratio: lower end of its 95% interval (LAs as clusters)", "", 2,
               grouping="Equity"),
        Column("equity_ratio_upper_95", "Equity ratio: upper end of its 95% interval (LAs as clusters)", "", 2,
               grouping="Equity"),
        Column("equity_ratio_excludes_1", "Equity ratio: does its 95% interval exclude 1 (Yes or No)",
               grouping="Equity", text=True),
    ]
    table = Table("fgc_characteristics", "Who gets an FGC: children at referral, consent and FGC held, by characteristic",
                  "Children at each stage by age, sex, ethnicity, disability and social care status, and the equity "
                  "ratio with its 95% interval.", filters, indicators)
    names = len(characteristics)
    for geo in b.geos:
        totals = {col: b.count(geo, stage) for stage, col, _ in stages}
        cells = {"las_covered": Cell(None, NOT_APPLICABLE)}
        for _, col, _ in stages:
            cells[col] = totals[col]
            cells[f"{col}_pct"] = Cell(None, NOT_APPLICABLE, totals[col].inputs)
        cells.update(_no_equity(NOT_APPLICABLE))
        table.rows.append(Row(geo, ("Total",) * names, cells))
        for number, characteristic in enumerate(characteristics):
            items = breakdowns[characteristic.category_set]
            covered = b.providers([cell.id for item in items for cell in item.cells], geo)
            parts = {col: _known_and_unknown(b, geo, item, covered, totals[col]) for item, (_, col, _) in zip(items, stages)}
            las = _las_covered(b, geo, covered)
            last = len(items[0].cells) - 1
            for position, label in enumerate(_filter_items(characteristic.items, items[0])):
                cells = {"las_covered": las}
                for _, col, _ in stages:
                    known, unknown = parts[col]
                    if position == last:
                        cells[col], cells[f"{col}_pct"] = unknown, _share(unknown, totals[col])
                    else:
                        cells[col] = known[position]
                        cells[f"{col}_pct"] = _known_share(known[position], totals[col], unknown)
                if position == last:
                    cells.update(_no_equity(NOT_APPLICABLE))
                else:
                    ratio = _equity(parts, totals, position, stages[0][1], stages[-1][1])
                    cells.update(_no_equity(NOT_APPLICABLE if geo.level == LOCAL else ratio.symbol, ratio))
                    if ratio.value is not None and geo.level != LOCAL:
                        b.equity.append((cells, geo, items, position))
                row_filters = ["Total"] * names
                row_filters[number] = label
                table.rows.append(Row(geo, tuple(row_filters), cells))
    return table


_EQUITY_COLUMNS = ("equity_ratio", "equity_ratio_lower_95", "equity_ratio_upper_95", "equity_ratio_excludes_1")


def _filter_items(mapped: dict[str, str] | None, item: Item) -> list[str]:
    """The filter items of a breakdown's categories: DfE's where the catalogue maps them, else the spec's labels."""
    return [(mapped or {}).get(c.category.code, c.category.label) for c in item.cells]


def _no_equity(symbol: str, ratio: Cell | None = None) -> dict[str, Cell]:
    """The equity columns of a row: the ratio if given, the interval and marker as symbol (to be
    filled in once suppression is known, for an area's ratio)."""
    cells = {column: Cell(None, symbol, ratio.inputs if ratio else ()) for column in _EQUITY_COLUMNS}
    if ratio is not None:
        cells["equity_ratio"] = ratio
    return cells


def _las_covered(b: _Builder, geo: Geo, covered: frozenset[str]) -> Cell:
    if geo.level == LOCAL and b.absent_symbol(geo) == NOT_APPLICABLE:
        return Cell(None, NOT_APPLICABLE)
    if not b.used(geo):
        return Cell(None, NOT_AVAILABLE)
    return Cell(len(covered))


def _keyed(b: _Builder, geo: Geo, key: Key | None) -> Cell:
    if key is not None:
        return b.count_cell(key)  # as published: percentages and ratios are computed from it
    if geo.level != LOCAL and b.no_service(geo) and not b.active(geo):
        return Cell(0)  # every used LA in the area had no service: none
    return Cell(None, b.absent_symbol(geo))


def _known_and_unknown(b: _Builder, geo: Geo, item: Item, covered: frozenset[str], total: Cell) -> tuple[list[Cell], Cell]:
    """A breakdown in an area: its known categories over the covered LAs, and its unknown or not
    provided children (families) over every LA in its total; the equation between them and the
    total is recorded for disclosure control."""
    rank = geo.rank
    known = [b.ledger.count(cell.id, covered, rank) for cell in item.cells[:-1]]
    unknown = b.ledger.count(unknown_item(item), b.providers([item.total], geo), rank)
    if total.inputs and unknown is not None:
        b.ledger.equation(total.inputs[0], [*(key for key in known if key is not None), unknown])
    return [_keyed(b, geo, key) for key in known], _keyed(b, geo, unknown)


def _known_share(part: Cell, total: Cell, unknown: Cell) -> Cell:
    """part as a percentage of the children whose category is known (total - unknown)."""
    inputs = part.inputs + total.inputs + unknown.inputs
    missing = next((cell for cell in (part, total, unknown) if cell.value is None), None)
    if missing is not None:
        return Cell(None, missing.symbol, inputs)
    known = total.value - unknown.value
    if not known:
        return Cell(None, NOT_APPLICABLE, inputs)
    return Cell(100 * part.value / known, inputs=inputs)


def _equity(parts: dict[str, tuple[list[Cell], Cell]], totals: dict[str, Cell], position: int,
            referral: str, held: str) -> Cell:
    """The percentage among children in FGCs held over the percentage among children referred,
    both among children whose category is known in the covered LAs (referral, held: their columns)."""
    shares = [_known_share(parts[col][0][position], totals[col], parts[col][1]) for col in (referral, held)]
    inputs = shares[0].inputs + shares[1].inputs
    missing = next((share for share in shares if share.value is None), None)
    if missing is not None:
        return Cell(None, missing.symbol, inputs)
    if not shares[0].value:
        return Cell(None, NOT_APPLICABLE, inputs)
    return Cell(shares[1].value / shares[0].value, inputs=inputs)


def _fill_intervals(b: _Builder, suppressed: frozenset[Key]) -> None:
    """Each area's equity ratio interval (see `fgc_collect.aggregate.equity`), from the figures a
    reader has: LAs with a suppressed figure in it are pooled (within their region, for England,
    where the region's figures are published), and counts are taken as published (rounded, when
    they are)."""
    from fgc_collect.aggregate.equity import equity_interval, pooled

    values, round_to = b.ledger.la_values, b.config.round_to

    def shown(value: int) -> int:  # an LA's count as published
        return round_count(value, round_to) if round_to else value

    def published(keys, wanted) -> tuple | None:
        """An area's (a, b, c, d) from its published figures; None if one is suppressed."""
        found = {key[0]: shown(b.ledger.values[key]) for key in keys if key not in suppressed}
        if any(item not in found for items in wanted for item in items):
            return None
        return tuple(figure for part, total, unknown in wanted for figure in (found[part], found[total] - found[unknown]))

    for cells, geo, items, position in b.equity:
        inputs = cells["equity_ratio"].inputs
        # (group, total, unknown) at FGC held, then at referral: a, b = group, known at FGC held; c, d at referral.
        wanted = [(item.cells[position].id, item.total, unknown_item(item)) for item in (items[-1], items[0])]
        covered = b.providers([cell.id for item in items for cell in item.cells], geo)
        by_la = {code: tuple(figure for part, total, unknown in wanted
                             for figure in (shown(values[(part, code)]),
                                            shown(values[(total, code)]) - shown(values[(unknown, code)])))
                 for code in covered}
        hidden = {code for code in covered
                  if any((item, frozenset((code,))) in suppressed for items in wanted for item in items)}
        area = published(inputs, wanted)
        if area is None:
            continue  # the ratio itself is suppressed
        parts = []
        if geo.level == NATIONAL:
            for region in b.geos:
                members = frozenset(region.members) & covered
                if region.level == REGIONAL and hidden & members:
                    stage_las = {total: b.providers([total], region) for _, total, _ in wanted}
                    keys = [(item, members if item == part else stage_las[total])
                            for part, total, unknown in wanted for item in (part, total, unknown)]
                    figures = published([key for key in keys if key in b.ledger.values], wanted)
                    if figures is not None:
                        parts.append((figures, members))
        clusters = pooled(area, by_la, hidden, parts)
        found = equity_interval(clusters) if len(clusters) >= b.config.min_interval_las else None
        if found is None:
            for column in _EQUITY_COLUMNS[1:]:
                cells[column] = Cell(None, NOT_AVAILABLE, inputs)
            continue
        low, high = found
        excludes = float(_fixed(low, 2)) > 1 or float(_fixed(high, 2)) < 1  # as printed
        cells["equity_ratio_lower_95"] = Cell(low, inputs=inputs)
        cells["equity_ratio_upper_95"] = Cell(high, inputs=inputs)
        cells["equity_ratio_excludes_1"] = Cell("Yes" if excludes else "No", inputs=inputs)


def _hundred(total: Cell) -> Cell:
    if total.value is None:
        return Cell(None, total.symbol, total.inputs)
    if total.value == 0:
        return Cell(None, NOT_APPLICABLE, total.inputs)
    return Cell(100.0, inputs=total.inputs)


def _share(part: Cell, whole: Cell) -> Cell:
    if part.value is None or whole.value is None:
        return Cell(None, part.symbol if part.value is None else whole.symbol, part.inputs + whole.inputs)
    if whole.value == 0:
        return Cell(None, NOT_APPLICABLE, part.inputs + whole.inputs)
    return Cell(100 * part.value / whole.value, inputs=part.inputs + whole.inputs)


def characteristic_rows(tables: NationalTables, area: str = COUNTRY_CODE) -> list[tuple[str, list[dict[str, str]]]]:
    """Who gets an FGC in an area, as published: for each characteristic, its label and its rows
    (`item`, the filter item, and every indicator column, as text), Unknown last."""
    frame = tables.area_frame("fgc_characteristics", area)
    found = []
    for characteristic in tables.catalogue.characteristics:
        column = characteristic.column
        rows = frame.filter(pl.col(column) != "Total")
        found.append((characteristic.label, [{"item": row[column], **row} for row in rows.iter_rows(named=True)]))
    return found


def _reasons(b: _Builder, reason: Reasons) -> Table:
    item = b.spec.item(reason.item)
    col, label = reason.column, reason.label
    filters = [Column(reason.filter, reason.filter_label, hint=reason.filter_hint)]
    indicators = [Column(col, label, count=True), Column(f"{col}_pct", f"{label}: percentage", "%", 1)]
    table = Table(reason.table, reason.title, f"{item.label} ({item.id}).", filters, indicators)
    for geo in b.geos:
        # An LA that left the breakdown blank: its families are Not known (see with_unknowns).
        total = b.count(geo, item.total)
        known, unknown = _known_and_unknown(b, geo, item, b.providers([cell.id for cell in item.cells], geo), total)
        table.rows.append(Row(geo, ("Total",), {col: total, f"{col}_pct": _hundred(total)}))
        for cell, count in zip(item.cells, [*known, unknown]):
            table.rows.append(Row(geo, (cell.category.label,), {col: count, f"{col}_pct": _share(count, total)}))
    return table


def _estimates(b: _Builder) -> Table:
    """The estimates table's layout and the known LAs' totals; the estimates themselves are filled
    in once disclosure control has decided which counts are published (`_fill_estimates`)."""
    labels = {count.item: (count.column, count.label) for count in b.cat.funnel}
    headline = AUXILIARY_LABELS[b.config.auxiliary]
    indicators = []
    for item in b.cat.estimated:
        col, label = labels[item]
        indicators += [
            Column(f"{col}_responding", f"{label}: total of the LAs whose figure is known", count=True, grouping=label),
            Column(f"{col}_las_estimated", f"{label}: LAs estimated (0: the total is a count)", grouping=label),
            Column(f"{col}_estimate", f"{label}: estimated total, adjusted for non-response", grouping=label),
            Column(f"{col}_lower_95", f"{label}: estimate, lower end of the 95% interval", grouping=label),
            Column(f"{col}_upper_95", f"{label}: estimate, upper end of the 95% interval", grouping=label),
            *(Column(f"{col}_estimate_{name}", f"{label}: estimate with {AUXILIARY_LABELS[name].split(' (')[0]}",
                     grouping=label) for name in AUXILIARIES),
        ]
    table = Table(
        "fgc_estimates", "Estimated totals for England and its regions, adjusting for non-response",
        f"Ratio estimates within regions with {headline} as the auxiliary variable, beside the totals of the LAs "
        "whose figure is known, with 95% intervals that include the error of predicting the missing LAs' figures, "
        f"and the estimate with each auxiliary variable side by side. Estimates, not counts. {CAVEAT}",
        [], indicators, levels=(NATIONAL, REGIONAL))
    for geo in b.geos:
        if geo.level != LOCAL:
            table.rows.append(Row(geo, (), {f"{labels[item][0]}_responding": b.count(geo, item) for item in b.cat.estimated}))
    return table


def _published_units(b: _Builder, item: str, suppressed: frozenset[Key]) -> tuple[list[Unit], dict[str, Key]]:
    """The known figures of item as a reader has them: each LA's published figure (0 for an LA
    without a service), and in a region the LAs whose figures are suppressed as one sum (the
    region's total less its published LAs'). A region whose total is suppressed gives none. Also
    each region's total over its known LAs (the count a reader has)."""
    units: list[Unit] = []
    sums: dict[str, Key] = {}
    for geo in b.geos:
        if geo.level != REGIONAL:
            continue
        providers = b.providers([item], geo)
        total = b.ledger.count(item, providers, REGION_LEVEL)
        if total in suppressed:
            continue
        here = [Unit((code,), 0.0) for code in b.no_service(geo)]
        published: list[Key] = []
        hidden: list[str] = []
        for code in sorted(providers):
            key = (item, frozenset((code,)))
            if key in suppressed:
                hidden.append(code)
            else:
                published.append(key)
                here.append(Unit((code,), float(b.shown(key))))
        if hidden:
            rest = b.shown(total) - sum(b.shown(key) for key in published)
            here.append(Unit(tuple(hidden), float(rest)))
        units += here
        if total is not None:
            sums[geo.code] = total
    return units, sums


def _fill_estimates(b: _Builder, table: Table, suppressed: frozenset[Key]
                    ) -> tuple[dict[str, dict[str, Estimate]], list[Relation]]:
    """The estimates, intervals and sensitivity, from published figures and the reference data
    only; and what each published estimate tells a reader about counts (for the audit)."""
    config = b.config
    base = config.round_to or 1
    auxiliaries = {name: auxiliary_values(b.las, name) for name in AUXILIARIES}
    rows = {row.geo.code: row for row in table.rows}
    regions = [geo for geo in b.geos if geo.level == REGIONAL]
    results: dict[str, dict[str, Estimate]] = {}
    relations: list[Relation] = []

    def figure(value: float) -> int:
        return round_count(value, base)

    for item in b.cat.estimated:
        col = b.cat.funnel_column(item)
        units, sums = _published_units(b, item, suppressed)
        totals = {region: float(b.shown(key)) for region, key in sums.items()}
        found = {name: ratio_estimates(b.las, units, aux, config.min_interval_las, totals=totals)
                 for name, aux in auxiliaries.items()}
        results[item] = found[config.auxiliary]
        region_inputs = tuple(k for geo in regions for k in rows[geo.code].cells[f"{col}_responding"].inputs)
        for geo in (b.geos[0], *regions):
            row = rows[geo.code]
            inputs = row.cells[f"{col}_responding"].inputs + (region_inputs if geo.level == NATIONAL else ())
            estimate = found[config.auxiliary][geo.code]
            cells = {f"{col}_las_estimated": Cell(estimate.total_las - estimate.known_las)}
            if not units:  # no LA's figure is known anywhere
                cells.update({f"{col}_{part}": Cell(None, NOT_AVAILABLE, inputs) for part in
                              ("estimate", "lower_95", "upper_95", *(f"estimate_{n}" for n in AUXILIARIES))})
                row.cells.update(cells)
                continue
            interval = not (estimate.is_count or estimate.borrowed_ratio or (
                geo.level == REGIONAL and estimate.pooled_variance) or len(units) < config.min_interval_las
                or not math.isfinite(estimate.upper))
            ends = NOT_APPLICABLE if estimate.is_count else NOT_AVAILABLE
            responding = row.cells[f"{col}_responding"]
            known = responding.value if isinstance(responding.value, int) else 0
            for name in ("", *AUXILIARIES):
                # A count is the known LAs' total, as shown beside it.
                value = known if estimate.is_count else figure(found[name or config.auxiliary][geo.code].estimate)
                cells[f"{col}_estimate_{name}".rstrip("_")] = Cell(value, inputs=inputs)
            cells[f"{col}_lower_95"] = Cell(max(figure(estimate.lower), known) if interval else None, ends, inputs)
            cells[f"{col}_upper_95"] = Cell(figure(estimate.upper) if interval else None, ends, inputs)
            row.cells.update(cells)
            if any(key in suppressed for key in inputs):
                continue  # shown as c: tells a reader nothing
            for name in AUXILIARIES:
                terms = ({key: 1.0 for key in responding.inputs} if estimate.is_count else
                         _estimate_terms(b, geo, units, sums, auxiliaries[name]))
                relations.append(_relation(terms, cells[f"{col}_estimate_{name}"].value, base, config.round_to,
                                           f"the {geo.name} estimate of {col} ({name})"))
    return results, relations


def _estimate_terms(b: _Builder, geo: Geo, units: list[Unit], sums: dict[str, Key],
                    auxiliary: dict[str, float]) -> dict[Key, float]:
    """An estimate as a linear function of counts: the factor on each count whose published
    figure it multiplies (regions: their total over the known LAs' auxiliary, times the region's;
    a region with no known LA: England's ratio; England: the sum)."""
    known = {code for unit in units for code in unit.codes}
    x_known = sum(auxiliary[c] for c in known)

    def region_x(region: Geo) -> tuple[float, float]:
        return (sum(auxiliary[c] for c in region.members),
                sum(auxiliary[c] for c in region.members if c in known))

    areas = [g for g in b.geos if g.level == REGIONAL and (geo.level == NATIONAL or g.code == geo.code)]
    factors: dict[str, float] = {}  # region code -> factor on its known figures' sum
    for area in areas:
        total, here = region_x(area)
        if here > 0:
            factors[area.code] = factors.get(area.code, 0.0) + total / here
        else:  # borrows England's ratio: every region's known figures, over England's auxiliary
            for region in sums:
                factors[region] = factors.get(region, 0.0) + total / x_known
    terms: dict[Key, float] = {}
    for region, factor in factors.items():
        if region in sums:
            terms[sums[region]] = terms.get(sums[region], 0.0) + factor
    return terms


def _relation(terms: dict[Key, float], published: int, base: int, round_to: int | None, figure: str) -> Relation:
    """published = the estimate rounded to base, and each count in it was rounded to round_to: the
    counts' weighted sum lies within half of each of those of published."""
    slack = base / 2 + (round_to or 0) / 2 * sum(abs(a) for a in terms.values())
    return Relation(tuple(sorted(terms.items(), key=lambda kv: (kv[0][0], sorted(kv[0][1])))),
                    published - slack, published + slack, figure)


def build_series(inputs_by_year: dict[str, Inputs], config: Config | None = None, year: str | None = None,
                 specs: dict[str, Spec] | None = None) -> NationalTables:
    """Every year's tables, each from its own returns and spec (disclosure control for each), as
    the tables of the headline `year` (default: the latest given) with `series` holding them all."""
    if not inputs_by_year:
        raise ValueError("no year's returns were given")
    year = year or max(inputs_by_year)
    if year not in inputs_by_year:
        raise ValueError(f"no returns for {year} were given (only for {', '.join(sorted(inputs_by_year))})")
    specs = specs or {}
    series = {held: build_tables(inputs, config, specs.get(held) or load_spec(held))
              for held, inputs in sorted(inputs_by_year.items())}
    for tables in series.values():
        tables.series = series
    return series[year]


def build_tables(inputs: Inputs, config: Config | None = None, spec: Spec | None = None) -> NationalTables:
    """Every table, protected: counts suppressed, and the LP audit passed (ProtectionError if not).
    The spec: the one given, else that of the records' year (Inputs.year), else 2023-24's."""
    config = config or Config()
    spec = spec or (load_spec(inputs.year) if inputs.year else load_spec())
    builder = _Builder(inputs, config, spec)
    tables = [_coverage(builder), _funnel(builder), _characteristics(builder)]
    tables += [_reasons(builder, reason) for reason in builder.cat.reasons]
    tables += [_count_table(builder, table) for table in builder.cat.tables]
    estimates_table = _estimates(builder)
    tables.append(estimates_table)
    protection = protect(builder.ledger, config.threshold)
    estimates, relations = _fill_estimates(builder, estimates_table, protection.suppressed)
    protection.audit = audit_relations(builder.ledger, protection.suppressed, relations, config.threshold,
                                       protection.audit)
    if not protection.audit.passed:
        failing = len(protection.audit.failing)
        raise ProtectionError(
            f"the estimates would let {failing} suppressed count{'s' if failing != 1 else ''} be worked out "
            f"(the narrowest feasible range is {protection.audit.narrowest:g}, the threshold {config.threshold})")
    _fill_intervals(builder, protection.suppressed)
    period = time_period(spec)
    frames = {table.name: render(table, protection.suppressed, config, period) for table in tables}
    from fgc_collect.aggregate.notes import coverage_notes

    result = NationalTables(spec, config, inputs, builder.ledger, protection, tables, frames, [], estimates)
    result.series = {spec.year: result}
    result.notes = coverage_notes(result, builder.unusable_breakdowns)
    return result
