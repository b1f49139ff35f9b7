"""I/O: `alertdesk runbook list|show|lint` read runbook files; `start|step|abort|drill` act through the worker's API.

Reading and linting need no worker (the catalogue is files: the shipped library plus
`runbook_dirs`). Changes go through the worker (`--url`), like `alertdesk incidents ack`: only
the worker announces them on `incidents.events`, and signs them with the API token the CLI sends
(`api_token` or <data_dir>/cli-token); `--by` names the operator at the keyboard.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer

from alertdesk.cli.common import ConfigOption, settings_or_exit
from alertdesk.cli.worker_api import UrlOption, call_worker

runbook_app = typer.Typer(help="Emergency runbooks: list, show, lint, start, sign steps off, abort, drill.", no_args_is_help=True)

HTTP_TIMEOUT_S = 60.0  # an approved automated action runs before the answer (its own timeout is at most 600 s)
ByOption = typer.Option(None, "--by", help="The operator signing (default: the API token's user).")
LangOption = typer.Option("zh-CN", "--lang", help="zh-CN or en.")


def _catalogue(config: Optional[Path]):
    from runbooks.catalogue import CatalogueError, load_catalogue

    settings = settings_or_exit(config)
    try:
        return load_catalogue(settings.runbook_dirs)
    except CatalogueError as exc:
        typer.echo(f"invalid runbook files:\n{exc}", err=True)
        raise typer.Exit(2) from exc


@runbook_app.command("list")
def runbook_list(lang: str = LangOption, config: Optional[Path] = ConfigOption) -> None:
    """List the runbooks: id, how they start, steps, title."""
    for runbook in _catalogue(config).all():
        typer.echo(f"{runbook.id:<24} {runbook.trigger.start:<7} {len(runbook.steps):>3} steps  {runbook.title.get(lang)}")


@runbook_app.command("show")
def runbook_show(
    runbook_id: str = typer.Argument(..., help="A runbook id, or an execution id with --execution."),
    execution: bool = typer.Option(False, "--execution", help="Show a runbook execution (JSON) instead."),
    lang: str = LangOption,
    url: Optional[str] = UrlOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """Show a runbook's steps in one language, or an execution with its steps."""
    if execution:
        typer.echo(json.dumps(_request(config, url, "GET", f"/api/runbook-executions/{runbook_id}"), ensure_ascii=False, indent=2))
        return
    runbook = _catalogue(config).get(runbook_id)
    if runbook is None:
        typer.echo(f"no runbook {runbook_id!r}; `alertdesk runbook list` shows them", err=True)
        raise typer.Exit(1)
    typer.echo(f"{runbook.title.get(lang)} ({runbook.id} v{runbook.version}, start: {runbook.trigger.start})")
    typer.echo(runbook.summary.get(lang))
    for part, steps in (("steps", runbook.steps), ("rollback", runbook.rollback)):
        if steps:
            typer.echo(f"\n{part}:")
        for number, step in enumerate(steps, 1):
            flags = " [dangerous]" * step.dangerous + f" [{step.kind}]" * (step.kind != "manual")
            typer.echo(f"{number:>3}. {step.id}: {step.title.get(lang)} ({step.expected_minutes:g} min){flags}")


@runbook_app.command("lint")
def runbook_lint(files: list[Path] = typer.Argument(..., help="Runbook YAML files.")) -> None:
    """Check runbook files against the schema and the cross-checks; print file:line: error, exit 1 on any."""
    from runbooks.catalogue import lint_file

    failed = 0
    for path in files:
        result = lint_file(path)
        for error in result.errors:
            typer.echo(str(error), err=True)
        if result.errors:
            failed += 1
        else:
            typer.echo(f"{path}: ok ({result.runbook.id}, {len(result.runbook.steps)} steps)")
    if failed:
        typer.echo(f"{failed} of {len(files)} file(s) invalid", err=True)
        raise typer.Exit(1)


