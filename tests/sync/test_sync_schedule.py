"""The sync schedule: daily runs on a zone's wall clock, interval runs in UTC, bad input."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta, timezone
from typing import cast
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accountcore.errors import CODES, ValidationError
from accountcore.sync._schedule import Schedule, latest_run, next_run

UTC = timezone.utc
US = timedelta(microseconds=1)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def utc(  # noqa: PLR0917 -- mirrors the datetime constructor
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


def runs(schedule: Schedule, after: datetime, count: int) -> list[datetime]:
    found = []
    for _ in range(count):
        after = next_run(schedule, after)
        found.append(after)
    return found


class TestDaily:
    @pytest.mark.parametrize(
        ("zone", "at", "after", "expected"),
        [
            # Europe/Amsterdam: CET (+01:00) in winter, CEST (+02:00) in summer.
            ("Europe/Amsterdam", "02:00", utc(2026, 1, 15, 12), utc(2026, 1, 16, 1)),
            ("Europe/Amsterdam", "02:00", utc(2026, 7, 1, 12), utc(2026, 7, 2, 0)),
            # 2026-03-29: the clocks jump from 02:00 to 03:00.
            ("Europe/Amsterdam", "02:30", utc(2026, 3, 28, 12), utc(2026, 3, 29, 1, 30)),
            ("Europe/Amsterdam", "02:30", utc(2026, 3, 29, 1, 30), utc(2026, 3, 30, 0, 30)),
            ("Europe/Amsterdam", "02:00", utc(2026, 3, 28, 12), utc(2026, 3, 29, 1)),
            ("Europe/Amsterdam", "03:00", utc(2026, 3, 28, 12), utc(2026, 3, 29, 1)),
            ("Europe/Amsterdam", "01:30", utc(2026, 3, 28, 12), utc(2026, 3, 29, 0, 30)),
            # 2026-10-25: the clocks fall back from 03:00 to 02:00.
            ("Europe/Amsterdam", "02:30", utc(2026, 10, 24, 12), utc(2026, 10, 25, 0, 30)),
            ("Europe/Amsterdam", "02:30", utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)),
            ("Europe/Amsterdam", "01:30", utc(2026, 10, 24, 12), utc(2026, 10, 24, 23, 30)),
            ("Europe/Amsterdam", "03:00", utc(2026, 10, 24, 12), utc(2026, 10, 25, 2)),
            # America/New_York: 2026-03-08 02:00 -> 03:00, 2026-11-01 02:00 -> 01:00.
            ("America/New_York", "02:30", utc(2026, 3, 7, 12), utc(2026, 3, 8, 7, 30)),
            ("America/New_York", "02:00", utc(2026, 3, 7, 12), utc(2026, 3, 8, 7)),
            ("America/New_York", "02:00", utc(2026, 3, 8, 7), utc(2026, 3, 9, 6)),
            ("America/New_York", "01:30", utc(2026, 10, 31, 12), utc(2026, 11, 1, 5, 30)),
            ("America/New_York", "01:30", utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)),
            ("America/New_York", "02:00", utc(2026, 10, 31, 12), utc(2026, 11, 1, 7)),
            # Australia/Lord_Howe shifts by 30 minutes: +11:00 in summer, +10:30 in winter.
            # 2026-04-05 02:00 -> 01:30 (01:30-02:00 twice); 2026-10-04 02:00 -> 02:30.
            ("Australia/Lord_Howe", "02:00", utc(2026, 4, 4), utc(2026, 4, 4, 15, 30)),
            ("Australia/Lord_Howe", "01:45", utc(2026, 4, 4), utc(2026, 4, 4, 14, 45)),
            ("Australia/Lord_Howe", "02:00", utc(2026, 4, 4, 15, 30), utc(2026, 4, 5, 15, 30)),
            ("Australia/Lord_Howe", "02:00", utc(2026, 10, 2, 12), utc(2026, 10, 2, 15, 30)),
            ("Australia/Lord_Howe", "02:00", utc(2026, 10, 2, 15, 30), utc(2026, 10, 3, 15, 30)),
            ("Australia/Lord_Howe", "02:15", utc(2026, 10, 3, 12), utc(2026, 10, 3, 15, 45)),
            ("Australia/Lord_Howe", "02:00", utc(2026, 10, 3, 15, 30), utc(2026, 10, 4, 15)),
            # Asia/Tokyo keeps +09:00 all year.
            ("Asia/Tokyo", "02:00", utc(2026, 3, 28, 12), utc(2026, 3, 28, 17)),
            ("Asia/Tokyo", "02:00", utc(2026, 10, 24, 17), utc(2026, 10, 25, 17)),
            # America/Nuuk jumps from 23:00 to 00:00 on Saturday 2026-03-28.
            ("America/Nuuk", "23:30", utc(2026, 3, 28, 12), utc(2026, 3, 29, 1, 30)),
            ("America/Nuuk", "23:30", utc(2026, 3, 29, 1), utc(2026, 3, 29, 1, 30)),
            ("America/Nuuk", "23:30", utc(2026, 3, 29, 1, 30), utc(2026, 3, 30, 0, 30)),
            # America/St_Johns fell back from Sunday 00:01 NDT to Saturday 23:01 NST on
            # 2010-11-07, so Sunday's 00:00 NDT run came before Saturday's second 23:30.
            ("America/St_Johns", "00:00", utc(2010, 11, 7, 3), utc(2010, 11, 8, 3, 30)),
            # Pacific/Apia skipped 2011-12-30, going from -10:00 to +14:00.
            ("Pacific/Apia", "02:00", utc(2011, 12, 29, 12), utc(2011, 12, 30, 12)),
            ("Pacific/Apia", "02:00", utc(2011, 12, 30, 12), utc(2011, 12, 31, 12)),
        ],
    )
    def test_next_run_table(self, zone: str, at: str, after: datetime, expected: datetime) -> None:
        """The next run is the wall time on the zone's clock, in UTC, per the DST rules."""
        run = next_run(Schedule.daily(at, zone), after)
        assert run == expected
        assert run.tzinfo is UTC

    @pytest.mark.parametrize(
        ("zone", "at", "when", "expected"),
        [
            ("Europe/Amsterdam", "02:00", utc(2026, 1, 16, 1) - US, utc(2026, 1, 15, 1)),
            ("Europe/Amsterdam", "02:00", utc(2026, 1, 16, 1), utc(2026, 1, 16, 1)),
            ("Europe/Amsterdam", "02:30", utc(2026, 3, 29, 1, 29), utc(2026, 3, 28, 1, 30)),
            ("Europe/Amsterdam", "02:30", utc(2026, 10, 25, 1, 30), utc(2026, 10, 25, 0, 30)),
            ("America/New_York", "02:30", utc(2026, 3, 8, 12), utc(2026, 3, 8, 7, 30)),
            ("Australia/Lord_Howe", "02:00", utc(2026, 10, 4), utc(2026, 10, 3, 15, 30)),
            ("Asia/Tokyo", "00:00", utc(2026, 1, 1), utc(2025, 12, 31, 15)),
            ("America/Nuuk", "23:30", utc(2026, 3, 29, 1, 45), utc(2026, 3, 29, 1, 30)),
            ("America/St_Johns", "00:00", utc(2010, 11, 7, 3), utc(2010, 11, 7, 2, 30)),
        ],
    )
    def test_latest_run_table(self, zone: str, at: str, when: datetime, expected: datetime) -> None:
        """The latest run is the last wall-clock run at or before the instant, in UTC."""
        run = latest_run(Schedule.daily(at, zone), when)
        assert run == expected
        assert run is not None and run.tzinfo is UTC

    def test_skipped_wall_time_keeps_the_offset_before_the_gap(self) -> None:
        """02:30 on 2026-03-29 in Amsterdam runs where fold=0 puts it: 01:30 UTC, 03:30 CEST."""
        run = next_run(Schedule.daily("02:30", "Europe/Amsterdam"), utc(2026, 3, 29))
        # Compared in UTC: PEP 495 makes == across zones False for a wall time in a gap.
        assert run == datetime(2026, 3, 29, 2, 30, tzinfo=AMSTERDAM, fold=0).astimezone(UTC)
        assert run.astimezone(AMSTERDAM).replace(tzinfo=None) == datetime(2026, 3, 29, 3, 30)

    def test_repeated_wall_time_runs_once_at_its_first_occurrence(self) -> None:
        """02:30 occurs twice on 2026-10-25 in Amsterdam; only the CEST one is a run."""
        schedule = Schedule.daily("02:30", "Europe/Amsterdam")
        assert runs(schedule, utc(2026, 10, 23, 12), 3) == [
            utc(2026, 10, 24, 0, 30),
            utc(2026, 10, 25, 0, 30),
            utc(2026, 10, 26, 1, 30),
        ]

    def test_after_equal_to_a_run_gives_the_next_days_run(self) -> None:
        """A run is not strictly after itself, so the next run is a day later."""
        schedule = Schedule.daily("02:00", "Europe/Amsterdam")
        assert next_run(schedule, utc(2026, 1, 16, 1)) == utc(2026, 1, 17, 1)

    @pytest.mark.parametrize(
        "after",
        [
            datetime(2026, 1, 16, 1, 59, tzinfo=AMSTERDAM),
            datetime(2026, 1, 15, 19, 59, tzinfo=ZoneInfo("America/New_York")),
            datetime(2026, 1, 16, 9, 59, tzinfo=timezone(timedelta(hours=9))),
        ],
    )
    def test_after_in_another_time_zone(self, after: datetime) -> None:
        """``after`` may be aware in any time zone; the answer is the same UTC instant."""
        run = next_run(Schedule.daily("02:00", "Europe/Amsterdam"), after)
        assert run == utc(2026, 1, 16, 1)
        assert run.tzinfo is UTC

    def test_time_objects_with_seconds(self) -> None:
        """A `time` with seconds runs at that second and is described with it."""
        schedule = Schedule.daily(time(2, 0, 30), "Europe/Amsterdam")
        assert next_run(schedule, utc(2026, 1, 16, 1)) == utc(2026, 1, 16, 1, 0, 30)
        assert schedule.description == "daily at 02:00:30 Europe/Amsterdam"

    def test_fold_of_the_time_is_ignored(self) -> None:
        """A `time` with fold=1 still means the first occurrence of a repeated wall time."""
        schedule = Schedule.daily(time(2, 30, fold=1), "Europe/Amsterdam")
        assert next_run(schedule, utc(2026, 10, 24, 12)) == utc(2026, 10, 25, 0, 30)

    def test_description_and_equality(self) -> None:
        """A text and a `time` make equal, hashable schedules with a readable description."""
        text = Schedule.daily("02:00", "Europe/Amsterdam")
        clock = Schedule.daily(time(2), "Europe/Amsterdam")
        assert text == clock
        assert hash(text) == hash(clock)
        assert text.description == "daily at 02:00 Europe/Amsterdam"
        assert text != Schedule.daily("02:00", "Europe/Brussels")


