"""What the Definitions sheet says: the terms the questions use, and a title for each category set.

A term lists the questions that use it, found by the words of the spec's labels (`stems`), so a
question added to the spec is listed under the terms it uses. A category set's title is the
research team's own comment on it in the spec file (`AGE:   # age at the date ...`), else what the
breakdowns call it ("Children referred, by sex" -> "Sex"), else its labels ("Yes or No").
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from fgc_collect.spec import Category, Item, Spec
from fgc_collect.validate.common import join_words


# (term, meaning, stems: words of a question's label that use the term)
TERMS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Family (a case)", "One family referred to the FGC service, however many children it includes: one "
     "referral, one offer, one FGC per family. Questions that say 'families' count families; a family "
     "referred twice in the year counts twice.", ("famil",)),
    ("Children", "Each child in those families, counted once in each question that says 'children' "
     "(unborn children included). Breakdowns of children add up to a count of children, not of families.",
     ("children",)),
    ("Referral (referred)", "A request to the FGC service to hold an FGC with a family, counted in the year "
     "the service received it, whoever made it (B8 says who).", ("refer",)),
    ("Offered", "The FGC service offered the family an FGC: it explained what an FGC is and asked the "
     "parents or carers to take part. Counted in the year of the offer.", ("offer",)),
    ("Consented", "The parents or carers agreed to take part in an FGC. Counted in the year they agreed; "
     "questions about children who consented count the children of those families.", ("consent",)),
    ("Declined", "The family was offered an FGC and said no. C10 gives the main reason.", ("declin",)),
    ("Held (took place)", "The family's initial FGC took place: the family met, with the coordinator, to "
     "make a plan for the child. Counted in the year it took place.", ("took place", "held")),
    ("Did not take place", "The family consented but the FGC was not held. D10 gives the main reason; "
     "counted in the year the family consented.", ("did not take place",)),
    ("Initial and review FGCs", "An initial FGC is the first conference for a family in a referral; later "
     "conferences that review the family's plan are review FGCs.", ("initial", "review")),
    ("Plan agreed", "At the initial FGC the family agreed a plan for the child's care and safety.",
     ("agreed a plan",)),
    ("Pre-proceedings", "The stage of the Public Law Outline before care proceedings: from the letter "
     "before proceedings (the local authority's letter telling the parents it is considering care "
     "proceedings) until proceedings are issued or the concerns are resolved.",
     ("pre-proceedings", "letter before proceedings")),
    ("FGC service", "The local authority's arrangements for offering and holding FGCs: in-house, "
     "commissioned from an external provider, or a mix of the two.", ("fgc service", "provider", "delivered")),
    ("FGC coordinator", "The person who prepares and runs an FGC with the family. Full-time equivalent: "
     "each coordinator's contracted hours as a share of full-time hours, added up, at 31 March.",
     ("coordinator",)),
    ("Case-holding social worker", "The social worker responsible for the child's case; an independent "
     "coordinator is someone else.", ("case-holding",)),
    ("Social care status at referral", "The child's social care status when the family was referred: one "
     "per child, the first that applies, in the order the categories list below explains.",
     ("social care status",)),
    ("Main reason", "One reason per family: the one that mattered most.", ("main reason",)),
    ("Blank and 0", "Blank means 'not provided': the figure is not known or not recorded. "
     "0 means 'none'. They are different answers.", ()),
    ("Exact numbers only", "Give exact whole numbers. Do not round, and do not write '<5', 'c', '*', "
     "ranges or 'approx': the research team suppresses small numbers at publication, never in a return.", ()),
    ("Period", "{period} unless the question says otherwise. Counts are of events in the year, so a family "
     "referred in one year may be offered an FGC or hold it in the next.", ()),
    ("Breakdowns", "The categories of a breakdown add up to the total named under them. Fill every "
     "category (0 if none), and use Unknown (or Not known) when a child's details are not recorded.", ()),
    ("Codes", "Drop-down lists show the labels below. A return may give either the label or the code.", ()),
)


def term_items(spec: Spec, stems: tuple[str, ...]) -> list[str]:
    """The questions whose label uses one of the stems (case ignored), in the spec's order."""
    return [item.id for item in spec.items if any(stem in item.label.casefold() for stem in stems)]


# --------------------------------------------------------------------------- category sets

_SET_LINE = re.compile(r"^(?P<indent>\s+)(?P<name>[A-Za-z_][\w]*):\s*(?P<rest>[^#]*?)\s*(?:#\s*(?P<comment>.*))?$")
_COMMENT_LINE = re.compile(r"^\s+#\s*(?P<comment>.*)$")


def comments_in(text: str) -> dict[str, str]:
    """Set name -> the comment written on its line (and the comment lines under it), for every key of
    a `category_sets:` block (at any depth: `category_sets: add: FGDM:   # ...`)."""
    found: dict[str, str] = {}
    lines = text.splitlines()
    inside, depth = False, 0
    for index, line in enumerate(lines):
        if re.match(r"^\s*category_sets:\s*(#.*)?$", line):
            inside, depth = True, len(line) - len(line.lstrip())
            continue
        if not inside or not line.strip() or line.lstrip().startswith("#"):
            continue
        if len(line) - len(line.lstrip()) <= depth:
            inside = False
            continue
        match = _SET_LINE.match(line)
        # a set's line opens a mapping ("AGE:   # ..." or 'YESNO: {"Y": "Yes"}'); a code's line has its label
        if not match or not match["comment"] or not (match["rest"] == "" or match["rest"].startswith("{")):
            continue
        words = [match["comment"].strip()]
        for follow in lines[index + 1:]:
            more = _COMMENT_LINE.match(follow)
            if not more or len(follow) - len(follow.lstrip()) <= len(match["indent"]):
                break
            words.append(more["comment"].strip())
        found.setdefault(match["name"], " ".join(words))
    return found


@cache
def spec_comments() -> dict[str, str]:
    """The research team's comments on the category sets, from every spec file the project carries."""
    found: dict[str, str] = {}
    for entry in sorted(resources.files("fgc_collect.spec").iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".yaml", ".yml")):
            for name, comment in comments_in(entry.read_text(encoding="utf-8")).items():
                found.setdefault(name, comment)
    return found


def _topic(items: list[Item]) -> str | None:
    """What the breakdowns of a set call it: "Children referred, by age at referral" ... -> "age"."""
    phrases = [item.label.rsplit(", by ", 1)[1].split() for item in items if ", by " in item.label]
    if not phrases:
        return None
    common = []
    for words in zip(*phrases):
        if len(set(words)) > 1:
            break
        common.append(words[0])
    while common and common[-1] in ("at", "the", "of", "by", "in"):
        common.pop()
    return " ".join(common) or None


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def category_set_title(spec: Spec, name: str, codes: tuple[Category, ...]) -> str:
    """A plain title for a category set, from the spec (never its bare name, such as "NEED")."""
    using = [item for item in spec.items if item.category_set == name or (item.choices and item.choices == codes)]
    comment = spec_comments().get(name)
    topic = _topic(using)
    if comment:
        if topic and topic.casefold() not in comment.casefold():
            return f"{_capital(topic)}: {comment}"
        return _capital(comment)
    if topic:
        return _capital(topic)
    if len(codes) <= 3:
        return join_words([category.label for category in codes], "or")
    return "Answers to " + join_words([item.id for item in using]) if using else "Categories"
