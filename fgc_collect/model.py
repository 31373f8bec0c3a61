"""The records every stage shares: one issue shape everywhere (the CLI contract's JSON), and the
result of checking one return."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"

VALID = "valid"
WARNINGS = "warnings"
ERRORS = "errors"
UNREADABLE = "unreadable"
STATUSES = (VALID, WARNINGS, ERRORS, UNREADABLE)

UNREADABLE_RULE = "FGC000"


@dataclass(frozen=True)
class Issue:
    """One thing wrong with a return, where the council will look for it."""

    rule: str
    severity: str  # error | warning
    message: str
    item: str | None = None  # an item id of the spec (B3_U1, B3, A2), or None for the file
    sheet: str | None = None
    cell: str | None = None  # A1 reference in the file as received
    value: Any = None  # the value as the council gave it (JSON-safe)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        return {key: data[key] for key in ("rule", "severity", "item", "sheet", "cell", "value", "message")}


class UnreadableReturn(Exception):
    """A file that cannot be read as a return. The message is one plain sentence for the user."""


@dataclass
class ReturnResult:
    """What `validate` says about one file."""

    file: str
    sha256: str | None
    issues: list[Issue] = field(default_factory=list)
    la_code: str | None = None
    la_name: str | None = None
    collection: str | None = None
    year: str | None = None
    level: str | None = None
    template_version: str | None = None
    unreadable: bool = False

    @property
    def status(self) -> str:
        if self.unreadable:
            return UNREADABLE
        severities = {issue.severity for issue in self.issues}
        if ERROR in severities:
            return ERRORS
        if WARNING in severities:
            return WARNINGS
        return VALID

    def count(self, severity: str) -> int:
        return sum(1 for issue in self.issues if issue.severity == severity)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sha256": self.sha256,
            "status": self.status,
            "la_code": self.la_code,
            "la_name": self.la_name,
            "collection": self.collection,
            "year": self.year,
            "level": self.level,
            "template_version": self.template_version,
            "issues": [issue.to_json() for issue in self.issues],
        }

    @classmethod
    def unreadable_file(cls, file: str, sha256: str | None, reason: str) -> ReturnResult:
        return cls(
            file=file,
            sha256=sha256,
            unreadable=True,
            issues=[Issue(UNREADABLE_RULE, ERROR, reason)],
        )
