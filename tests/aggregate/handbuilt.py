"""Hand-built returns whose national, regional and LA figures are worked out by hand in the tests.

Five LAs send a return: three in the North East (Darlington and Hartlepool with a service,
Gateshead without one) and two in the East Midlands (Derby, and Leicester, who left the age of
children referred blank). No other LA responds, so every other region has no return at all."""

from __future__ import annotations

from fgc_collect.aggregate import Inputs, LARecord
from fgc_collect.reference import find_la_by_name, reference_for
from fgc_collect.spec import load_spec

DARLINGTON, HARTLEPOOL, GATESHEAD, DERBY, LEICESTER = (
    find_la_by_name(name) for name in ("Darlington", "Hartlepool", "Gateshead", "Derby", "Leicester"))
NORTH_EAST, EAST_MIDLANDS, LONDON = "E12000001", "E12000004", "E12000007"

FUNNEL = {  # B1, B2, C1, C1_PLO, C2, C3, C9, D1, D1_PLO, D3, D9, D2, D11
    "Darlington": dict(B1=40, B2=70, C1=30, C1_PLO=10, C2=20, C3=36, C9=8, D1=15, D1_PLO=6, D3=27, D9=10, D2=9, D11=12),
    "Hartlepool": dict(B1=60, B2=100, C1=50, C1_PLO=20, C2=40, C3=70, C9=10, D1=30, D1_PLO=10, D3=50, D9=10, D2=20, D11=25),
    "Derby": dict(B1=80, B2=150, C1=60, C1_PLO=None, C2=45, C3=80, C9=15, D1=35, D1_PLO=12, D3=60, D9=10, D2=0, D11=30),
    "Leicester": dict(B1=30, B2=50, C1=24, C1_PLO=8, C2=18, C3=30, C9=6, D1=12, D1_PLO=6, D3=20, D9=6, D2=7, D11=10),
}
# Children by age (under 1, 10 to 15; every other age 0) at referral, consent and FGC held.
AGES = {
    "Darlington": {"B3": (30, 40), "C4": (16, 20), "D4": (15, 12)},
    "Hartlepool": {"B3": (40, 60), "C4": (30, 40), "D4": (25, 25)},
    "Derby": {"B3": (50, 100), "C4": (30, 50), "D4": (30, 30)},
    "Leicester": {"B3": None, "C4": (10, 20), "D4": (8, 12)},
}
ALL_IN = {"SEX": "M", "ETH": "WHITE", "DIS": "NO", "STATUS": "CP", "SOURCE": "CSC", "DECLINE": "NOTWANT",
          "NOTHELD": "WITHDREW"}


def service_values(name: str, **changes) -> dict[str, object]:
    """A complete return as the reader gives it (codes, floats, None for blank)."""
    spec = load_spec()
    figures = {**FUNNEL[name], **changes}
    values: dict[str, object] = {cell.id: None for cell in spec.input_cells}
    la = find_la_by_name(name)
    values.update(A1=la.name, A2=la.code, A5="Y", A6="INHOUSE")
    for cell in spec.item("A8").cells:
        values[cell.id] = "Y" if cell.category.code in ("CP", "PLO") else "N"
    values.update({item: (None if figure is None else float(figure)) for item, figure in figures.items()})
    for item in spec.breakdowns:
        total = figures[item.total]
        if item.category_set == "AGE":
            split = AGES[name][item.id]
            for cell in item.cells:
                code = cell.category.code
                values[cell.id] = None if split is None else float(split[0] if code == "U1" else split[1] if code == "10TO15" else 0)
        else:
            for cell in item.cells:
                values[cell.id] = float(total if cell.category.code == ALL_IN[item.category_set] else 0)
    return values


def no_service_values(name: str) -> dict[str, object]:
    spec = load_spec()
    values: dict[str, object] = {cell.id: None for cell in spec.input_cells}
    la = find_la_by_name(name)
    values.update(A1=la.name, A2=la.code, A5="N")
    return values


def handbuilt_inputs(**changes_by_la) -> Inputs:
    records = [
        LARecord(HARTLEPOOL, service_values("Hartlepool", **changes_by_la.get("Hartlepool", {}))),
        LARecord(DARLINGTON, service_values("Darlington", **changes_by_la.get("Darlington", {}))),
        LARecord(GATESHEAD, no_service_values("Gateshead")),
        LARecord(DERBY, service_values("Derby", **changes_by_la.get("Derby", {}))),
        LARecord(LEICESTER, service_values("Leicester", **changes_by_la.get("Leicester", {}))),
    ]
    return Inputs(tuple(records))


def year_2024_25(duty: dict[str, dict[str, float | None]]) -> Inputs:
    """The hand-built LAs a year on: 10 more families referred in each with a service, and the FGDM
    duty's figures C11, C12, C13 by LA code (blank where not given)."""
    records = []
    for record in handbuilt_inputs().used:
        values = dict(record.values)
        if record.service == "Y":
            values["B1"] = values["B1"] + 10
            values.update(dict.fromkeys(("C11", "C12", "C13")) | duty.get(record.la.code, {}))
        records.append(LARecord(record.la, values))
    return Inputs(tuple(records), year="2024-25", las=reference_for("2024-25"))
