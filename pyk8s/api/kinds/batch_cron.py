"""The schedule language of CronJob.spec.schedule: five cron fields, or a @descriptor.

It accepts what Kubernetes accepts (the "standard" parser of the Go library robfig/cron v3)
and rejects the rest with the same messages, which the API server shows as
`spec.schedule: Invalid value: "...": <message>`. The CronJob controller uses `next_after`
to find the next run.

    minute hour day-of-month month day-of-week      e.g. "*/15 9-17 * * mon-fri"
    @yearly @annually @monthly @weekly @daily @midnight @hourly, @every 1h30m
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

# (name, lowest, highest, names usable instead of numbers)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_FIELDS = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, {name: i + 1 for i, name in enumerate(_MONTHS)}),
    ("day of week", 0, 6, {name: i for i, name in enumerate(_DAYS)}),
)
_DESCRIPTORS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


class CronError(ValueError):
    """A schedule the cron parser rejects; str() is the message Kubernetes shows."""


@dataclass(frozen=True)
class CronSchedule:
    """A parsed schedule: the allowed values of each field, or a fixed interval."""

    minutes: frozenset[int] = frozenset()
    hours: frozenset[int] = frozenset()
    days_of_month: frozenset[int] = frozenset()
    months: frozenset[int] = frozenset()
    days_of_week: frozenset[int] = frozenset()
    # cron's day rule: when either day field is "*", both must match; otherwise either may.
    any_day_field_is_star: bool = True
    every: timedelta | None = None  # set for "@every <duration>"

    def next_after(self, moment: datetime) -> datetime:
        """The first run strictly after `moment`, in moment's time zone (wall-clock time)."""
        if self.every is not None:
            return moment.replace(microsecond=0) + max(self.every, timedelta(seconds=1))
        t = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        limit = t.year + 5
        while t.year <= limit:
            if t.month not in self.months:
                t = (t.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
            elif not self._day_matches(t):
                t = t.replace(hour=0, minute=0) + timedelta(days=1)
            elif t.hour not in self.hours:
                t = t.replace(minute=0) + timedelta(hours=1)
            elif t.minute not in self.minutes:
                t += timedelta(minutes=1)
            else:
                return t
        raise CronError("schedule never fires")

    def _day_matches(self, t: datetime) -> bool:
        dom = t.day in self.days_of_month
        dow = (t.isoweekday() % 7) in self.days_of_week
        return (dom and dow) if self.any_day_field_is_star else (dom or dow)


def parse(schedule: str) -> CronSchedule:
    """Parse a schedule; raise CronError with robfig/cron's message when it is invalid."""
    spec = schedule.strip()
    if not spec:
        raise CronError("empty spec string")
    if spec.startswith(("TZ=", "CRON_TZ=")):
        # The zone prefix is parsed here; CronJob validation forbids it separately.
        _, _, spec = spec.partition(" ")
        spec = spec.strip()
    if spec.startswith("@"):
        return _descriptor(spec)
    fields = spec.split()
    if len(fields) != 5:
        raise CronError(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
    values = [_field(text, *bounds[1:]) for text, bounds in zip(fields, _FIELDS, strict=True)]
    return CronSchedule(
        *values,
        any_day_field_is_star=fields[2] in ("*", "?") or fields[4] in ("*", "?"),
    )


def _descriptor(spec: str) -> CronSchedule:
    if spec.startswith("@every "):
        return CronSchedule(every=_go_duration(spec[len("@every ") :].strip()))
    if spec not in _DESCRIPTORS:
        raise CronError(f"unrecognized descriptor: {spec}")
    return parse(_DESCRIPTORS[spec])


def _go_duration(text: str) -> timedelta:
    """Parse a Go duration like "1h30m" or "90s"."""
    position, seconds = 0, 0.0
    while position < len(text):
        match = _DURATION_PART.match(text, position)
        if not match:
            raise CronError(
                f'failed to parse duration @every {text}: time: invalid duration "{text}"'
            )
        seconds += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    if not text:
        raise CronError('failed to parse duration @every : time: invalid duration ""')
    return timedelta(seconds=seconds)


def _field(text: str, low: int, high: int, names: dict[str, int]) -> frozenset[int]:
    allowed: set[int] = set()
    for part in text.split(","):
        allowed |= _range(part, low, high, names)
    return frozenset(allowed)


def _range(expr: str, low: int, high: int, names: dict[str, int]) -> set[int]:
    range_and_step = expr.split("/")
    bounds = range_and_step[0].split("-")
    if len(range_and_step) > 2:
        raise CronError(f"too many slashes: {expr}")
    if len(bounds) > 2:
        raise CronError(f"too many hyphens: {expr}")
    if bounds[0] in ("*", "?"):
        start, end = low, high
    else:
        start = _number(bounds[0], names)
        end = _number(bounds[1], names) if len(bounds) == 2 else start
    step = 1
    if len(range_and_step) == 2:
        step = _number(range_and_step[1], {})
        if len(bounds) == 1 and bounds[0] not in ("*", "?"):
            end = high  # "N/step" means from N to the end of the field
        if step <= 0:
            raise CronError(f"step of range should be a positive number: {expr}")
    if start < low:
        raise CronError(f"beginning of range ({start}) below minimum ({low}): {expr}")
    if end > high:
        raise CronError(f"end of range ({end}) above maximum ({high}): {expr}")
    if start > end:
        raise CronError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    return set(range(start, end + 1, step))


def _number(text: str, names: dict[str, int]) -> int:
    if text.lower() in names:
        return names[text.lower()]
    if not re.fullmatch(r"[+-]?\d+", text):
        raise CronError(
            f'failed to parse int from {text}: strconv.Atoi: parsing "{text}": invalid syntax'
        )
    number = int(text)
    if number < 0:
        raise CronError(f"negative number ({number}) not allowed: {text}")
    return number