class TestInterval:
    TEN = Schedule.every(timedelta(minutes=10), anchor=utc(2026, 1, 1))

    @pytest.mark.parametrize(
        ("after", "expected"),
        [
            (utc(2026, 1, 1, 0, 10), utc(2026, 1, 1, 0, 20)),
            (utc(2026, 1, 1, 0, 10) - US, utc(2026, 1, 1, 0, 10)),
            (utc(2026, 1, 1, 0, 15), utc(2026, 1, 1, 0, 20)),
            (utc(2026, 1, 1), utc(2026, 1, 1, 0, 10)),
            (utc(2025, 12, 31, 23, 55), utc(2026, 1, 1)),
            (utc(1999, 1, 1), utc(2026, 1, 1)),
            (utc(2026, 6, 30, 23, 59, 59), utc(2026, 7, 1)),
        ],
    )
    def test_next_run(self, after: datetime, expected: datetime) -> None:
        """The next run is the next anchor + k * interval strictly after, or the anchor."""
        run = next_run(self.TEN, after)
        assert run == expected
        assert run.tzinfo is UTC

    @pytest.mark.parametrize(
        ("when", "expected"),
        [
            (utc(2025, 12, 31, 23, 59), None),
            (utc(2026, 1, 1) - US, None),
            (utc(2026, 1, 1), utc(2026, 1, 1)),
            (utc(2026, 1, 1, 0, 19, 59), utc(2026, 1, 1, 0, 10)),
            (utc(2026, 1, 1, 0, 20), utc(2026, 1, 1, 0, 20)),
        ],
    )
    def test_latest_run(self, when: datetime, expected: datetime | None) -> None:
        """The latest run is the last run at or before the instant; none before the anchor."""
        assert latest_run(self.TEN, when) == expected

    def test_dst_does_not_touch_intervals(self) -> None:
        """Every 90 minutes stays 90 minutes apart across Amsterdam's spring-forward night."""
        anchor = datetime(2026, 3, 28, 0, 0, tzinfo=AMSTERDAM)
        schedule = Schedule.every(timedelta(minutes=90), anchor=anchor)
        found = runs(schedule, utc(2026, 3, 28, 23), 4)
        assert found == [utc(2026, 3, 29, 0, 30) + k * timedelta(minutes=90) for k in range(4)]
        assert all(run.tzinfo is UTC for run in found)

    def test_anchor_in_another_zone_is_kept_as_utc(self) -> None:
        """An anchor in any zone is the same instant; runs and description are in UTC."""
        anchor = datetime(2026, 1, 1, 1, 0, tzinfo=AMSTERDAM)
        schedule = Schedule.every(timedelta(minutes=10), anchor=anchor)
        assert schedule == self.TEN
        assert next_run(schedule, utc(2025, 1, 1)).tzinfo is UTC
        assert schedule.description == "every 0:10:00 from 2026-01-01T00:00:00+00:00"

    def test_microsecond_intervals_are_exact(self) -> None:
        """Integer arithmetic lands exactly on anchor + k * interval, even far away."""
        schedule = Schedule.every(timedelta(microseconds=7), anchor=utc(2000, 1, 1))
        run = next_run(schedule, utc(2099, 12, 31, 23, 59, 59, 999_999))
        assert (run - utc(2000, 1, 1)) % timedelta(microseconds=7) == timedelta(0)
        assert timedelta(0) < run - utc(2099, 12, 31, 23, 59, 59, 999_999) <= 7 * US