@runbook_app.command("start")
def runbook_start(
    incident_id: int, runbook_id: str, by: Optional[str] = ByOption, url: Optional[str] = UrlOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """Start a runbook on an incident."""
    answer = _request(config, url, "POST", f"/api/incidents/{incident_id}/runbooks", {"runbook_id": runbook_id, "by": by})
    typer.echo(f"execution {answer['execution_id']} of {runbook_id} started on incident {incident_id}")


@runbook_app.command("step")
def runbook_step(
    execution_id: int,
    step_id: str,
    verb: str = typer.Argument(..., help="begin, complete, skip, fail, confirm or approve."),
    note: str = typer.Option("", "--note"),
    reason: str = typer.Option("", "--reason", help="Required to skip or fail."),
    choice: Optional[str] = typer.Option(None, "--choice", help="The option of a decision step."),
    by: Optional[str] = ByOption,
    url: Optional[str] = UrlOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """Act on the current step of an execution."""
    body = {"verb": verb, "note": note, "reason": reason, "choice": choice, "by": by}
    _print_events(_request(config, url, "POST", f"/api/runbook-executions/{execution_id}/steps/{step_id}", body))


@runbook_app.command("abort")
def runbook_abort(
    execution_id: int, reason: str = typer.Option(..., "--reason"), by: Optional[str] = ByOption,
    url: Optional[str] = UrlOption, config: Optional[Path] = ConfigOption,
) -> None:
    """Abort an execution (rollback stays possible)."""
    _print_events(_request(config, url, "POST", f"/api/runbook-executions/{execution_id}/abort", {"reason": reason, "by": by}))


@runbook_app.command("drill")
def runbook_drill(
    runbook_id: Optional[str] = typer.Argument(None, help="The runbook to drill."),
    participants: str = typer.Option("", "--participants", help="Person ids, comma separated: only they are paged."),
    report: Optional[int] = typer.Option(None, "--report", help="Print the report of this drill execution instead."),
    lang: str = LangOption,
    by: Optional[str] = ByOption,
    url: Optional[str] = UrlOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """Start a drill of a runbook (a synthetic incident paging only the participants), or print a drill's report."""
    from runbooks.drills import DrillReport, StepTiming, format_report

    if report is not None:
        data = _request(config, url, "GET", f"/api/runbook-executions/{report}/report")
        steps = tuple(StepTiming(**step) for step in data.pop("steps"))
        typer.echo(format_report(DrillReport(**{**data, "participants": tuple(data["participants"]), "steps": steps}), lang))
        return
    if not runbook_id or not participants.strip():
        typer.echo("give a RUNBOOK and --participants a,b (or --report EXECUTION)", err=True)
        raise typer.Exit(2)
    body = {"participants": [p for p in participants.split(",") if p.strip()], "by": by}
    answer = _request(config, url, "POST", f"/api/runbooks/{runbook_id}/drills", body)
    typer.echo(
        f"drill of {runbook_id}: incident {answer['incident_id']}, execution {answer['execution_id']}\n"
        f"sign steps off: alertdesk runbook step {answer['execution_id']} STEP complete\n"
        f"report:        alertdesk runbook drill --report {answer['execution_id']}"
    )


def _request(config: Optional[Path], url: Optional[str], method: str, path: str, body: dict | None = None) -> Any:
    """Call the worker, leaving out unset options so the API's defaults apply; print its refusal and exit 1 on an error."""
    payload = {key: value for key, value in body.items() if value is not None} if body is not None else None
    return call_worker(config, url, method, path, payload, timeout_s=HTTP_TIMEOUT_S)


def _print_events(answer: dict[str, Any]) -> None:
    """Print the events the worker announced, one line each."""
    for event in answer["events"]:
        typer.echo(f"incident {event['incident_id']} {event['kind']} by {event['actor']}: {event['detail']}")
