"""A year's spec as changes to the year before: the research team's changes files (and a survey
file's `changes:`) applied to the two YAML documents, aggregate and child level.

Pure functions on plain dicts: the result is parsed exactly as the base year's files are, so the
template, reader, rules and tables see one spec whichever way it was made. Anything a changes file
names that does not exist (an item to remove, a set to modify, an `after` that is not there) is a
SpecChangeError with one sentence, never a silently ignored line.
"""

from __future__ import annotations

import copy
import re
from typing import Any


class SpecChangeError(ValueError):
    """A change that cannot be applied: the message is one sentence for the research team."""


_YEAR_LABEL = re.compile(r"^(\d{4})-(\d{2})$")


def next_year(year: str) -> str:
    """'2023-24' -> '2024-25'."""
    first = int(_year_parts(year)[0]) + 1
    return f"{first}-{(first + 1) % 100:02d}"


def _year_parts(year: str) -> tuple[str, str]:
    match = _YEAR_LABEL.match(year)
    if not match:
        raise SpecChangeError(f"{year!r} is not a collection year: write it as YYYY-YY, such as 2024-25.")
    return match[1], match[2]


def move_on(document: Any, from_year: str, to_year: str) -> Any:
    """The document with every year in its words moved from `from_year` to `to_year`: "2023-24"
    becomes "2024-25", "31 March 2024" becomes "31 March 2025", and dates move on as many years.
    (The changes file: "Everything not named here stays as it was, with '2023-24' read as '2024-25'
    and every date moved on one year".)"""
    shift = int(_year_parts(to_year)[0]) - int(_year_parts(from_year)[0])
    if shift == 0:
        return copy.deepcopy(document)
    first = int(_year_parts(from_year)[0])
    # The years a document of `from_year` speaks of: its own two, and the year before (a
    # previous-year comparison), each moved on by `shift`.
    years = {str(year): str(year + shift) for year in (first - 1, first, first + 1)}
    labels = {f"{year}-{(year + 1) % 100:02d}": f"{year + shift}-{(year + shift + 1) % 100:02d}"
              for year in (first - 1, first)}
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(labels, key=len, reverse=True)))
                         + r"|" + "|".join(years) + r")(?![\w])")

    def words(text: str) -> str:
        return pattern.sub(lambda m: labels.get(m[1]) or years[m[1]], text)

    def walk(node: Any) -> Any:
        from datetime import date

        if isinstance(node, dict):
            return {walk(key) if isinstance(key, str) else key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(value) for value in node]
        if isinstance(node, str):
            return words(node)
        if isinstance(node, date):
            try:
                return node.replace(year=node.year + shift)
            except ValueError:  # 29 February
                return node.replace(year=node.year + shift, day=28)
        return node

    return walk(document)