def _daily(at: object, zone: object) -> Callable[[], object]:
    return lambda: Schedule.daily(cast("str", at), cast("str", zone))


def _every(interval: object, anchor: object) -> Callable[[], object]:
    return lambda: Schedule.every(cast("timedelta", interval), anchor=cast("datetime", anchor))


_DAILY = Schedule.daily("02:00", "Europe/Amsterdam")
_TEN = Schedule.every(timedelta(minutes=10), anchor=utc(2026, 1, 1))
_NAIVE = datetime(2026, 1, 1)
_LAST = datetime.max.replace(tzinfo=UTC)
_FIRST = datetime.min.replace(tzinfo=timezone(timedelta(hours=1)))
_BAD_ZONES = [
    "Mars/Olympus_Mons", "", " ", "../etc", "../../etc/passwd", "/etc/passwd",
    "Europe/../Europe/Amsterdam", "./UTC", "Europe/Amsterdam/", "Europe//Amsterdam",
    "zone.tab", "tzdata.zi", "leapseconds", "America", "Europe/Amsterdam\x00", "x" * 500,
    42, None, b"UTC",
]  # fmt: skip
_BAD_TIMES = [
    "25:00", "24:00", "2:0", "2:00", "02:60", "noon", "", " 02:00", "02:00 ", "0200",
    "02:00:00", "\u0660\u0662:\u0660\u0660", time(2, tzinfo=UTC), 200, None,
    datetime(2026, 1, 1, 2),
]  # fmt: skip


