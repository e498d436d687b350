"""Stage deadlines in working time: store hours plus the Russian production calendar.

A pure module (no models, no database). Everything takes and returns aware datetimes;
the store's hours are wall-clock times in ``WorkingHours.tz``. A "minute" is a minute of
elapsed time, so arithmetic is done in UTC and is correct across DST changes in zones
that have them (Europe/Moscow has none since 2014).

Working time is the half-open interval ``[start, end)`` of local time on every working day.
``end=time(0, 0)`` means midnight at the end of the day, so a round-the-clock store is::

    WorkingHours(start=time(0), end=time(0), weekdays=frozenset(range(7)), observe_holidays=False)

A working day is a day of ``weekdays`` (Monday=0) which, when ``observe_holidays`` is on,
is not a Russian non-working day, plus the Saturdays and Sundays that a government
decree made working ("transferred working days"); the latter count even when their
weekday is not in ``weekdays``. With ``observe_holidays=False`` only ``weekdays`` matter.

A deadline counted from a moment outside working time starts at the next working moment:
an order arriving at 23:00 on Friday with a 15-minute limit is due at 09:15 on Monday (or
on the first working day after the holidays). A limit that ends exactly at closing time is
due at closing time, not the next morning.

What the ``holidays`` package (0.108, ``holidays.RU``) knows about the production calendar
-----------------------------------------------------------------------------------------
* The statutory holidays (Labour Code art. 112): 1-6 and 8 January (New Year holidays),
  7 January, 23 February, 8 March, 1 May, 9 May, 12 June, 4 November.
* Transferred days off, but only as hard-coded per-year tables copied from the
  government decrees (up to 2027 in 0.108): days off moved by decree (e.g. 2026-01-09 and
  2026-12-31, moved from 3 and 4 January 2026) and holidays that fell on a weekend and
  were moved to the next working day (e.g. 2026-03-09 and 2026-05-11). The latter are
  listed as "(observed)" and are only there with ``observed=True``, the default used here.
* Transferred working days: weekend days that a decree made working are exposed as
  ``HolidayBase.weekend_workdays`` (e.g. Saturday 2025-11-01 and Saturday 2027-02-20; 2026
  has none). They are the "from" side of a substitution, so only Saturdays/Sundays that
  were swapped for a day off appear there.

What it does not know:
* Years without a table (2028 onwards in 0.108): only the statutory dates. The
  art. 112 rule that a holiday falling on a weekend moves to the next working day is
  NOT applied automatically, and the decree for the year does not exist yet, so e.g.
  Saturday 2028-11-04 yields no day off on Monday 2028-11-06. Upgrade ``holidays`` when
  the government publishes the next decree (usually in the autumn).
* Shortened pre-holiday days (one hour less, art. 95): not modelled; those days count
  as full working days here.
* Regional holidays (Tatarstan, Bashkortostan, ...): ``holidays.RU`` has no subdivisions.
* Working days are the library's weekend (Saturday/Sunday) only; it has no notion of
  a store's own schedule, hence ``WorkingHours.weekdays``.

The per-year sets are cached with ``functools.lru_cache``.
"""

from __future__ import annotations

import datetime
import functools
import operator
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

__all__ = [
    "WorkingHours",
    "add_calendar_minutes",
    "add_working_minutes",
    "is_working_day",
    "working_minutes_between",
]

_MIDNIGHT = datetime.time(0, 0)
_ONE_DAY = datetime.timedelta(days=1)
_ONE_MINUTE = datetime.timedelta(minutes=1)
# A safety net against endless searching: no real schedule has this many days off in a row.
_MAX_DAYS_OFF_IN_A_ROW = 400


@dataclass(frozen=True)
class WorkingHours:
    """When a store works. ``end=time(0, 0)`` means midnight at the end of the day."""

    start: datetime.time = datetime.time(9, 0)
    end: datetime.time = datetime.time(18, 0)
    weekdays: frozenset[int] = field(default=frozenset({0, 1, 2, 3, 4}))  # Monday=0
    observe_holidays: bool = True  # Russian non-working days are days off
    tz: str = "Europe/Moscow"

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("WorkingHours.start and .end are local wall-clock times: no tzinfo")
        if self.end != _MIDNIGHT and not self.start < self.end:
            raise ValueError(
                f"WorkingHours.start ({self.start}) must be before .end ({self.end}); "
                "end=time(0, 0) means midnight, overnight shifts are not supported"
            )
        weekdays = frozenset(self.weekdays)
        if not weekdays:
            raise ValueError("WorkingHours.weekdays must not be empty")
        if not all(isinstance(day, int) and 0 <= day <= 6 for day in weekdays):
            raise ValueError(f"WorkingHours.weekdays must be 0 (Monday) to 6: {sorted(weekdays)}")
        object.__setattr__(self, "weekdays", weekdays)
        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"Unknown time zone: {self.tz!r}") from exc

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)


