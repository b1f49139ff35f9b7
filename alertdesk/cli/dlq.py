"""I/O: `alertdesk dlq list|replay`: read dead letters without a consumer group, re-send them after a fix."""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

if TYPE_CHECKING:
    pass

from alertdesk.cli.common import (
    Broker,
    ConfigOption,
    find_broker,
    producer_to,
    settings_or_exit,
)

#: Reading the whole dead-letter topic from the start must end even when the broker is slow.
DLQ_READ_TIMEOUT_S = 30.0

dlq_app = typer.Typer(help="Dead letters on alerts.dlq: list them, re-send them after a fix.", no_args_is_help=True)


def _read_dlq(broker: Broker) -> list[dict]:
    """Every record on alerts.dlq from the start, without a consumer group; exit 1 if it cannot be read."""
    from streams.kafka_admin import read_topic

    try:
        return read_topic(broker.servers, broker.topics.dlq, timeout=DLQ_READ_TIMEOUT_S)
    except (LookupError, TimeoutError, ValueError) as exc:
        typer.echo(f"cannot read {broker.topics.dlq}: {exc}", err=True)
        raise typer.Exit(1) from exc


def _position(record: dict) -> str:
    return f"{record['partition']}:{record['offset']}"


def _dead_letter(record: dict) -> dict:
    return record["value"] if isinstance(record["value"], dict) else {}


@dlq_app.command("list")
def dlq_list(
    limit: int = typer.Option(50, min=1, help="Show at most this many, oldest first per partition."),
    as_json: bool = typer.Option(False, "--json", help="Print the full records as JSON."),
    bootstrap: Optional[str] = typer.Option(None, help="Kafka bootstrap servers (default: configured, or the running `up`)."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """List dead letters: position (PARTITION:OFFSET), stage, source and reason."""
    from streams.dead_letter import record_source

    records = _read_dlq(find_broker(settings_or_exit(config), bootstrap))
    shown = records[:limit]
    if as_json:
        items = [{"position": _position(r), **r} for r in shown]
        typer.echo(json.dumps({"items": items, "total": len(records)}, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{'POSITION':<10} {'STAGE':<16} {'SOURCE':<18} REASON")
    for record in shown:
        letter = _dead_letter(record)
        reason = " ".join(str(letter.get("reason", "")).split())
        reason = reason if len(reason) <= 100 else reason[:99] + "…"
        typer.echo(f"{_position(record):<10} {str(letter.get('stage', '-')):<16} {record_source(letter):<18} {reason}")
    typer.echo(f"{len(shown)} of {len(records)} dead letter(s)")


@dlq_app.command("replay")
def dlq_replay(
    offsets: list[str] = typer.Option([], "--offset", help="PARTITION:OFFSET as `dlq list` shows (OFFSET alone if only one partition has it); repeatable."),
    all_records: bool = typer.Option(False, "--all", help="Every dead letter (each distinct event is sent once)."),
    stage: Optional[str] = typer.Option(None, help="Only dead letters of this stage: normalize, dedupe, correlate, incident-writer, pager."),
    bootstrap: Optional[str] = typer.Option(None, help="Kafka bootstrap servers (default: configured, or the running `up`)."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Re-send dead-lettered events, unchanged (same ids), to the topic their stage consumes — e.g. after a parser fix."""
    from streams.dead_letter import NotReplayable, redelivery
    from streams.topics import STAGE_INPUTS

    if bool(offsets) == all_records:
        typer.echo("say which dead letters: --offset PARTITION:OFFSET (repeatable) or --all", err=True)
        raise typer.Exit(2)
    if stage is not None and stage not in STAGE_INPUTS:
        typer.echo(f"unknown stage {stage!r}; stages are {', '.join(STAGE_INPUTS)}", err=True)
        raise typer.Exit(2)
    broker = find_broker(settings_or_exit(config), bootstrap)
    records = _read_dlq(broker)
    chosen = records if all_records else _pick(records, offsets)
    chosen = [r for r in chosen if stage is None or _dead_letter(r).get("stage") == stage]
    sent, skipped, seen = 0, 0, set()
    with producer_to(broker) as producer:
        for record in chosen:
            try:
                target = redelivery(_dead_letter(record), broker.topics)
            except NotReplayable as exc:
                typer.echo(f"skipped {_position(record)}: {exc}", err=True)
                skipped += 1
                continue
            identity = (target.topic, json.dumps(target.value, sort_keys=True))
            if identity in seen:  # a replay that failed again: the same event, already re-sent above
                continue
            seen.add(identity)
            producer.send_json(target.topic, target.key, target.value)
            sent += 1
            typer.echo(f"re-sent {_position(record)} ({_dead_letter(record)['stage']}) to {target.topic}, key {target.key}")
    typer.echo(f"re-sent {sent} dead letter(s)" + (f", skipped {skipped}" if skipped else ""))
    if skipped:
        raise typer.Exit(1)


def _pick(records: list[dict], wanted: list[str]) -> list[dict]:
    """The records at `wanted` positions (P:O, or O when only one partition has it); exit 1 naming any not found."""
    picked = []
    for position in wanted:
        partition, _, offset = position.rpartition(":")
        matches = [r for r in records if str(r["offset"]) == offset and partition in ("", str(r["partition"]))]
        if len(matches) != 1:
            found = ", ".join(_position(r) for r in matches)
            problem = f"is ambiguous ({found}); give PARTITION:OFFSET" if matches else "is not on the dead-letter topic"
            typer.echo(f"--offset {position} {problem}; nothing sent", err=True)
            raise typer.Exit(1)
        picked.extend(matches)
    return picked
