"""Pure: the embedded default directory, used when no paging file is configured.

`alertdesk up` must page someone out of the box: one person "on-call" reached on the console
(the line `PAGE console -> on-call: …` an operator sees), on an always-on schedule, behind a
single-level policy that every incident follows. Given a demo phone number, the same person is
also texted at once and called two minutes later, to try the real channels end to end.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from notify.directory import (
    ContactKind,
    ContactMethod,
    Directory,
    EscalationLevel,
    EscalationPolicy,
    Layer,
    NotificationRule,
    Person,
    RotationKind,
    Schedule,
    Target,
    TargetKind,
)
from notify.directory_format import check_e164

PERSON_ID = "on-call"
SCHEDULE_ID = "on-call"
POLICY_ID = "default"
TIMEZONE = "Asia/Shanghai"
# Long before any incident this program will see, so the one-person rotation always has a shift.
_EPOCH = datetime(2000, 1, 3, 9, 0)


def default_directory(console_recipient: str = "on-call", demo_phone: str | None = None) -> Directory:
    """The default: person "on-call" on the console as `console_recipient` (plus sms/voice on `demo_phone`).

    Raises:
        ValueError: `console_recipient` is empty or `demo_phone` is not an E.164 number.
    """
    if not console_recipient.strip():
        raise ValueError("default directory: console_recipient is empty (expected a name such as on-call)")
    contacts = [ContactMethod(id="console", kind=ContactKind.CONSOLE, address=console_recipient)]
    rules = [NotificationRule(contact="console")]
    if demo_phone is not None:
        phone = check_e164(demo_phone)
        contacts += [
            ContactMethod(id="sms", kind=ContactKind.SMS, address=phone),
            ContactMethod(id="voice", kind=ContactKind.VOICE, address=phone),
        ]
        rules += [NotificationRule(contact="sms"), NotificationRule(contact="voice", after=timedelta(minutes=2))]
    person = Person(id=PERSON_ID, name="值班人员", contacts=tuple(contacts), rules=tuple(rules), timezone=TIMEZONE)
    schedule = Schedule(
        id=SCHEDULE_ID, name="值班", timezone=TIMEZONE,
        layers=(Layer(id="always", kind=RotationKind.DAILY, start=_EPOCH, participants=(PERSON_ID,)),),
    )
    policy = EscalationPolicy(
        id=POLICY_ID, name="默认升级", repeat=2,
        levels=(EscalationLevel(targets=(Target(TargetKind.SCHEDULE, SCHEDULE_ID),), after=timedelta(minutes=5)),),
    )
    return Directory(
        people={PERSON_ID: person}, groups={}, schedules={SCHEDULE_ID: schedule}, policies={POLICY_ID: policy},
        routes=(), default_policy=POLICY_ID,
    )
