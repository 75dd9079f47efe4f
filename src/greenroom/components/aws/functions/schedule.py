"""EventBridge schedule expressions, `cron(...)` and `rate(...)`, and when they next fire (UTC).

Standard library only: the same file validates the model and runs inside a function's container,
e.g. ``parse("cron(0 5 * * ? *)").next_after(datetime(2026, 1, 1, tzinfo=UTC))`` is 05:00 that day.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

MONTHS = {
    name: i + 1
    for i, name in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    )
}
DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
"""EventBridge numbers the days of the week 1 (SUN) to 7 (SAT), not cron's 0-6."""
FIELDS = "minutes hours day-of-month month day-of-week year"
RATE_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
LAST_YEAR = 2199


class ScheduleError(ValueError):
    """An expression EventBridge would refuse; the message says how to write it."""


@dataclass(frozen=True)
class Rate:
    """`rate(5 minutes)`: every interval, counted from when the schedule starts."""

    seconds: int

    def next_after(self, after: datetime, *, start: datetime | None = None) -> datetime:
        origin = start or after
        steps = int((after - origin).total_seconds() // self.seconds) + 1
        return origin + timedelta(seconds=steps * self.seconds)


DaySet = Callable[[int, int], set[int]]
"""(year, month) -> the days of that month a day field matches."""


@dataclass(frozen=True)
class Cron:
    """`cron(minutes hours day-of-month month day-of-week year)`, evaluated in UTC."""

    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    months: frozenset[int]
    years: frozenset[int]
    days: DaySet

    def next_after(self, after: datetime, *, start: datetime | None = None) -> datetime | None:
        """The first time strictly after ``after`` that matches; None when none is left."""
        after = after.astimezone(UTC)
        first = (after + timedelta(minutes=1)).replace(second=0, microsecond=0)
        for year in range(first.year, LAST_YEAR + 1):
            if year not in self.years:
                continue
            for month in sorted(self.months):
                if (year, month) < (first.year, first.month):
                    continue
                for day in sorted(self.days(year, month)):
                    if date(year, month, day) < first.date():
                        continue
                    for hour in self.hours:
                        for minute in self.minutes:
                            when = datetime(year, month, day, hour, minute, tzinfo=UTC)
                            if when >= first:
                                return when
        return None


Schedule = Rate | Cron


def parse(text: str) -> Schedule:
    """A schedule from ``cron(...)`` or ``rate(...)``; ScheduleError says what is wrong."""
    text = text.strip()
    match = re.fullmatch(r"(cron|rate)\((.*)\)", text)
    if not match:
        raise ScheduleError(
            f"{text!r} is not a schedule expression; write cron(minutes hours day-of-month month "
            "day-of-week year), e.g. cron(0 5 * * ? *), or rate(value unit), e.g. rate(5 minutes)"
        )
    kind, body = match.groups()
    return _rate(body.strip()) if kind == "rate" else _cron(body.split())


def _rate(body: str) -> Rate:
    match = re.fullmatch(r"(\d+) (minute|hour|day)(s?)", body)
    if not match:
        raise ScheduleError(
            f"rate({body}) needs a whole number and minute(s), hour(s) or day(s), e.g. "
            "rate(1 hour) or rate(15 minutes)"
        )
    value, unit, plural = int(match.group(1)), match.group(2), match.group(3)
    if value < 1:
        raise ScheduleError(f"rate({body}): the value must be at least 1")
    if (value == 1) == bool(plural):
        right = f"{value} {unit}{'' if value == 1 else 's'}"
        raise ScheduleError(f"rate({body}): EventBridge wants rate({right})")
    return Rate(value * RATE_UNITS[unit])


def _cron(parts: list[str]) -> Cron:
    if len(parts) != 6:
        hint = ""
        if len(parts) == 5:
            m, h, dom, month, dow = parts
            first, second = (dom, "?") if dow == "*" else ("?", dow)
            fixed = " ".join([m, h, first, month, second, "*"])
            hint = f"; a Unix cron's five fields become cron({fixed})"
        raise ScheduleError(
            f"cron({' '.join(parts)}) has {len(parts)} fields; EventBridge's cron has six: "
            f"{FIELDS}{hint}"
        )
    minute, hour, dom, month, dow, year = parts
    if (dom == "?") == (dow == "?"):
        raise ScheduleError(
            f"cron({' '.join(parts)}): exactly one of day-of-month and day-of-week must be `?` "
            "(EventBridge cannot match both), e.g. cron(0 5 * * ? *) or cron(0 5 ? * MON *)"
        )
    months = frozenset(_values(month, "month", 1, 12, MONTHS))
    years = frozenset(_values(year, "year", 1970, LAST_YEAR, {}))
    return Cron(
        minutes=tuple(sorted(_values(minute, "minutes", 0, 59, {}))),
        hours=tuple(sorted(_values(hour, "hours", 0, 23, {}))),
        months=months,
        years=years,
        days=_dom(dom) if dow == "?" else _dow(dow),
    )


def _number(text: str, field: str, low: int, high: int, names: dict[str, int]) -> int:
    value = names.get(text.upper()) if not text.isdigit() else int(text)
    if value is None or not low <= value <= high:
        named = f" or {'-'.join(list(names)[:: len(names) - 1])}" if names else ""
        raise ScheduleError(f"{field}: {text!r} is not a value from {low} to {high}{named}")
    return value


def _values(text: str, field: str, low: int, high: int, names: dict[str, int]) -> set[int]:
    """A field's `*`, `a`, `a-b`, `a/n`, `*/n`, `a-b/n` and lists of them."""
    out: set[int] = set()
    for item in text.split(","):
        spread, _, step_text = item.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) < 1:
                raise ScheduleError(f"{field}: {item!r} needs a whole step after `/`")
            step = int(step_text)
        if spread == "*":
            first, last = low, high
        elif "-" in spread:
            a, b = spread.split("-", 1)
            first, last = _number(a, field, low, high, names), _number(b, field, low, high, names)
            if first > last:
                raise ScheduleError(f"{field}: the range {spread!r} runs backwards")
        else:
            first = _number(spread, field, low, high, names)
            last = high if step_text else first
        out.update(range(first, last + 1, step))
    return out