class TestBadInput:
    @pytest.mark.parametrize(
        ("call", "path", "code"),
        [
            (lambda: next_run(_DAILY, _NAIVE), ("after",), "naive_datetime"),
            (lambda: next_run(_TEN, _NAIVE), ("after",), "naive_datetime"),
            (lambda: latest_run(_DAILY, _NAIVE), ("at",), "naive_datetime"),
            (lambda: latest_run(_TEN, _NAIVE), ("at",), "naive_datetime"),
            (_every(timedelta(minutes=10), _NAIVE), ("anchor",), "naive_datetime"),
            (_every(timedelta(minutes=10), "2026-01-01"), ("anchor",), "invalid_type"),
            (_every(timedelta(0), utc(2026, 1, 1)), ("interval",), "out_of_range"),
            (_every(-US, utc(2026, 1, 1)), ("interval",), "out_of_range"),
            (_every(600, utc(2026, 1, 1)), ("interval",), "invalid_type"),
            (_every("PT10M", utc(2026, 1, 1)), ("interval",), "invalid_type"),
            (_every(None, utc(2026, 1, 1)), ("interval",), "invalid_type"),
            (lambda: next_run(_DAILY, cast("datetime", "2026-01-01")), ("after",), "invalid_type"),
            (lambda: latest_run(_TEN, cast("datetime", 0)), ("at",), "invalid_type"),
            (lambda: next_run(_DAILY, _LAST), ("after",), "out_of_range"),
            (lambda: next_run(_TEN, _LAST), ("after",), "out_of_range"),
            (lambda: latest_run(_DAILY, _FIRST), ("at",), "out_of_range"),
            (_every(timedelta(minutes=10), _FIRST), ("anchor",), "out_of_range"),
            *[(_daily("02:00", zone), ("zone",), "unknown_time_zone") for zone in _BAD_ZONES],
            *[(_daily(at, "Europe/Amsterdam"), ("at",), "invalid_time") for at in _BAD_TIMES],
        ],
    )
    def test_one_problem(
        self, call: Callable[[], object], path: tuple[str, ...], code: str
    ) -> None:
        """Each bad input raises a ValidationError with exactly one listed problem, at its path."""
        with pytest.raises(ValidationError) as caught:
            call()
        assert [(p.path, p.code) for p in caught.value.problems] == [(path, code)]
        assert code in CODES

    def test_every_problem_is_reported(self) -> None:
        """A bad time and a bad zone, or a bad interval and anchor, are reported together."""
        with pytest.raises(ValidationError) as daily:
            Schedule.daily("noon", "Mars/Olympus_Mons")
        with pytest.raises(ValidationError) as every:
            Schedule.every(timedelta(0), anchor=_NAIVE)
        assert [p.code for p in daily.value.problems] == ["invalid_time", "unknown_time_zone"]
        assert [p.code for p in every.value.problems] == ["out_of_range", "naive_datetime"]

    def test_constructor_refuses_a_mix_of_kinds(self) -> None:
        """Called directly, the class refuses a time of day on an interval schedule."""
        with pytest.raises(ValidationError) as caught:
            Schedule(at=time(2), zone="UTC", interval=timedelta(hours=1), anchor=utc(2026, 1, 1))
        assert [(p.path, p.code) for p in caught.value.problems] == [
            (("at",), "invalid_choice"),
            (("zone",), "invalid_choice"),
        ]

    def test_constructor_checks_like_daily(self) -> None:
        """Called directly, the class checks the time and zone as `Schedule.daily` does."""
        with pytest.raises(ValidationError) as caught:
            Schedule(at=cast("time", "02:00"), zone="Nowhere/Town")
        assert [p.code for p in caught.value.problems] == ["invalid_time", "unknown_time_zone"]