def apply_changes(aggregate: dict, child: dict, changes: dict, source: str = "the changes") -> tuple[dict, dict]:
    """The aggregate and child-level documents with `changes` applied (new copies).

    `changes` has the shape of fgc_2024_25_changes.yaml: `collection`, `aggregate` (category_sets
    add/modify, items add/remove/modify, rules add/modify/remove), `child_level` (columns, rules,
    derivation). Other sections (`reference`, `publication`) are kept under `notes` of the
    aggregate document's collection, for the stages that read them."""
    if not isinstance(changes, dict):
        raise SpecChangeError(f"{source} must be a set of sections (collection, aggregate, child_level).")
    known = {"collection", "aggregate", "child_level", "reference", "publication"}
    unknown = sorted(str(key) for key in changes if key not in known)
    if unknown:
        raise SpecChangeError(f"{source} has the section {unknown[0]!r}, which fgc-collect does not know (it knows {', '.join(sorted(known))}).")
    aggregate, child = copy.deepcopy(aggregate), copy.deepcopy(child)

    collection = changes.get("collection") or {}
    aggregate["collection"].update(collection)
    child["collection"].update({key: value for key, value in collection.items()
                                if key in ("year", "period_start", "period_end")})
    if changes.get("publication"):
        aggregate.setdefault("publication", {}).update(changes["publication"])
        # the catalogue's changes, in order, applied by change_publication when the catalogue loads
        aggregate.setdefault("publication_changes", []).append({"source": source, "changes": changes["publication"]})
    if changes.get("reference"):
        aggregate.setdefault("reference", {}).update(changes["reference"])

    aggregate_changes = changes.get("aggregate") or {}
    _check_keys(aggregate_changes, {"category_sets", "items", "rules"}, f"{source}'s aggregate section")
    _change_category_sets(aggregate["category_sets"], aggregate_changes.get("category_sets") or {}, source)
    _change_items(aggregate, aggregate_changes.get("items") or {}, source)
    _change_list(aggregate["rules"], aggregate_changes.get("rules") or {}, "code", "rule", source)

    child_changes = changes.get("child_level") or {}
    _check_keys(child_changes, {"columns", "rules", "derivation", "ethnicity_codes"}, f"{source}'s child_level section")
    _change_list(child["columns"], child_changes.get("columns") or {}, "id", "column", source)
    _change_list(child["rules"], child_changes.get("rules") or {}, "code", "rule", source)
    _change_derivation(child, child_changes.get("derivation") or {}, source)
    # An item the aggregate spec no longer has has nothing to derive.
    removed = {str(item_id) for item_id in (aggregate_changes.get("items") or {}).get("remove") or []}
    if removed and "derive" in child:
        derive = child["derive"]
        derive["items"] = {key: value for key, value in derive["items"].items() if key not in removed}
        derive["not_collected"] = [key for key in derive.get("not_collected", []) if key not in removed]
        child["derivation"] = {key: value for key, value in child["derivation"].items() if key not in removed}
    if child_changes.get("ethnicity_codes"):
        child["ethnicity_codes"].update(child_changes["ethnicity_codes"])
    return aggregate, child


def _change_derivation(child: dict, changes: dict, source: str) -> None:
    """The research team's words (`derivation`) and the project's computed form (`derive`, the
    shape of fgc_child_level_derivation.yaml): an entry given as a mapping is both; words alone
    say how, but give fgc-collect nothing to compute (the spec then refuses to load)."""
    _check_keys(changes, {"add", "modify", "remove", "stages", "categories", "not_collected", "family_fields"},
                f"{source}'s child_level derivation")
    derive = child.setdefault("derive", {"stages": {}, "categories": {}, "items": {}, "not_collected": []})
    for item_id in changes.get("remove") or []:
        if item_id not in child["derivation"] and item_id not in derive["items"]:
            raise SpecChangeError(f"{source} removes the derivation of {item_id}, which the child-level spec does not have.")
        child["derivation"].pop(item_id, None)
        derive["items"].pop(item_id, None)
    for item_id, how in {**(changes.get("modify") or {}), **(changes.get("add") or {})}.items():
        item_id = str(item_id)
        if isinstance(how, dict):
            derive["items"][item_id] = dict(how)
            child["derivation"][item_id] = str(how.get("words", ""))
        else:
            derive["items"].pop(item_id, None)
            child["derivation"][item_id] = str(how)
    stages = changes.get("stages") or {}
    _check_keys(stages, {"add", "modify"}, f"{source}'s derivation stages")
    for name, stage in {**(stages.get("modify") or {}), **(stages.get("add") or {})}.items():
        derive["stages"][str(name)] = dict(stage)
    categories = changes.get("categories") or {}  # a category set -> the child-level column coded by it
    _check_keys(categories, {"add", "remove"}, f"{source}'s derivation categories")
    for name in categories.get("remove") or []:
        derive["categories"].pop(str(name), None)
    derive["categories"].update({str(name): str(column) for name, column in (categories.get("add") or {}).items()})
    for key in ("not_collected", "family_fields"):
        listed = changes.get(key) or {}
        _check_keys(listed, {"add", "remove"}, f"{source}'s derivation {key}")
        dropped = {str(entry) for entry in listed.get("remove") or []}
        derive[key] = [entry for entry in derive.get(key, []) if entry not in dropped]
        derive[key] += [str(entry) for entry in listed.get("add") or []]