def _weekday(year: int, month: int, day: int) -> int:
    """EventBridge's day of the week: 1 (SUN) to 7 (SAT)."""
    return (date(year, month, day).isoweekday() % 7) + 1


def _dom(text: str) -> DaySet:
    """Day of month: values, `L` (the last day), `nW` (the weekday nearest day n), `LW`."""
    if text in {"L", "LW"} or re.fullmatch(r"\d+W", text):

        def special(year: int, month: int) -> set[int]:
            last = calendar.monthrange(year, month)[1]
            if text == "L":
                return {last}
            day = last if text == "LW" else min(int(text[:-1]), last)
            return {_nearest_weekday(year, month, day, last)}

        if text.endswith("W") and text != "LW":
            _number(text[:-1], "day-of-month", 1, 31, {})
        return special
    wanted = _values(text, "day-of-month", 1, 31, {})
    return lambda year, month: {d for d in wanted if d <= calendar.monthrange(year, month)[1]}


def _nearest_weekday(year: int, month: int, day: int, last: int) -> int:
    """The Monday-to-Friday day nearest ``day`` without leaving the month (cron's `W`)."""
    weekday = date(year, month, day).weekday()  # Monday 0 .. Sunday 6
    if weekday == 5:
        return day - 1 if day > 1 else day + 2
    if weekday == 6:
        return day + 1 if day < last else day - 2
    return day


def _dow(text: str) -> DaySet:
    """Day of week: values and names, `nL` (the last such day), `n#k` (the k-th such day)."""
    nth = re.fullmatch(r"(\w+)#([1-5])", text)
    last = re.fullmatch(r"(\w+)L", text)
    if nth or (last and text != "L"):
        found = nth or last
        assert found is not None
        weekday = _number(found.group(1), "day-of-week", 1, 7, DAYS)

        def matching(year: int, month: int) -> set[int]:
            days = [
                d
                for d in range(1, calendar.monthrange(year, month)[1] + 1)
                if _weekday(year, month, d) == weekday
            ]
            if nth:
                k = int(nth.group(2))
                return {days[k - 1]} if k <= len(days) else set()
            return {days[-1]}

        return matching
    wanted = _values("7" if text == "L" else text, "day-of-week", 1, 7, DAYS)
    return lambda year, month: {
        d
        for d in range(1, calendar.monthrange(year, month)[1] + 1)
        if _weekday(year, month, d) in wanted
    }
