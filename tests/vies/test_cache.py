"""The cache: each outcome kept for its own time, in a store the host may replace."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accountcore.errors import AdapterError, DefinitionError, ValidationError
from accountcore.identifiers import VATNumber
from accountcore.vies import (
    AsyncCachedVatRegistry,
    AsyncInMemoryVatRegistry,
    CachedCheck,
    CachedVatRegistry,
    InMemoryVatRegistry,
    MemoryVatCache,
    UnavailableReason,
    VatCache,
    VatCheck,
    VatOutcome,
    VatRegistry,
)

T0 = datetime(2024, 6, 1, 9, tzinfo=timezone.utc)
NL = VATNumber.parse("NL004495445B01")
DE = VATNumber.parse("DE136695976")
EL = VATNumber.parse("EL094259216")


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def setup(**settings: object) -> tuple[Clock, InMemoryVatRegistry, CachedVatRegistry]:
    clock = Clock()
    table = InMemoryVatRegistry(clock=clock)
    table.register(NL, name="Acme Retail B.V.")
    return clock, table, CachedVatRegistry(table, clock=clock, **settings)  # type: ignore[arg-type]


class TestLifetimes:
    def test_a_valid_answer_is_kept_a_day_by_default(self) -> None:
        """Within a day the kept answer comes back; after it, the registry is asked again."""
        clock, table, cached = setup()
        first = cached.check(NL)
        clock.advance(hours=23, minutes=59)
        assert cached.check(NL) is first
        clock.advance(minutes=1)
        assert cached.check(NL).request_id == "MEM-000002"
        assert table.asked == [NL, NL]

    def test_a_kept_answer_keeps_its_request_and_date(self) -> None:
        """The audit trail sees when the registry really answered, not when the cache did."""
        clock, _, cached = setup()
        cached.check(NL)
        clock.advance(hours=2)
        check = cached.check(NL)
        assert (check.request_id, check.checked_at) == ("MEM-000001", T0)

    def test_an_invalid_answer_is_kept_an_hour_by_default(self) -> None:
        """An invalid answer is kept less long: the number may be registered since."""
        clock, table, cached = setup()
        cached.check(DE)
        clock.advance(minutes=59)
        cached.check(DE)
        clock.advance(minutes=1)
        cached.check(DE)
        assert table.asked == [DE, DE]

    def test_an_unavailable_answer_is_not_kept_by_default(self) -> None:
        """An unavailable answer without a retry time is asked again at once."""
        _, table, cached = setup()
        table.make_unavailable(UnavailableReason.MEMBER_STATE, prefix="NL")
        assert cached.check(NL).unavailable
        assert cached.check(NL).valid
        assert table.asked == [NL, NL]

    def test_an_unavailable_answer_is_kept_until_its_retry_time(self) -> None:
        """A rate-limited service is not asked again before the time it named."""
        clock, table, cached = setup()
        table.make_unavailable(UnavailableReason.RATE_LIMITED, retry_after=timedelta(minutes=2))
        assert cached.check(NL).unavailable
        clock.advance(minutes=1)
        assert cached.check(NL).unavailable
        clock.advance(minutes=1)
        assert cached.check(NL).valid
        assert table.asked == [NL, NL]

    def test_retry_times_can_be_ignored(self) -> None:
        """Without honour_retry_after, only unavailable_ttl counts."""
        _, table, cached = setup(honour_retry_after=False)
        table.make_unavailable(UnavailableReason.RATE_LIMITED, retry_after=timedelta(minutes=2))
        cached.check(NL)
        assert cached.check(NL).valid

    def test_each_outcome_has_its_own_lifetime(self) -> None:
        """Lifetimes are set per outcome; zero keeps nothing."""
        clock, table, cached = setup(
            valid_ttl=timedelta(0),
            invalid_ttl=timedelta(days=2),
            unavailable_ttl=timedelta(seconds=30),
        )
        table.make_unavailable(UnavailableReason.TIMEOUT, prefix="EL")
        for _ in range(2):
            cached.check(NL), cached.check(DE), cached.check(EL)
            clock.advance(seconds=20)
        clock.advance(seconds=20)
        cached.check(EL)
        assert table.asked == [NL, DE, EL, NL, EL]

    @pytest.mark.parametrize(
        ("settings", "match"),
        [
            ({"valid_ttl": timedelta(seconds=-1)}, "valid_ttl"),
            ({"invalid_ttl": 3600}, "invalid_ttl"),
            ({"unavailable_ttl": None}, "unavailable_ttl"),
            ({"honour_retry_after": 1}, "honour_retry_after"),
            ({"clock": "now"}, "clock"),
        ],
    )
    def test_malformed_settings_are_refused(self, settings: dict[str, object], match: str) -> None:
        """A lifetime that is no timedelta of zero or more, or a bad switch, is refused."""
        with pytest.raises(DefinitionError, match=match):
            CachedVatRegistry(InMemoryVatRegistry(), **settings)  # type: ignore[arg-type]

    def test_a_naive_clock_is_refused(self) -> None:
        """The cache's clock must be aware."""
        cached = CachedVatRegistry(
            InMemoryVatRegistry(clock=Clock()), clock=lambda: datetime(2024, 6, 1)
        )
        with pytest.raises(ValidationError) as caught:
            cached.check(NL)
        assert caught.value.problems[0].code == "naive_datetime"

    def test_it_is_a_registry(self) -> None:
        """A cached registry is a registry, and caches may be stacked."""
        _, _, cached = setup()
        outer: VatRegistry = CachedVatRegistry(cached, clock=Clock())
        assert outer.check(NL).valid


