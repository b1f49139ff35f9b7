"""Pure: paging-file text → `Directory`, or `DirectoryError` listing every problem as "file:line: what (expected)".

A paging file that loads half-right pages the wrong person at 03:00, so nothing half-valid is
built: one pass reads each file into located entries (`parse_document`, collecting every format
error), and `build_directory` merges the files, refuses duplicate ids and checks every
reference (person, group, schedule, policy) against all files together. People and groups are
read here, schedules in `directory_layers`, policies and routing in `directory_policies`. What
is allowed but risky (nobody on call on Sunday night) is `directory_checks`' business.
"""
from __future__ import annotations

import difflib
from typing import Any, Mapping, Sequence, TypeVar

import yaml

from notify.directory import (
    DEFAULT_RATE_LIMITS,
    ContactKind,
    ContactMethod,
    Directory,
    Group,
    NotificationRule,
    Person,
)
from notify.directory_format import FormatError, Located, check_e164, load_located, parse_duration, parse_timezone
from notify.directory_layers import LayerReader
from notify.directory_policies import PolicyReader
from notify.directory_reader import DEFAULT_TIMEZONE, Document, Reader, Ref

T = TypeVar("T")

TOP_KEYS = ("people", "groups", "schedules", "policies", "routing", "limits")
PERSON_KEYS = ("id", "name", "language", "timezone", "contacts", "rules", "quiet_hours")
CONTACT_KEYS = ("id", "kind", "address")
RULE_KEYS = ("contact", "after")
GROUP_KEYS = ("id", "name", "members")
LANGUAGES = ("zh-CN", "en")
PHONE_KINDS = (ContactKind.SMS, ContactKind.VOICE)