#: Zones with every kind of clock: no DST, DST by an hour on either hemisphere, by half an
#: hour (Lord_Howe), odd offsets (Kathmandu, Chatham, St_Johns), transitions at midnight
#: (Santiago) or at 00:01 falling back across midnight (St_Johns before 2011), several a year
#: (Casablanca). Left out: Antarctica/Troll (shifts by two hours, breaking the 25-hour bound)
#: and America/Nuuk and Pacific/Apia, whose rare days with no or two runs have table tests.
ZONE_KEYS = (
    "UTC", "Europe/Amsterdam", "Europe/London", "America/New_York", "America/St_Johns",
    "America/Santiago", "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Tokyo",
    "Asia/Kathmandu", "Africa/Casablanca",
)  # fmt: skip
ZONES = [ZoneInfo(key) for key in ZONE_KEYS]


def _in_dst_season(year: int, month: int, seconds: int) -> datetime:
    return utc(year, month, 1) + timedelta(seconds=seconds)


#: Any aware instant in 2000-2100, half of them in months where clocks usually change.
instants = st.one_of(
    st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2100, 12, 31, 23, 59, 59),
        timezones=st.sampled_from([UTC, *ZONES]),
    ),
    st.builds(
        _in_dst_season,
        st.integers(2000, 2100),
        st.sampled_from([3, 4, 9, 10, 11]),
        st.integers(0, 31 * 86_400 - 1),
    ),
)
clocks = st.builds("{:02d}:{:02d}".format, st.integers(0, 23), st.integers(0, 59))
dailies = st.builds(Schedule.daily, clocks, st.sampled_from(ZONE_KEYS))
intervals = st.builds(
    Schedule.every,
    st.timedeltas(min_value=US, max_value=timedelta(days=400)),
    anchor=instants,
)