class TestStore:
    def test_the_memory_store_is_bounded(self) -> None:
        """Past maxsize, the least recently used answer goes."""
        clock = Clock()
        table = InMemoryVatRegistry(clock=clock)
        store = MemoryVatCache(maxsize=2)
        cached = CachedVatRegistry(table, cache=store, clock=clock)
        for vat in (NL, DE, NL, EL, NL, DE):
            cached.check(vat)
        assert len(store) == 2
        assert table.asked == [NL, DE, EL, DE]

    def test_maxsize_must_be_positive(self) -> None:
        """A store of no entries is refused."""
        for maxsize in (0, -1, 2.5, True):
            with pytest.raises(DefinitionError, match="maxsize"):
                MemoryVatCache(maxsize=maxsize)  # type: ignore[arg-type]

    def test_a_host_store_is_given_the_expiry(self) -> None:
        """A host store (Redis, say) gets the key and the instant the entry expires."""

        class Store:
            def __init__(self) -> None:
                self.entries: dict[str, CachedCheck] = {}

            def get(self, key: str) -> CachedCheck | None:
                return self.entries.get(key)

            def put(self, key: str, entry: CachedCheck) -> None:
                self.entries[key] = entry

        store = Store()
        clock, table, _ = setup()
        cache: VatCache = store
        cached = CachedVatRegistry(table, cache=cache, clock=clock)
        cached.check(NL)
        assert store.entries["NL004495445B01"].expires_at == T0 + timedelta(days=1)
        cached.check(NL)
        assert table.asked == [NL]

    def test_an_expired_entry_a_store_still_holds_is_not_used(self) -> None:
        """The registry judges freshness itself, whatever the store keeps."""

        class Forever:
            def __init__(self, entry: CachedCheck) -> None:
                self.entry = entry

            def get(self, key: str) -> CachedCheck | None:
                return self.entry

            def put(self, key: str, entry: CachedCheck) -> None:
                pass

        clock, table, _ = setup()
        old = VatCheck(vat=NL, outcome=VatOutcome.INVALID, checked_at=T0)
        cached = CachedVatRegistry(
            table, cache=Forever(CachedCheck(check=old, expires_at=T0)), clock=clock
        )
        assert cached.check(NL).valid

    @pytest.mark.parametrize(
        "kept",
        [
            "not an entry",
            CachedCheck(
                check=VatCheck(vat=DE, outcome=VatOutcome.INVALID, checked_at=T0),
                expires_at=T0 + timedelta(days=9),
            ),
        ],
        ids=["garbage", "another number"],
    )
    def test_a_wrong_entry_is_a_miss(self, kept: object) -> None:
        """Garbage, or an entry for another number, is never returned."""

        class Wrong:
            def get(self, key: str) -> CachedCheck | None:
                return kept  # type: ignore[return-value]

            def put(self, key: str, entry: CachedCheck) -> None:
                pass

        clock, _, _ = setup()
        table = InMemoryVatRegistry(clock=clock)
        table.register(NL)
        assert CachedVatRegistry(table, cache=Wrong(), clock=clock).check(NL).valid

    def test_a_failing_store_never_fails_a_check(self) -> None:
        """A store that raises is a miss, and a failed put is forgotten."""

        class Down:
            def get(self, key: str) -> CachedCheck | None:
                raise ConnectionError("redis is down")

            def put(self, key: str, entry: CachedCheck) -> None:
                raise ConnectionError("redis is down")

        clock, table, _ = setup()
        cached = CachedVatRegistry(table, cache=Down(), clock=clock)
        assert cached.check(NL).valid and cached.check(NL).valid
        assert table.asked == [NL, NL]