class DirectoryError(ValueError):
    """The paging files are invalid; `errors` holds every problem, each "file:line: what is wrong (expected)"."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = tuple(errors)
        super().__init__(f"{len(self.errors)} paging file error(s):\n" + "\n".join(self.errors))


def parse_directory(text: str, source: str) -> Directory:
    """The directory of one paging file's text; `source` names it in errors.

    Raises:
        DirectoryError: with every problem found.
    """
    return build_directory([parse_document(text, source)])


def parse_document(text: str, source: str) -> Document:
    """Read one file's entries, collecting every format error (none raised)."""
    document = Document(source)
    try:
        data = load_located(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        document.errors.append(f"{source}:{line}: not valid YAML: {getattr(exc, 'problem', None) or exc}")
        document.read = False
        return document
    if data is None:
        return document
    if not isinstance(data, Located):
        document.errors.append(f"{source}:1: a paging file is a mapping (expected keys {', '.join(TOP_KEYS)})")
        document.read = False
        return document
    _Reader(document).read(data)
    return document


def build_directory(documents: Sequence[Document]) -> Directory:
    """Merge the files' entries, check ids and references across all of them, and build the directory.

    Raises:
        DirectoryError: format errors first (file by file), then duplicates and references.
    """
    errors = [error for document in documents for error in document.errors]
    people = _unique([d.people for d in documents], "person", errors)
    groups = _unique([d.groups for d in documents], "group", errors)
    schedules = _unique([d.schedules for d in documents], "schedule", errors)
    policies = _unique([d.policies for d in documents], "policy", errors)
    routing = _single([(d.routing.where, d.routing) for d in documents if d.routing], "routing", errors)
    limits = _single([d.limits for d in documents if d.limits], "limits", errors)
    # A file that could not be read may hold the routing; saying it is missing would mislead.
    if routing is None and all(d.read for d in documents):
        first = documents[0].source if documents else "paging files"
        errors.append(f"{first}:1: no 'routing' section in any file (expected routing: {{default_policy: POLICY_ID}})")
    known = {"person": people, "group": groups, "schedule": schedules, "policy": policies}
    for ref in (ref for document in documents for ref in document.refs):
        if ref.id not in known[ref.kind]:
            errors.append(f"{ref.where}: {ref.context}: unknown {ref.kind} {ref.id!r} ({_expected(ref, known[ref.kind])})")
    if errors or routing is None:
        raise DirectoryError(errors)
    return Directory(
        people=people, groups=groups, schedules=schedules, policies=policies,
        routes=routing.routes, default_policy=routing.default_policy, major_targets=routing.major,
        rate_limits=limits if limits is not None else DEFAULT_RATE_LIMITS,
    )


def _expected(ref: Ref, ids: Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(ref.id, list(ids), n=1)
    section = {"person": "people", "group": "groups", "schedule": "schedules", "policy": "policies"}[ref.kind]
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"{hint}expected an id listed under {section}"


def _unique(lists: list[list[tuple[str, T]]], kind: str, errors: list[str]) -> dict[str, T]:
    seen: dict[str, str] = {}
    result: dict[str, T] = {}
    for where, value in (entry for entries in lists for entry in entries):
        ident = value.id  # type: ignore[attr-defined]
        if ident in seen:
            errors.append(f"{where}: duplicate {kind} id {ident!r} (first defined at {seen[ident]}; ids must be unique)")
            continue
        seen[ident], result[ident] = where, value
    return result


def _single(found: list[tuple[str, T]], section: str, errors: list[str]) -> T | None:
    for where, _ in found[1:]:
        errors.append(f"{where}: a second {section!r} section (first at {found[0][0]}; expected one in all files)")
    return found[0][1] if found else None


class _Reader(Reader):
    """Reads one document section by section, appending to the `Document` instead of stopping at an error."""

    def __init__(self, document: Document) -> None:
        super().__init__(document)
        self.layers = LayerReader(self)
        self.policies = PolicyReader(self)

    def read(self, data: Located) -> None:
        """Every section of the file's top-level mapping."""
        for key in data:
            if key not in TOP_KEYS:
                self.error(data.line_of(key), "", f"unknown top-level key {key!r} (expected {', '.join(TOP_KEYS)})")
        for key in data.duplicate_keys:
            self.error(1, "", f"top-level key {key!r} is written twice (expected each section once)")
        for item in self.items(data, "people", "people"):
            self.person(item)
        for item in self.items(data, "groups", "groups"):
            self.group(item)
        for item in self.items(data, "schedules", "schedules"):
            schedule = self.layers.schedule(item)
            if schedule is not None:
                self.doc.schedules.append((self.where(item.line), schedule))
        for item in self.items(data, "policies", "policies"):
            self.policies.policy(item)
        if "routing" in data:
            self.policies.routing(data)
        if "limits" in data:
            self.policies.limits(data)

    def person(self, item: Located) -> None:
        """One person, added to the document."""
        pid = self.ident(item, "person")
        context = f"person {pid or '?'}"
        self.check_keys(item, PERSON_KEYS, ("id", "name"), context)
        language = self.text(item, "language", context, default="zh-CN")
        if language not in LANGUAGES:
            self.error(item.line_of("language"), context, f"language {language!r} (expected {' or '.join(LANGUAGES)})")
        contacts: list[ContactMethod] = []
        for entry in self.items(item, "contacts", context):
            contact = self.contact(entry, context)
            if contact is None:
                continue
            if any(c.id == contact.id for c in contacts):
                self.error(entry.line, context, f"duplicate contact id {contact.id!r} (expected unique ids per person)")
            contacts.append(contact)
        known = {c.id for c in contacts}
        rules = [self.rule(entry, context, known) for entry in self.items(item, "rules", context)]
        if "rules" not in item:  # by default every contact method at once, in the order listed
            rules = [NotificationRule(contact=c.id) for c in contacts]
        if pid is None:
            return
        self.doc.people.append((self.where(item.line), Person(
            id=pid,
            name=self.text(item, "name", context, default=pid),
            contacts=tuple(contacts),
            rules=tuple(rule for rule in rules if rule is not None),
            language=language if language in LANGUAGES else "zh-CN",
            timezone=self.parsed(item, "timezone", parse_timezone, context, default=DEFAULT_TIMEZONE),
            quiet_hours=self.window(item, "quiet_hours", context),
        )))

    def contact(self, item: Located, context: str) -> ContactMethod | None:
        """One contact method; sms and voice addresses must be E.164."""
        cid = self.text(item, "id", context)
        where = f"{context}, contact {cid or '?'}"
        self.check_keys(item, CONTACT_KEYS, CONTACT_KEYS, where)
        kind_text = self.text(item, "kind", where)
        address = self.text(item, "address", where)
        kinds = tuple(str(k) for k in ContactKind)
        if kind_text is not None and kind_text not in kinds:
            self.error(item.line_of("kind"), where, f"unknown kind {kind_text!r} (expected one of {', '.join(kinds)})")
            return None
        if cid is None or kind_text is None or address is None:
            return None
        kind = ContactKind(kind_text)
        if kind in PHONE_KINDS:
            try:
                check_e164(address)
            except FormatError as exc:
                self.error(item.line_of("address"), where, f"address {exc}")
        return ContactMethod(id=cid, kind=kind, address=address)

    def rule(self, item: Located, context: str, known: set[str]) -> NotificationRule | None:
        """One notification rule, naming one of the person's own contact methods."""
        contact = self.text(item, "contact", context)
        where = f"{context}, rule for {contact or '?'}"
        self.check_keys(item, RULE_KEYS, RULE_KEYS, where)
        after = self.parsed(item, "after", parse_duration, where)
        if contact is not None and contact not in known:
            listed = ", ".join(sorted(known)) or "none"
            self.error(item.line_of("contact"), where, f"unknown contact {contact!r} (expected one of this person's contacts: {listed})")
            return None
        return None if contact is None or after is None else NotificationRule(contact=contact, after=after)

    def group(self, item: Located) -> None:
        """One support group; each member becomes a reference."""
        gid = self.ident(item, "group")
        context = f"group {gid or '?'}"
        self.check_keys(item, GROUP_KEYS, ("id", "name", "members"), context)
        members = self.ids(item, "members", context)
        for line, member in members:
            self.ref(line, "person", member, context)
        if gid is not None:
            name = self.text(item, "name", context, default=gid)
            self.doc.groups.append((self.where(item.line), Group(id=gid, name=name, members=tuple(m for _, m in members))))
