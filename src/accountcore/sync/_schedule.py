"""
The sync schedule: when queued changes go out to the accounting system.

Synkd sends queued changes at the next run of the system schedule, for example daily at
02:00 in the company's time zone, or every fixed interval. `next_run` and `latest_run` are
pure and O(1); they take the instant to start from as an argument and return aware UTC
datetimes.

.. versionadded:: 0.1
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from ..errors import Problem, ValidationError

__all__ = ["Schedule", "latest_run", "next_run"]

_UTC = timezone.utc
_ZERO = timedelta(0)
_TWO_DAYS = timedelta(days=2)
#: The local days a daily search tries first, in the order it tries them (see
#: `_Daily.next_after`); the day two away is the last resort.
_AHEAD = (timedelta(days=-1), _ZERO, timedelta(days=1))
_BEHIND = (timedelta(days=1), _ZERO, timedelta(days=-1))
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
#: IANA keys are slash-separated names without dots, so "." and ".." steps, absolute paths
#: and files such as ``zone.tab`` are refused before the time zone path is touched.
_ZONE_KEY = re.compile(r"[A-Za-z0-9_+-]+(?:/[A-Za-z0-9_+-]+)*")
_MAX_ZONE_KEY = 64


@attrs.frozen
class _Daily:
    at: time
    tz: ZoneInfo

    def run_on(self, day: date) -> datetime:
        # ``at`` has fold=0, so a skipped wall time keeps the offset before the gap and a
        # repeated one means its first occurrence.
        return datetime.combine(day, self.at, self.tz).astimezone(_UTC)

    def next_after(self, instant: datetime) -> datetime:
        # Runs grow with the day they belong to, but need not fall on it: a wall time skipped
        # just before midnight runs on the next day (start a day early), and a clock falling
        # back across midnight can put the next day's run before `instant` (look two ahead).
        day = instant.astimezone(self.tz).date()
        for shift in _AHEAD:
            run = self.run_on(day + shift)
            if run > instant:
                return run
        return self.run_on(day + _TWO_DAYS)

    def latest_at(self, instant: datetime) -> datetime:
        day = instant.astimezone(self.tz).date()
        for shift in _BEHIND:
            run = self.run_on(day + shift)
            if run <= instant:
                return run
        return self.run_on(day - _TWO_DAYS)

    def describe(self) -> str:
        exact = self.at.second or self.at.microsecond
        clock = self.at.isoformat() if exact else self.at.isoformat("minutes")
        return f"daily at {clock} {self.tz.key}"


@attrs.frozen
class _Interval:
    every: timedelta
    anchor: datetime

    def next_after(self, instant: datetime) -> datetime:
        if instant < self.anchor:
            return self.anchor
        return self.anchor + ((instant - self.anchor) // self.every + 1) * self.every

    def latest_at(self, instant: datetime) -> datetime | None:
        if instant < self.anchor:
            return None
        return self.anchor + (instant - self.anchor) // self.every * self.every

    def describe(self) -> str:
        return f"every {self.every} from {self.anchor.isoformat()}"


@attrs.frozen(kw_only=True)
class Schedule:
    """
    A value: either daily at a wall-clock time in a named IANA zone, or every fixed interval
    from an anchor instant.

    Build one with `daily` or `every`; calling the class directly runs the same checks.

    A daily schedule runs once on each calendar day of its zone's wall clock, at the instant
    ``datetime.combine(day, at, tzinfo=zone)`` with ``fold=0`` stands for, converted to UTC:

    - A wall time that does not exist, because the clocks spring forward over it, runs at
      the offset in force before the gap. Daily at 02:30 in Europe/Amsterdam runs on
      2026-03-29 at 01:30 UTC (03:30 CEST), an hour after the gap began; daily at 02:00
      runs at 01:00 UTC, the moment the clocks jump to 03:00.
    - A wall time that occurs twice, because the clocks fall back over it, runs once, at its
      first occurrence: daily at 02:30 in Europe/Amsterdam runs on 2026-10-25 at 00:30 UTC
      (02:30 CEST) and not again at 01:30 UTC (02:30 CET).

    Two rare kinds of clock change bend "once a day". Where a gap straddles midnight
    (America/Nuuk jumps from 23:00 to 00:00 on the last Saturday of March), a wall time in
    it runs just after midnight: daily at 23:30 runs at 00:30 on the Sunday, so the Saturday
    has no run and the Sunday two. A calendar day the zone skips entirely (Pacific/Apia left
    out 2011-12-30) has no run; its wall time stands for the next day's run.

    An interval schedule runs at ``anchor + k * interval`` for every integer ``k >= 0``, in
    exact UTC arithmetic that daylight saving does not touch; before the anchor the next run
    is the anchor itself, and there is no latest run.

    Attributes:
        at: the daily wall-clock time (no tzinfo, fold=0); ``None`` for an interval schedule.
        zone: the daily schedule's IANA time zone key; ``None`` for an interval schedule.
        interval: the time between interval runs, above zero; ``None`` for a daily one.
        anchor: the first interval run, kept in UTC; ``None`` for a daily schedule.

    Raises:
        ValidationError: every broken rule, with its field path (codes ``invalid_time``,
            ``unknown_time_zone``, ``invalid_type``, ``out_of_range``, ``naive_datetime``,
            ``invalid_choice``).

    .. versionadded:: 0.1
    """

    at: time | None = None
    zone: str | None = None
    interval: timedelta | None = None
    anchor: datetime | None = None
    _rule: _Daily | _Interval = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        problems: list[Problem] = []
        rule: _Daily | _Interval | None
        if self.interval is None and self.anchor is None:
            rule = self._daily_rule(problems)
        else:
            rule = self._interval_rule(problems)
        if rule is None:
            raise ValidationError(problems)
        object.__setattr__(self, "_rule", rule)

    def _daily_rule(self, problems: list[Problem]) -> _Daily | None:
        clock = _clean_clock(self.at)
        if clock is None:
            problems.append(_bad_time())
        tz = _zone_info(self.zone, problems)
        if clock is None or tz is None:
            return None
        object.__setattr__(self, "at", clock)
        return _Daily(clock, tz)

    def _interval_rule(self, problems: list[Problem]) -> _Interval | None:
        _check_interval(self.interval, problems)
        anchor = _as_utc(self.anchor, "anchor", problems)
        for name in ("at", "zone"):
            if getattr(self, name) is not None:
                message = f"An interval schedule has no {name}."
                problems.append(Problem((name,), "invalid_choice", message))
        if problems or self.interval is None or anchor is None:
            return None
        object.__setattr__(self, "anchor", anchor)
        return _Interval(self.interval, anchor)

    @classmethod
    def daily(cls, at: str | time, zone: str) -> Schedule:
        """
        Build a schedule that runs once a day at wall-clock time ``at`` in ``zone``.

        Args:
            at: ``"HH:MM"`` on the 24-hour clock, or a `datetime.time` without tzinfo
                (seconds allowed).
            zone: an IANA time zone key, such as ``"Europe/Amsterdam"``.

        Returns:
            The daily schedule.

        Raises:
            ValidationError: ``invalid_time`` at ``at``, ``unknown_time_zone`` at ``zone``.

        .. versionadded:: 0.1
        """
        clock = _parse_clock(at) if isinstance(at, str) else _clean_clock(at)
        if clock is None:
            problems = [_bad_time()]
            _zone_info(zone, problems)
            raise ValidationError(problems)
        return cls(at=clock, zone=zone)

    @classmethod
    def every(cls, interval: timedelta, *, anchor: datetime) -> Schedule:
        """
        Build a schedule that runs at ``anchor`` and every ``interval`` after it.

        Args:
            interval: the time between runs; above zero.
            anchor: the first run, an aware datetime.

        Returns:
            The interval schedule.

        Raises:
            ValidationError: ``invalid_type`` or ``out_of_range`` at ``interval``;
                ``invalid_type``, ``naive_datetime`` or ``out_of_range`` at ``anchor``.

        .. versionadded:: 0.1
        """
        return cls(interval=interval, anchor=anchor)

    @property
    def description(self) -> str:
        """
        Describe the schedule for people, for example ``"daily at 02:00 Europe/Amsterdam"``
        or ``"every 0:10:00 from 2026-01-01T00:00:00+00:00"`` (the anchor in UTC).

        .. versionadded:: 0.1
        """
        return self._rule.describe()


def next_run(schedule: Schedule, after: datetime) -> datetime:
    """
    Return the first run of ``schedule`` strictly after ``after``.

    Args:
        schedule: the schedule.
        after: an aware datetime in any time zone.

    Returns:
        The run, an aware datetime in UTC.

    Raises:
        ValidationError: ``invalid_type`` or ``naive_datetime`` at ``after``; ``out_of_range``
            when the run lies beyond what `datetime` can hold.

    .. versionadded:: 0.1
    """
    instant = _instant(after, "after")
    try:
        return schedule._rule.next_after(instant)
    except OverflowError:
        raise ValidationError([_beyond("after")]) from None


def latest_run(schedule: Schedule, at: datetime) -> datetime | None:
    """
    Return the last run of ``schedule`` at or before ``at``.

    Args:
        schedule: the schedule.
        at: an aware datetime in any time zone.

    Returns:
        The run, an aware datetime in UTC; ``None`` when there is none, which happens only
        before the anchor of an interval schedule.

    Raises:
        ValidationError: ``invalid_type`` or ``naive_datetime`` at ``at``; ``out_of_range``
            when the run lies beyond what `datetime` can hold.

    .. versionadded:: 0.1
    """
    instant = _instant(at, "at")
    try:
        return schedule._rule.latest_at(instant)
    except OverflowError:
        raise ValidationError([_beyond("at")]) from None


def _parse_clock(text: str) -> time | None:
    match = _CLOCK.fullmatch(text)
    return time(int(match[1]), int(match[2])) if match else None


def _clean_clock(value: object) -> time | None:
    if isinstance(value, time) and value.tzinfo is None:
        return value.replace(fold=0)
    return None


def _bad_time() -> Problem:
    message = "The time of day must be HH:MM on the 24-hour clock, or a time without tzinfo."
    return Problem(("at",), "invalid_time", message)


def _zone_info(key: object, problems: list[Problem]) -> ZoneInfo | None:
    if isinstance(key, str) and len(key) <= _MAX_ZONE_KEY and _ZONE_KEY.fullmatch(key):
        try:
            return ZoneInfo(key)
        except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
            pass
    message = "The time zone is not a known IANA key, such as Europe/Amsterdam."
    problems.append(Problem(("zone",), "unknown_time_zone", message))
    return None


def _check_interval(value: object, problems: list[Problem]) -> None:
    if not isinstance(value, timedelta):
        problems.append(Problem(("interval",), "invalid_type", "The interval must be a timedelta."))
    elif value <= _ZERO:
        problems.append(Problem(("interval",), "out_of_range", "The interval must exceed zero."))


def _as_utc(value: object, path: str, problems: list[Problem]) -> datetime | None:
    if not isinstance(value, datetime):
        problems.append(Problem((path,), "invalid_type", f"{path} must be a datetime."))
    elif value.utcoffset() is None:
        problems.append(Problem((path,), "naive_datetime", f"{path} has no time zone."))
    else:
        try:
            return value.astimezone(_UTC)
        except OverflowError:
            problems.append(_beyond(path))
    return None


def _instant(value: datetime, path: str) -> datetime:
    problems: list[Problem] = []
    instant = _as_utc(value, path, problems)
    if instant is None:
        raise ValidationError(problems)
    return instant


def _beyond(path: str) -> Problem:
    message = "The instant, or the run it asks for, lies beyond the years datetime can hold."
    return Problem((path,), "out_of_range", message)