def _check_invariant(schedule: Schedule, t: datetime) -> None:
    latest = latest_run(schedule, t)
    upcoming = next_run(schedule, t)
    assert upcoming.tzinfo is UTC
    assert t < upcoming
    if latest is not None:
        assert latest.tzinfo is UTC
        assert latest <= t
        assert next_run(schedule, latest - US) == latest
        assert next_run(schedule, latest) == upcoming


class TestProperties:
    @given(dailies, instants)
    def test_daily_runs_bracket_the_instant(self, schedule: Schedule, t: datetime) -> None:
        """latest_run <= t < next_run, both UTC, and no run lies strictly between them."""
        assert latest_run(schedule, t) is not None
        _check_invariant(schedule, t)

    @given(dailies, instants)
    def test_daily_next_run_within_25_hours(self, schedule: Schedule, t: datetime) -> None:
        """The next daily run is never more than 25 hours away."""
        # Two runs are a local day apart, and the longest local day in these zones is 25
        # hours: a day on which the clocks fall back by an hour (they never fall back more).
        assert next_run(schedule, t) - t <= timedelta(hours=25)

    @given(dailies, instants)
    def test_daily_runs_once_per_local_day(self, schedule: Schedule, t: datetime) -> None:
        """Successive runs fall on successive calendar days of the zone, at or after ``at``."""
        tz = ZoneInfo(cast("str", schedule.zone))
        first = next_run(schedule, t)
        second = next_run(schedule, first)
        local = first.astimezone(tz)
        assert second.astimezone(tz).date() - local.date() == timedelta(days=1)
        wall = datetime.combine(local.date(), cast("time", schedule.at))
        # A run shows ``at`` on the clock, or later by up to the gap when ``at`` was skipped.
        assert timedelta(0) <= local.replace(tzinfo=None) - wall <= timedelta(hours=1)

    @given(intervals, instants)
    def test_interval_runs_bracket_the_instant(self, schedule: Schedule, t: datetime) -> None:
        """Interval runs bracket t like daily ones; before the anchor, the anchor is next."""
        _check_invariant(schedule, t)
        if t < cast("datetime", schedule.anchor):
            assert latest_run(schedule, t) is None
            assert next_run(schedule, t) == schedule.anchor

    @given(intervals, instants)
    def test_interval_runs_are_exactly_one_interval_apart(
        self, schedule: Schedule, t: datetime
    ) -> None:
        """Successive interval runs are exactly one interval apart and on the anchor's grid."""
        interval = cast("timedelta", schedule.interval)
        first = next_run(schedule, t)
        assert next_run(schedule, first) - first == interval
        assert (first - cast("datetime", schedule.anchor)) % interval == timedelta(0)
