"""Pure: what a runbook is — its text in both languages, trigger, roles, steps, automated actions, rollback.

A `Runbook` is built from a document that already passed the JSON Schema
(runbooks/schema/runbook.schema.json) and the cross-checks of `runbooks.lint`; `runbook_from_dict`
trusts that shape and only converts it into frozen objects, so everything downstream (triggers,
rendering, the execution state machine) works on typed values, never on raw YAML.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Mapping

#: The languages every text of a runbook is written in; the first is the default.
LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = LANGUAGES[0]
#: Where a decision option may jump: a step id, or the end of the runbook.
END = "end"


@dataclass(frozen=True)
class Text:
    """One piece of text in both languages."""

    zh: str
    en: str

    def get(self, language: str) -> str:
        """The text in `language` ("en…" gives English, anything else Chinese, the room's working language)."""
        return self.en if language.lower().startswith("en") else self.zh


class StepKind(StrEnum):
    """What a step asks of the operator."""

    MANUAL = "manual"  # do something by hand, then sign it off
    CHECK = "check"  # look at something and compare with the expected result
    DECISION = "decision"  # choose one of the options; it may jump ahead
    ACTION = "action"  # an automated action, run only after an operator approves it


class Start(StrEnum):
    """How a matching incident gets the runbook."""

    AUTO = "auto"  # an execution starts at once
    OFFER = "offer"  # an execution is offered; an operator accepts or declines it
    MANUAL = "manual"  # never started by the pipeline, only by a person


class When(StrEnum):
    """Which incident events make the pipeline look for a matching runbook."""

    OPENED = "opened"
    MAJOR = "major"
    PRIORITY = "priority"


@dataclass(frozen=True)
class Match:
    """One clause of a trigger: every field given must hold (an empty field holds for anything)."""

    categories: frozenset[str] = frozenset()
    root_kinds: frozenset[str] = frozenset()
    alertnames: frozenset[str] = frozenset()
    labels: Mapping[str, str] = field(default_factory=dict)
    min_priority: str | None = None
    major: bool | None = None


@dataclass(frozen=True)
class Trigger:
    """When the runbook applies: any one clause matching is enough."""

    start: Start
    when: frozenset[When]
    match: tuple[Match, ...]


@dataclass(frozen=True)
class HttpAction:
    """An HTTP call; the URL is fixed in the file (never rendered), the body is rendered from the incident."""

    method: str
    url: str
    timeout_s: float
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str | None = None


@dataclass(frozen=True)
class CommandAction:
    """A command run without a shell; `argv[0]` must be on the `runbook_allowed_commands` allow-list."""

    argv: tuple[str, ...]
    timeout_s: float


Action = HttpAction | CommandAction


@dataclass(frozen=True)
class Option:
    """One choice of a decision step and where it leads (a later step id, or `END`)."""

    id: str
    label: Text
    goto: str | None = None


@dataclass(frozen=True)
class Step:
    """One step of a runbook (or of its rollback)."""

    id: str
    title: Text
    kind: StepKind
    text: Text
    expected_minutes: float
    role: str | None = None
    dangerous: bool = False
    expect: Text | None = None
    options: tuple[Option, ...] = ()
    action: Action | None = None


@dataclass(frozen=True)
class Role:
    """Who is expected to do a step."""

    id: str
    title: Text


@dataclass(frozen=True)
class Reference:
    """A document, drawing or contact list behind the runbook."""

    title: Text
    url: str | None = None


@dataclass(frozen=True)
class Runbook:
    """An emergency runbook as written in its YAML file."""

    id: str
    version: int
    title: Text
    summary: Text
    trigger: Trigger
    roles: tuple[Role, ...]
    steps: tuple[Step, ...]
    rollback: tuple[Step, ...] = ()
    references: tuple[Reference, ...] = ()

    def step(self, step_id: str) -> Step:
        """The step (main or rollback) with this id.

        Raises:
            KeyError: no step has this id.
        """
        for step in self.steps + self.rollback:
            if step.id == step_id:
                return step
        raise KeyError(f"runbook {self.id} has no step {step_id!r}")


def _text(data: Mapping[str, str]) -> Text:
    return Text(zh=data["zh-CN"], en=data["en"])


def _action(data: Mapping[str, Any]) -> Action:
    if data["type"] == "http":
        return HttpAction(
            method=data.get("method", "POST").upper(),
            url=data["url"],
            timeout_s=float(data["timeout_s"]),
            headers=dict(data.get("headers", {})),
            body=data.get("body"),
        )
    return CommandAction(argv=tuple(data["argv"]), timeout_s=float(data["timeout_s"]))


def _step(data: Mapping[str, Any]) -> Step:
    return Step(
        id=data["id"],
        title=_text(data["title"]),
        kind=StepKind(data.get("kind", "manual")),
        text=_text(data["text"]),
        expected_minutes=float(data["expected_minutes"]),
        role=data.get("role"),
        dangerous=bool(data.get("dangerous", False)),
        expect=_text(data["expect"]) if "expect" in data else None,
        options=tuple(
            Option(id=option["id"], label=_text(option["label"]), goto=option.get("goto"))
            for option in data.get("options", ())
        ),
        action=_action(data["action"]) if "action" in data else None,
    )


def _match(data: Mapping[str, Any]) -> Match:
    return Match(
        categories=frozenset(data.get("categories", ())),
        root_kinds=frozenset(data.get("root_kinds", ())),
        alertnames=frozenset(data.get("alertnames", ())),
        labels=dict(data.get("labels", {})),
        min_priority=data.get("min_priority"),
        major=data.get("major"),
    )


def runbook_from_dict(data: Mapping[str, Any]) -> Runbook:
    """Convert a schema-valid runbook document into a `Runbook` (call `runbooks.lint` first: it checks the shape)."""
    trigger = data.get("trigger", {})
    return Runbook(
        id=data["id"],
        version=int(data.get("version", 1)),
        title=_text(data["title"]),
        summary=_text(data["summary"]),
        trigger=Trigger(
            start=Start(trigger.get("start", "manual")),
            when=frozenset(When(item) for item in trigger.get("when", ("opened", "major"))),
            match=tuple(_match(clause) for clause in trigger.get("match", ())),
        ),
        roles=tuple(Role(id=role["id"], title=_text(role["title"])) for role in data.get("roles", ())),
        steps=tuple(_step(step) for step in data["steps"]),
        rollback=tuple(_step(step) for step in data.get("rollback", ())),
        references=tuple(
            Reference(title=_text(ref["title"]), url=ref.get("url")) for ref in data.get("references", ())
        ),
    )