def _check_keys(section: dict, known: set[str], where: str) -> None:
    if not isinstance(section, dict):
        raise SpecChangeError(f"{where} must be a set of 'key: value' lines.")
    unknown = sorted(str(key) for key in section if key not in known)
    if unknown:
        raise SpecChangeError(f"{where} has {unknown[0]!r}, which fgc-collect does not know (it knows {', '.join(sorted(known))}).")


def _change_category_sets(sets: dict, changes: dict, source: str) -> None:
    _check_keys(changes, {"add", "modify", "remove"}, f"{source}'s category_sets")
    for name, codes in (changes.get("add") or {}).items():
        if name in sets:
            raise SpecChangeError(f"{source} adds the category set {name}, which already exists (modify it instead).")
        sets[name] = dict(codes)
    for name in changes.get("remove") or []:
        if name not in sets:
            raise SpecChangeError(f"{source} removes the category set {name}, which does not exist.")
        del sets[name]
    for name, change in (changes.get("modify") or {}).items():
        if name not in sets:
            raise SpecChangeError(f"{source} modifies the category set {name}, which does not exist.")
        _check_keys(change, {"add", "relabel", "remove", "order", "title"}, f"{source}'s change to {name}")
        codes = sets[name]
        for code, label in (change.get("add") or {}).items():
            if str(code) in map(str, codes):
                raise SpecChangeError(f"{source} adds {code} to {name}, which already has it (relabel it instead).")
            codes[code] = label
        for code, label in (change.get("relabel") or {}).items():
            key = _key(codes, code)
            if key is None:
                raise SpecChangeError(f"{source} relabels {code} in {name}, which has no such code.")
            codes[key] = label
        for code in change.get("remove") or []:
            key = _key(codes, code)
            if key is None:
                raise SpecChangeError(f"{source} removes {code} from {name}, which has no such code.")
            del codes[key]
        if change.get("order"):
            order = [str(code) for code in change["order"]]
            if sorted(order) != sorted(map(str, codes)):
                raise SpecChangeError(f"{source} orders {name} as {', '.join(order)}, which is not every code of the set once.")
            sets[name] = {_key(codes, code): codes[_key(codes, code)] for code in order}


def _key(mapping: dict, code: Any) -> Any:
    for key in mapping:
        if str(key) == str(code):
            return key
    return None


def _change_items(document: dict, changes: dict, source: str) -> None:
    _check_keys(changes, {"add", "remove", "modify"}, f"{source}'s items")
    sections = document["sections"]

    def find(item_id: str) -> tuple[list, int] | None:
        for section in sections:
            for index, item in enumerate(section["items"]):
                if str(item["id"]) == item_id:
                    return section["items"], index
        return None

    for item_id in changes.get("remove") or []:
        found = find(str(item_id))
        if found is None:
            raise SpecChangeError(f"{source} removes the item {item_id}, which the spec does not have.")
        items, index = found
        del items[index]
    for item_id, fields in (changes.get("modify") or {}).items():
        found = find(str(item_id))
        if found is None:
            raise SpecChangeError(f"{source} modifies the item {item_id}, which the spec does not have.")
        items, index = found
        if "id" in fields:
            raise SpecChangeError(f"{source} changes the id of {item_id}: an item id is for good; remove it and add a new one.")
        items[index] = {**items[index], **fields}
    for raw in changes.get("add") or []:
        raw = dict(raw)
        after = raw.pop("after", None)
        if find(str(raw.get("id"))) is not None:
            raise SpecChangeError(f"{source} adds the item {raw.get('id')}, which the spec already has.")
        section_code = raw.pop("section", None)
        if after is not None:
            found = find(str(after))
            if found is None:
                raise SpecChangeError(f"{source} adds {raw.get('id')} after {after}, which the spec does not have.")
            items, index = found
            items.insert(index + 1, raw)
        else:
            section_code = section_code or str(raw.get("id", ""))[:1]
            for section in sections:
                if section["code"] == section_code:
                    section["items"].append(raw)
                    break
            else:
                raise SpecChangeError(f"{source} adds {raw.get('id')} with no 'after' and no section it could go in.")


