"""Pure: resolve an escalation level's targets (schedules, groups, people) to person ids at an instant."""
from __future__ import annotations

from datetime import datetime
from typing import Sequence

from notify.directory import Directory, Target, TargetKind
from notify.schedules import on_call


def people_for(directory: Directory, targets: Sequence[Target], at: datetime) -> tuple[str, ...]:
    """Every person the targets name at `at`, in target order, each once.

    A schedule contributes whoever is on call then (possibly nobody); a group its members; a
    person themself. Unknown ids contribute nobody (the paging file's loader rejects them, and a
    snapshot from an older file may name someone since removed).
    """
    people: dict[str, None] = {}
    for target in targets:
        if target.kind is TargetKind.SCHEDULE:
            schedule = directory.schedules.get(target.id)
            people.update(dict.fromkeys(on_call(schedule, at) if schedule else ()))
        elif target.kind is TargetKind.GROUP:
            group = directory.groups.get(target.id)
            people.update(dict.fromkeys(group.members if group else ()))
        else:
            people.update(dict.fromkeys((target.id,)))
    return tuple(people)