class _ProductionCalendar(NamedTuple):
    days_off: frozenset[datetime.date]
    working_weekends: frozenset[datetime.date]


@functools.lru_cache(maxsize=64)
def _russian_calendar(year: int) -> _ProductionCalendar:
    """Non-working days and transferred working days of one year, per ``holidays.RU``."""
    ru = holidays.country_holidays("RU", years=year)
    return _ProductionCalendar(
        days_off=frozenset(day for day in ru if day.year == year),
        working_weekends=frozenset(day for day in ru.weekend_workdays if day.year == year),
    )


def is_working_day(day: datetime.date, hours: WorkingHours) -> bool:
    """Whether ``day`` (a local date in ``hours.tz``) is a working day of the store."""
    if isinstance(day, datetime.datetime):
        raise TypeError("is_working_day() takes a date; convert the datetime to hours.tz first")
    if hours.observe_holidays:
        calendar = _russian_calendar(day.year)
        if day in calendar.days_off:
            return False
        if day in calendar.working_weekends:
            return True
    return day.weekday() in hours.weekdays


def add_working_minutes(
    start: datetime.datetime, minutes: int, hours: WorkingHours
) -> datetime.datetime:
    """The moment ``minutes`` of working time after ``start``, in ``start``'s time zone.

    Counting begins at the next working moment if ``start`` is outside working time, so
    ``minutes=0`` rounds ``start`` up to the next working moment.
    """
    _require_aware(start, "start")
    remaining = _ONE_MINUTE * _non_negative(minutes)
    moment = start.astimezone(datetime.UTC)
    for opens, closes in _working_intervals(start, hours):
        if closes <= moment:
            continue
        begin = max(opens, moment)
        if remaining <= closes - begin:
            return (begin + remaining).astimezone(start.tzinfo)
        remaining -= closes - begin
    raise AssertionError("unreachable: _working_intervals() never ends")  # pragma: no cover


def add_calendar_minutes(start: datetime.datetime, minutes: int) -> datetime.datetime:
    """``start`` plus ``minutes`` of elapsed time, in ``start``'s time zone."""
    _require_aware(start, "start")
    moment = start.astimezone(datetime.UTC) + _ONE_MINUTE * _non_negative(minutes)
    return moment.astimezone(start.tzinfo)


def working_minutes_between(
    start: datetime.datetime, end: datetime.datetime, hours: WorkingHours
) -> int:
    """Whole minutes of working time in ``[start, end)``; negative if ``end`` is earlier.

    The inverse of ``add_working_minutes``:
    ``working_minutes_between(s, add_working_minutes(s, m, h), h) == m``.
    """
    _require_aware(start, "start")
    _require_aware(end, "end")
    if end < start:
        return -working_minutes_between(end, start, hours)
    begin, finish = start.astimezone(datetime.UTC), end.astimezone(datetime.UTC)
    total = datetime.timedelta(0)
    for opens, closes in _working_intervals(start, hours):
        if opens >= finish:
            break
        if closes > begin:
            total += min(closes, finish) - max(opens, begin)
    return total // _ONE_MINUTE


def _working_intervals(
    since: datetime.datetime, hours: WorkingHours
) -> Iterator[tuple[datetime.datetime, datetime.datetime]]:
    """Working intervals in UTC, from the local day of ``since`` on, endlessly."""
    zone = hours.zone
    day = since.astimezone(zone).date()
    days_off = 0
    while True:
        if is_working_day(day, hours):
            days_off = 0
            opens = datetime.datetime.combine(day, hours.start, tzinfo=zone)
            if hours.end == _MIDNIGHT:
                closes = datetime.datetime.combine(day + _ONE_DAY, _MIDNIGHT, tzinfo=zone)
            else:
                closes = datetime.datetime.combine(day, hours.end, tzinfo=zone)
            yield opens.astimezone(datetime.UTC), closes.astimezone(datetime.UTC)
        else:
            days_off += 1
            if days_off > _MAX_DAYS_OFF_IN_A_ROW:
                raise ValueError(f"No working day within {_MAX_DAYS_OFF_IN_A_ROW} days of {day}")
        day += _ONE_DAY


def _require_aware(value: datetime.datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got naive {value!r}")


def _non_negative(minutes: int) -> int:
    minutes = operator.index(minutes)
    if minutes < 0:
        raise ValueError(f"minutes must not be negative, got {minutes}")
    return minutes
