"""Which local authorities a file's name (or its folder's) mentions: a hint, never the truth.

The LA of a return is its own code (A2) and the template's metadata; a council may call its file
anything ("FGC return FINAL v3 (2).xlsx"). The hint orders the passwords to try on a protected
file, and a name that clearly names another LA is reported (READ05).
"""

from __future__ import annotations

import re
from functools import cache

from fgc_collect.reference import LocalAuthority, local_authorities

_CODE = re.compile(r"(?<![A-Za-z0-9])(E(?:06|08|09|10)\d{6})(?![0-9])", re.I)
_WORDS = re.compile(r"[^a-z0-9]+")


def _normalise(text: str) -> str:
    return " " + _WORDS.sub(" ", text.casefold().replace("&", " and ")).strip() + " "


@cache
def _name_forms() -> tuple[tuple[str, LocalAuthority], ...]:
    """Each LA's name as it may appear in a file name, longest first: "herefordshire county of",
    "herefordshire" (the official form without ", County of"), "bristol", "durham", "hull"."""
    forms: list[tuple[str, LocalAuthority]] = []
    for la in local_authorities():
        names = {la.name}
        for suffix in (", City of", ", County of"):
            if la.name.endswith(suffix):
                names.add(la.name.removesuffix(suffix))
        if la.name.startswith("County "):  # "County Durham" is called Durham
            names.add(la.name.removeprefix("County "))
        if la.name.startswith("Kingston upon Hull"):
            names.add("Hull")
        for name in names:
            normalised = _normalise(name).strip()
            if normalised:
                forms.append((normalised, la))
    forms.sort(key=lambda form: -len(form[0]))
    return tuple(forms)


def las_named_in(text: str) -> list[LocalAuthority]:
    """The LAs whose 9-character code or name (as whole words) appears in text; a name inside a
    longer LA name that also appears is not counted ("Somerset" in "North Somerset")."""
    found: dict[str, LocalAuthority] = {}
    by_code = {la.code: la for la in local_authorities()}
    for match in _CODE.finditer(text):
        la = by_code.get(match[1].upper())
        if la is not None:
            found.setdefault(la.code, la)
    normalised = _normalise(text)
    taken: list[tuple[int, int]] = []
    for form, la in _name_forms():
        needle = f" {form} "
        start = normalised.find(needle)
        while start != -1:
            span = (start, start + len(needle))
            if not any(a <= span[0] and span[1] <= b for a, b in taken):
                taken.append(span)
                found.setdefault(la.code, la)
            start = normalised.find(needle, start + 1)
    return list(found.values())