def _change_list(entries: list, changes: dict, key: str, what: str, source: str) -> None:
    """Rules (by code) and child-level columns (by id): add (with optional `after`), modify, remove."""
    _check_keys(changes, {"add", "modify", "remove"}, f"{source}'s {what}s")

    def position(name: Any) -> int | None:
        for index, entry in enumerate(entries):
            if str(entry[key]) == str(name):
                return index
        return None

    for name in changes.get("remove") or []:
        index = position(name)
        if index is None:
            raise SpecChangeError(f"{source} removes the {what} {name}, which the spec does not have.")
        del entries[index]
    for name, fields in (changes.get("modify") or {}).items():
        index = position(name)
        if index is None:
            raise SpecChangeError(f"{source} modifies the {what} {name}, which the spec does not have.")
        entries[index] = {**entries[index], **fields}
    for raw in changes.get("add") or []:
        raw = dict(raw)
        after = raw.pop("after", None)
        if position(raw.get(key)) is not None:
            raise SpecChangeError(f"{source} adds the {what} {raw.get(key)}, which the spec already has.")
        if after is None:
            entries.append(raw)
            continue
        index = position(after)
        if index is None:
            raise SpecChangeError(f"{source} adds the {what} {raw.get(key)} after {after}, which the spec does not have.")
        entries.insert(index + 1, raw)


# The publication catalogue's lists (fgc_collect/spec/publication.yaml) and the key of their entries.
PUBLICATION_LISTS = {"funnel": "item", "rates": "column", "stages": "item", "characteristics": "category_set",
                     "reasons": "item", "tables": "name"}


def change_publication(catalogue: dict, changes: dict, source: str = "the changes") -> dict:
    """The publication catalogue with a `publication:` section's changes applied (a new copy):
    its lists with add (and `after`), modify and remove; `estimated` with add and remove; and
    `groupings` (unit -> grouping) merged. A value that is words (the research team's
    description, such as `new_table: "..."`) changes nothing; any other key is an error."""
    if not isinstance(changes, dict):
        raise SpecChangeError(f"{source}'s publication section must be a set of 'key: value' lines.")
    catalogue = copy.deepcopy(catalogue)
    for key, change in changes.items():
        if isinstance(change, str):
            continue  # words for readers
        if key in PUBLICATION_LISTS:
            _change_list(catalogue.setdefault(key, []), change, PUBLICATION_LISTS[key], f"{key} entry",
                         f"{source}'s publication")
        elif key == "estimated":
            _check_keys(change, {"add", "remove"}, f"{source}'s publication estimated")
            dropped = {str(item) for item in change.get("remove") or []}
            catalogue["estimated"] = [item for item in catalogue.get("estimated", []) if item not in dropped]
            catalogue["estimated"] += [str(item) for item in change.get("add") or []]
        elif key == "groupings":
            _check_keys(change, set(change), f"{source}'s publication groupings")
            catalogue.setdefault("groupings", {}).update({str(unit): str(name) for unit, name in change.items()})
        else:
            known = ", ".join(sorted([*PUBLICATION_LISTS, "estimated", "groupings"]))
            raise SpecChangeError(f"{source}'s publication section has {key!r}, which fgc-collect does not know "
                                  f"(it knows {known}).")
    return catalogue
