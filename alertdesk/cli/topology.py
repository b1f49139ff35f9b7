"""I/O: `alertdesk topology validate|load|show`: check topology files, load them, look things up."""
from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from alertdesk.cli.common import ConfigOption, open_session

topology_app = typer.Typer(help="The machine room's topology (CMDB) used for correlation.", no_args_is_help=True)

FilesArgument = typer.Argument(..., help="Topology files (.yaml, .yml, .csv); several merge into one topology.")


def _topology_or_exit(files: List[Path]):
    """The validated topology of `files`, or every error on stderr and exit 1."""
    from streams.correlation.topology_files import TopologyError, load_topology_files

    try:
        return load_topology_files(files)
    except TopologyError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc


@topology_app.command("validate")
def validate(files: List[Path] = FilesArgument) -> None:
    """Check the files without touching the database; exit 1 listing every error."""
    topology = _topology_or_exit(files)
    typer.echo(f"ok: {len(topology.components)} components, {len(topology.dependencies)} dependencies")


@topology_app.command("load")
def load(
    files: List[Path] = FilesArgument,
    loaded_by: str = typer.Option("cli", help="Who loads it, recorded on the revision."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Validate the files, then replace the topology in the configured database with them."""
    from incidents.topology.store import save_topology
    from streams.clock import SystemClock

    topology = _topology_or_exit(files)
    with open_session(config) as session, session.begin():
        saved = save_topology(
            session, topology, source=loaded_by, now=SystemClock().now(), files=[str(f) for f in files]
        )
    verb = "loaded" if saved.changed else "unchanged"
    typer.echo(f"{verb}: revision {saved.revision.number}, {saved.revision.component_count} components")


@topology_app.command("show")
def show(
    component: Optional[str] = typer.Argument(None, help="A component id or alias (host name, IP, host:port)."),
    files: Optional[List[Path]] = typer.Option(None, "--file", "-f", help="Read these files instead of the database."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Without COMPONENT: the site/room/row/rack tree with counts. With one: its location,
    upstream chain by relation, dependants and affected services."""
    from incidents.topology.store import current_revision, load_topology
    from incidents.topology.views import component_text, component_view, summary_text, summary_view

    if files:
        topology, revision = _topology_or_exit(files), None
    else:
        with open_session(config) as session:
            topology, revision = load_topology(session), current_revision(session)
    if component is None:
        view, text = summary_view(topology, revision), summary_text
    else:
        view, text = component_view(topology, component), component_text
        if view is None:
            typer.echo(f"component {component!r} not found", err=True)
            raise typer.Exit(1)
    typer.echo(json.dumps(view, ensure_ascii=False, indent=2) if as_json else text(view))
