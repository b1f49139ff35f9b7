"""Pure: counts over time — incidents opened per day or week, and noise reduction (alerts in, incidents, pages out).

Every bucket of the period is present, zeros included, so a chart's bars line up with the
calendar. Noise reduction is the share of received alerts that did not become an incident of
their own: 1 - incidents / alerts; pages per incident says how loud each incident was.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Sequence

from incidents.reports.period import Bucket, Period, bucket_of
from incidents.reports.records import AlertSample, IncidentRecord


@dataclass(frozen=True)
class NoisePoint:
    """One bucket: alerts received (of which suppressed), incidents opened, people paged."""

    bucket: date
    alerts: int
    suppressed: int
    incidents: int
    pages: int

    @property
    def reduction(self) -> float | None:
        """1 - incidents / alerts: the share of alerts that opened no incident of their own; None without alerts."""
        return 1 - self.incidents / self.alerts if self.alerts else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "bucket": self.bucket.isoformat(),
            "alerts": self.alerts,
            "suppressed": self.suppressed,
            "incidents": self.incidents,
            "pages": self.pages,
            "reduction": self.reduction,
        }


def buckets(period: Period, bucket: Bucket) -> list[date]:
    """Every bucket the period touches, in order."""
    if bucket is Bucket.DAY:
        return period.days()
    first = bucket_of(period.start, bucket, period.zone)
    last = bucket_of(period.end - timedelta(microseconds=1), bucket, period.zone)
    return [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]


def incident_counts(records: Sequence[IncidentRecord], period: Period, bucket: Bucket) -> list[tuple[date, int]]:
    """(bucket, incidents opened in it) for every bucket of the period."""
    counted = Counter(bucket_of(record.opened_at, bucket, period.zone) for record in records)
    return [(day, counted[day]) for day in buckets(period, bucket)]


def noise(
    records: Sequence[IncidentRecord], alerts: Sequence[AlertSample], period: Period, bucket: Bucket
) -> list[NoisePoint]:
    """Alerts, suppressed alerts, incidents and pages per bucket; pages and alerts outside the period are left out."""

    def within(instant) -> bool:
        return period.start <= instant < period.end

    received = Counter(bucket_of(sample.at, bucket, period.zone) for sample in alerts if within(sample.at))
    suppressed = Counter(
        bucket_of(sample.at, bucket, period.zone) for sample in alerts if sample.suppressed and within(sample.at)
    )
    opened = Counter(bucket_of(record.opened_at, bucket, period.zone) for record in records if within(record.opened_at))
    paged = Counter(
        bucket_of(page.at, bucket, period.zone) for record in records for page in record.pages if within(page.at)
    )
    return [
        NoisePoint(day, received[day], suppressed[day], opened[day], paged[day]) for day in buckets(period, bucket)
    ]
