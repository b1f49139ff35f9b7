"""Pure: check a runbook file's text — YAML, the JSON Schema, then what a schema cannot say — with file:line errors.

The schema (runbooks/schema/runbook.schema.json, loaded by `runbooks.catalogue.load_schema` and
passed in) fixes the shape. The cross-checks here catch what would otherwise surface at 03:00:
a step id used twice, a decision jumping backwards or to a step that does not exist, a role no
one defined, a template that does not compile, an option on a step that is not a decision.
Every error names the file and, where the YAML says it, the line.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

import yaml
from jinja2 import TemplateSyntaxError
from jsonschema import Draft202012Validator

from runbooks.model import END, LANGUAGES, Runbook, runbook_from_dict
from runbooks.render import sandbox


@dataclass(frozen=True)
class LintError:
    """One problem in a runbook file."""

    source: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class LintResult:
    """The runbook (when the file is valid) and every problem found."""

    runbook: Runbook | None
    errors: tuple[LintError, ...]


def lint_text(text: str, source: str, schema: Mapping[str, Any]) -> LintResult:
    """Check one runbook document; the runbook is returned only when there is no error."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        return LintResult(None, (LintError(source, mark.line + 1 if mark else None, f"not valid YAML: {problem}"),))
    if root is None or not isinstance(data, dict):
        return LintResult(None, (LintError(source, 1, "a runbook file holds one mapping (id, title, steps, …)"),))
    errors = list(_duplicate_keys(root, source))
    validator = Draft202012Validator(schema)
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        path = list(error.absolute_path)
        where = "/".join(str(part) for part in path) or "(top)"
        errors.append(LintError(source, _line(root, path), f"{where}: {_schema_message(error)}"))
    if errors:
        return LintResult(None, tuple(errors))
    errors.extend(_cross_checks(data, root, source))
    return LintResult(None if errors else runbook_from_dict(data), tuple(errors))


def _schema_message(error: Any) -> str:
    """jsonschema's message; for an action (a oneOf) the message of the branch its `type` picks, not "not valid under any"."""
    if error.validator == "oneOf" and isinstance(error.instance, dict):
        branch = {"http": 0, "command": 1}.get(error.instance.get("type"))
        if branch is None:
            return f"action type must be 'http' or 'command', got {error.instance.get('type')!r}"
        for sub in error.context:
            if sub.schema_path and sub.schema_path[0] == branch:
                return sub.message
    return error.message


def _cross_checks(data: Mapping[str, Any], root: yaml.Node, source: str) -> Iterable[LintError]:
    """What the schema cannot express: unique ids, known roles, forward jumps, sensible fields, compiling templates."""
    roles = {role["id"] for role in data.get("roles", ())}
    seen: dict[str, str] = {}
    for part in ("steps", "rollback"):
        steps: Sequence[Mapping[str, Any]] = data.get(part, ())
        for index, step in enumerate(steps):
            path: list[Any] = [part, index]
            line = _line(root, path)
            if step["id"] in seen:
                yield LintError(source, line, f"{part}/{index}: step id {step['id']!r} already used in {seen[step['id']]}")
            seen[step["id"]] = f"{part}/{index}"
            if step.get("role") is not None and step["role"] not in roles:
                known = ", ".join(sorted(roles)) or "none defined"
                yield LintError(source, _line(root, path + ["role"]), f"{part}/{index}: role {step['role']!r} is not in roles ({known})")
            kind = step.get("kind", "manual")
            for field, needs in (("options", "decision"), ("action", "action")):
                if field in step and kind != needs:
                    yield LintError(source, _line(root, path + [field]), f"{part}/{index}: '{field}' belongs on a {needs} step, this is {kind}")
            later = {later_step["id"] for later_step in steps[index + 1:]}
            for number, option in enumerate(step.get("options", ())):
                goto = option.get("goto")
                if goto is not None and goto != END and goto not in later:
                    yield LintError(
                        source, _line(root, path + ["options", number, "goto"]),
                        f"{part}/{index}: option {option['id']!r} goes to {goto!r}, which is not a later step of {part} (or 'end')",
                    )
            yield from _templates(step, path, root, source)


def _templates(step: Mapping[str, Any], path: list[Any], root: yaml.Node, source: str) -> Iterable[LintError]:
    """Every rendered text must compile in the sandbox: a typo in `{{ … }}` is found here, not during an incident."""
    environment = sandbox()
    texts = [(["text", language], step["text"][language]) for language in LANGUAGES]
    action = step.get("action", {})
    texts += [(["action", "argv", i], arg) for i, arg in enumerate(action.get("argv", ())) if i > 0]
    if "body" in action:
        texts.append((["action", "body"], action["body"]))
    for where, template in texts:
        try:
            environment.parse(template)
        except TemplateSyntaxError as exc:
            shown = "/".join(str(part) for part in path + where)
            yield LintError(source, _line(root, path + where), f"{shown}: template does not compile: {exc.message}")


def _duplicate_keys(node: yaml.Node, source: str) -> Iterable[LintError]:
    """YAML keeps the last of two equal keys without a word; a runbook that lost a step's text that way is refused."""
    if isinstance(node, yaml.MappingNode):
        keys: set[str] = set()
        for key, value in node.value:
            if key.value in keys:
                yield LintError(source, key.start_mark.line + 1, f"key {key.value!r} appears twice in the same mapping")
            keys.add(key.value)
            yield from _duplicate_keys(value, source)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _duplicate_keys(item, source)


def _line(root: yaml.Node, path: Sequence[Any]) -> int:
    """The 1-based line of the deepest node on `path` that exists in the YAML."""
    node = root
    for part in path:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((value for key, value in node.value if key.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        if child is None:
            break
        node = child
    return node.start_mark.line + 1
