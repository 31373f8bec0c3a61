"""`fgc-collect survey init|show`, and the `--survey FILE` option every command takes.

Imports click only at module level (start-up must stay fast)."""

from __future__ import annotations

from pathlib import Path

import click

from fgc_collect.clikit import UserError, echo

STARTER = '''\
# fgc-collect survey file: what the research team sets for one year's collection.
# fgc-collect reads it from --survey FILE, else $FGC_SURVEY, else ./fgc-survey.yaml.
# Check it with: fgc-collect survey show --survey {path}

year: "{year}"          # the collection year (in quotes)

contact:                # on the template's cover, in every feedback report, on the published tables' cover
  organisation:         # who runs the survey
  email:                # the address councils send returns and questions to
  phone:

deadline: {deadline}    # YYYY-MM-DD: when returns are due (the spec's deadline for {year})

publication:            # on the published tables' cover
  date:                 # YYYY-MM-DD, when the tables are published
  status: official statistics in development
  statistician:         # the statistician responsible

# changes: what differs from the {year} spec, in the shape of fgc_2024_25_changes.yaml.
# For example, a new count in section D and its check against D1:
#
# changes:
#   aggregate:
#     items:
#       add:
#         - {{after: D11, id: D12, type: count, unit: families,
#             label: "Initial FGCs held within 4 weeks of consent (families)"}}
#     rules:
#       modify:
#         FGC105: {{applies_to: "{fgc105}, D12<=D1"}}
#   child_level:
#     derivation:                   # every new count needs one: how child-level rows make it
#       not_collected: {{add: [D12]}}  # or, when the rows can give it, `add:` as in fgc_2024_25_changes.yaml
'''


def survey_option(command: click.Command) -> None:
    """Give a command the --survey option (the value is recorded before the command runs)."""
    if any(param.name == "survey_file" for param in command.params):
        return
    command.params.append(click.Option(
        ["--survey", "survey_file"], type=click.Path(path_type=Path, dir_okay=False), default=None,
        expose_value=False, is_eager=True, callback=_choose_survey,
        help="The research team's survey file (else $FGC_SURVEY, else ./fgc-survey.yaml when present).",
    ))


def _choose_survey(context: click.Context, parameter: click.Parameter, value: Path | None) -> None:
    from fgc_collect import survey

    if context.resilient_parsing:
        return
    previous = survey._chosen
    context.call_on_close(lambda: survey.choose_survey_file(previous))  # the choice lasts one command
    survey.choose_survey_file(value)
    try:
        settings()  # a survey file that cannot be used stops the command here, with its sentence
    except UserError:
        survey.choose_survey_file(previous)  # the context is never closed when parsing fails
        raise


def settings():
    """The survey settings in force, their changes checked against the spec of their year."""
    from fgc_collect.survey import SurveyFileError, current_survey, survey_file_path

    if survey_file_path() is None:
        return current_survey()
    try:
        survey = current_survey()
    except SurveyFileError as problem:
        raise UserError(str(problem)) from None
    if survey.changes:
        from fgc_collect.spec import latest_year, load_spec
        from fgc_collect.spec.overlay import SpecChangeError
        from fgc_collect.survey import child_spec_for

        year = survey.year or latest_year()
        try:
            spec = load_spec(year, survey.changes)
            child = child_spec_for(year)  # an added question needs its child-level derivation
            if (survey.changes.get("child_level") or {}).get("rules"):
                from fgc_collect.child.rules import refuse_unchecked_child_rules

                refuse_unchecked_child_rules(child)
            if (survey.changes.get("aggregate") or {}).get("rules"):
                from fgc_collect.validate.registry import refuse_unchecked_rules

                refuse_unchecked_rules(spec)
        except SpecChangeError as problem:
            raise UserError(f"{survey.path}: {problem}") from None
    return survey


@click.group()
def survey() -> None:
    """The research team's survey file: year, contact, deadline, publication, changes."""


@survey.command("init")
@click.option("--year", "year", default=None, metavar="YYYY-YY", help="The collection year (default: the latest the project knows).")
@click.option("--out", "out", type=click.Path(path_type=Path, dir_okay=False), default=Path("fgc-survey.yaml"), show_default=True)
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
def init(year: str | None, out: Path, force: bool) -> None:
    """Write a commented starter survey file to fill in."""
    from fgc_collect.spec import latest_year, load_spec
    from fgc_collect.spec.overlay import SpecChangeError

    year = year or latest_year()
    try:
        spec = load_spec(year)
    except SpecChangeError as problem:
        raise UserError(str(problem)) from None
    if out.exists() and not force:
        raise UserError(f"{out} exists already: give --force to replace it, or --out another file.")
    try:
        out.write_text(STARTER.format(year=year, deadline=spec.deadline.isoformat(), path=out, fgc105=spec.rule("FGC105").applies_to), encoding="utf-8")
    except OSError as error:
        raise UserError(f"the survey file could not be written to {out} ({error.strerror or error}).") from None
    echo(f"Wrote {out}: fill in the contact and publication, then check it with `fgc-collect survey show --survey {out}`.")


@survey.command("show")
def show() -> None:
    """Print the survey settings in force, and what their changes do to the spec."""
    from fgc_collect.spec import latest_year, load_spec

    current = settings()
    year = current.year or latest_year()
    spec = load_spec(year, current.changes or None)
    base = load_spec(year)
    lines = [
        f"Survey file: {current.path or 'none (no --survey, no $FGC_SURVEY, no ./fgc-survey.yaml)'}",
        f"Year: {year}" + ("" if current.year else " (the latest the project knows)"),
        f"Contact: {current.contact.sentence()}",
        f"Deadline: {(current.deadline or spec.deadline).isoformat()}" + ("" if current.deadline else " (the spec's)"),
        f"Publication: {current.publication.date.isoformat() if current.publication.date else 'date not yet set'}; "
        f"{current.publication.status}" + (f"; statistician {current.publication.statistician}" if current.publication.statistician else ""),
    ]
    added = [item.id for item in spec.items if item.id not in {i.id for i in base.items}]
    removed = [item.id for item in base.items if item.id not in {i.id for i in spec.items}]
    changed_rules = [rule.code for rule in spec.rules if rule not in base.rules]
    if current.changes:
        lines.append(f"Changes to the {year} spec: items added {', '.join(added) or 'none'}; removed {', '.join(removed) or 'none'}; "
                     f"rules added or changed {', '.join(changed_rules) or 'none'}.")
    echo("\n".join(lines))


COMMANDS = [survey]