class TestPort:
    def test_a_broken_registry_is_an_adapter_error(self) -> None:
        """The cache holds the registry it wraps to the port."""

        class Broken:
            def check(self, vat: VATNumber) -> VatCheck:
                raise TimeoutError

        with pytest.raises(AdapterError):
            CachedVatRegistry(Broken(), clock=Clock()).check(NL)

    def test_only_a_vat_number_is_checked(self) -> None:
        """Text is refused as invalid_type."""
        _, _, cached = setup()
        with pytest.raises(ValidationError):
            cached.check("NL004495445B01")  # type: ignore[arg-type]

    @given(
        st.lists(
            st.tuples(st.sampled_from([NL, DE, EL]), st.integers(min_value=0, max_value=7200)),
            max_size=40,
        )
    )
    def test_answers_are_the_registrys(self, steps: list[tuple[VATNumber, int]]) -> None:
        """With a table that does not change, cached answers have the registry's outcomes,
        and the registry is asked at most once per check."""
        clock = Clock()
        table = InMemoryVatRegistry(clock=clock)
        table.register(NL)
        plain = InMemoryVatRegistry(clock=clock)
        plain.register(NL)
        cached = CachedVatRegistry(table, invalid_ttl=timedelta(minutes=30), clock=clock)
        for vat, seconds in steps:
            clock.advance(seconds=seconds)
            assert cached.check(vat).outcome is plain.check(vat).outcome
        assert len(table.asked) <= len(steps)


class TestAsyncTwin:
    def test_keeps_answers_like_the_blocking_one(self) -> None:
        """The async cache keeps a valid answer and asks again when it expires."""
        clock = Clock()
        table = InMemoryVatRegistry(clock=clock)
        table.register(NL)
        cached = AsyncCachedVatRegistry(AsyncInMemoryVatRegistry(table), clock=clock)

        async def run() -> list[str | None]:
            ids = [(await cached.check(NL)).request_id]
            ids.append((await cached.check(NL)).request_id)
            clock.advance(days=1)
            ids.append((await cached.check(NL)).request_id)
            return ids

        assert asyncio.run(run()) == ["MEM-000001", "MEM-000001", "MEM-000002"]

    def test_a_broken_registry_is_an_adapter_error(self) -> None:
        """The async cache holds its registry to the port too."""

        class Broken:
            async def check(self, vat: VATNumber) -> VatCheck:
                raise OSError

        with pytest.raises(AdapterError):
            asyncio.run(AsyncCachedVatRegistry(Broken(), clock=Clock()).check(NL))
