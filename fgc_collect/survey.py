"""The research team's survey file: the year being collected, who councils contact, the deadline,
the publication's date and status, and (optionally) changes to the spec for that year.

Found, in order: the `--survey FILE` option, else `$FGC_SURVEY`, else `./fgc-survey.yaml` when it
exists. Without one, fgc-collect runs on the spec's own year and deadline and names no contact
address (a placeholder address appears only in the demo's own survey file). Imports only the
standard library and PyYAML, lazily: start-up must stay fast.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

SURVEY_ENV = "FGC_SURVEY"
SURVEY_FILE_NAME = "fgc-survey.yaml"
_YEAR = re.compile(r"^(\d{4})-(\d{2})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class SurveyFileError(ValueError):
    """A survey file that cannot be used: the message is one sentence for the user."""


@dataclass(frozen=True)
class Contact:
    email: str | None = None
    organisation: str | None = None
    phone: str | None = None

    def sentence(self) -> str:
        """How a council reaches the research team, in words, for a cover or a report."""
        parts = [part for part in (self.organisation, self.email, self.phone) if part]
        return ", ".join(parts) if parts else "the research team that sent you this workbook"


@dataclass(frozen=True)
class Publication:
    date: date | None = None
    status: str = "official statistics in development"
    statistician: str | None = None


@dataclass(frozen=True)
class Survey:
    """What the research team sets for one year's collection. `path` is None for the defaults."""

    year: str | None = None
    contact: Contact = field(default_factory=Contact)
    deadline: date | None = None
    publication: Publication = field(default_factory=Publication)
    changes: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def deadline_for(self, spec) -> date:
        """When returns of spec's year are due: the survey file's deadline when the file is for that
        year (or names none), else the spec's own (a late 2023-24 template keeps 2023-24's)."""
        return self.deadline if self.deadline and self.year in (None, spec.year) else spec.deadline


_KEYS = {"year", "contact", "deadline", "publication", "changes"}
_CONTACT_KEYS = {"email", "organisation", "phone"}
_PUBLICATION_KEYS = {"date", "status", "statistician"}

# Set by the command line's --survey option; None means "look at $FGC_SURVEY, then ./fgc-survey.yaml".
_chosen: Path | None = None
_loaded: dict[Path | None, Survey] = {}


def choose_survey_file(path: Path | None) -> None:
    """Called by the command line with the --survey option's value (None when not given)."""
    global _chosen
    _chosen = Path(path) if path is not None else None


def survey_file_path() -> Path | None:
    """The survey file in force: --survey, else $FGC_SURVEY, else ./fgc-survey.yaml when present."""
    if _chosen is not None:
        return _chosen
    from_env = os.environ.get(SURVEY_ENV)
    if from_env:
        return Path(from_env)
    local = Path(SURVEY_FILE_NAME)
    return local if local.is_file() else None


def current_survey() -> Survey:
    """The survey settings in force (loaded once per file). Raises SurveyFileError with a sentence."""
    path = survey_file_path()
    key = path.resolve() if path is not None else None  # ./fgc-survey.yaml of another folder is another file
    if key not in _loaded:
        _loaded[key] = load_survey_file(path) if path is not None else Survey()
    return _loaded[key]


def load_survey_file(path: Path) -> Survey:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SurveyFileError(f"the survey file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SurveyFileError(f"the survey file {path} could not be read ({getattr(error, 'strerror', None) or error}).") from None
    return parse_survey(text, Path(path))


def parse_survey(text: str, path: Path | None = None) -> Survey:
    import yaml

    where = f"the survey file {path}" if path else "the survey file"
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise SurveyFileError(f"{where} is not valid YAML{line}.") from None
    if not isinstance(data, dict):
        raise SurveyFileError(f"{where} must be a set of 'key: value' lines (year, contact, deadline, publication, changes).")
    _no_unknown_keys(data, _KEYS, where)

    year = data.get("year")
    if year is not None:
        year = str(year)
        match = _YEAR.match(year)
        if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
            raise SurveyFileError(f"{where} gives the year {year!r}: write it as YYYY-YY, for example \"2024-25\" (in quotes).")

    contact_data = _section(data, "contact", where)
    _no_unknown_keys(contact_data, _CONTACT_KEYS, f"{where}'s contact")
    email = _text(contact_data.get("email"))
    if email is not None and not _EMAIL.match(email):
        raise SurveyFileError(f"{where} gives the contact email {email!r}, which is not an email address.")
    contact = Contact(email=email, organisation=_text(contact_data.get("organisation")), phone=_text(contact_data.get("phone")))

    publication_data = _section(data, "publication", where)
    _no_unknown_keys(publication_data, _PUBLICATION_KEYS, f"{where}'s publication")
    publication = Publication(
        date=_date(publication_data.get("date"), f"{where}'s publication date"),
        status=_text(publication_data.get("status")) or Publication.status,
        statistician=_text(publication_data.get("statistician")),
    )
    changes = data.get("changes") or {}
    if not isinstance(changes, dict):
        raise SurveyFileError(f"{where}'s changes must be in the shape of the 2024-25 changes file (aggregate:, child_level:).")
    return Survey(year=year, contact=contact, deadline=_date(data.get("deadline"), f"{where}'s deadline"),
                  publication=publication, changes=changes, path=path)


def _section(data: dict, key: str, where: str) -> dict:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise SurveyFileError(f"{where}'s {key} must be a set of 'key: value' lines.")
    return value


def _no_unknown_keys(data: dict, known: set[str], where: str) -> None:
    unknown = sorted(str(key) for key in data if key not in known)
    if unknown:
        raise SurveyFileError(f"{where} has {', '.join(unknown)}, which fgc-collect does not know (it knows {', '.join(sorted(known))}).")


def _text(value: Any) -> str | None:
    return None if value is None or str(value).strip() == "" else str(value).strip()


def _date(value: Any, what: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise SurveyFileError(f"{what} {value!r} is not a date: write it as YYYY-MM-DD.") from None


def collection_year(year: str | None = None) -> str:
    """The year a command works on: the one it is given, else the survey file's, else the latest
    year the project has a spec for."""
    if year:
        return year
    from fgc_collect.spec import latest_year

    return current_survey().year or latest_year()


def spec_for(year: str | None = None):
    """The aggregate spec of `year` as this collection runs it: the survey file's `changes:` apply
    to the survey's own year (a year's returns are checked against the questions they were sent)."""
    from fgc_collect.spec import load_spec

    year = collection_year(year)
    survey = current_survey()
    return load_spec(year, survey.changes if survey.changes and survey.year in (None, year) else None)


def child_spec_for(year: str | None = None):
    """The child-level spec of `year`, with the survey file's changes as spec_for applies them."""
    import json

    from fgc_collect.child.spec import load_child_spec

    year = collection_year(year)
    survey = current_survey()
    changes = survey.changes if survey.changes and survey.year in (None, year) else None
    return load_child_spec(year, json.dumps(changes, sort_keys=True, default=str) if changes else "")
