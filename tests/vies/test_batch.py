"""Batch checks: input order, each number once, within the service's concurrency limits."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accountcore.errors import AdapterError, DefinitionError, ValidationError
from accountcore.identifiers import VATNumber
from accountcore.vies import (
    AsyncInMemoryVatRegistry,
    InMemoryVatRegistry,
    UnavailableReason,
    VatCheck,
    VatOutcome,
    check_many,
    check_many_blocking,
)

AT = datetime(2024, 6, 1, 9, tzinfo=timezone.utc)
NLS = [VATNumber.parse(n) for n in ("NL004495445B01", "NL818643778B01", "NL100000009B01")]
DES = [VATNumber.parse(n) for n in ("DE136695976", "DE100000008", "DE100000016")]
OTHERS = [
    VATNumber.parse(n)
    for n in ("EL094259216", "FR40303265045", "BE0403170701", "ATU13585627", "IT00743110157")
]
NL, DE = NLS[0], DES[0]


def table() -> InMemoryVatRegistry:
    registry = InMemoryVatRegistry(clock=lambda: AT)
    registry.register(NL, name="Acme Retail B.V.")
    registry.register(DE)
    return registry


def many(
    registry: AsyncInMemoryVatRegistry, numbers: Sequence[VATNumber], **limits: object
) -> tuple[VatCheck, ...]:
    return asyncio.run(check_many(registry, numbers, **limits))  # type: ignore[arg-type]


class TestOrder:
    def test_answers_in_input_order_each_number_once(self) -> None:
        """Answers follow the input; a duplicate is checked once and shares the answer."""
        registry = table()
        numbers = [DES[1], NL, DES[1], DE, NL]
        answers = many(AsyncInMemoryVatRegistry(registry), numbers)
        assert [a.vat for a in answers] == numbers
        assert answers[0] is answers[2] and answers[1] is answers[4]
        assert [a.outcome for a in answers[:4]] == [
            VatOutcome.INVALID,
            VatOutcome.VALID,
            VatOutcome.INVALID,
            VatOutcome.VALID,
        ]
        assert sorted(v.compact for v in registry.asked) == sorted({v.compact for v in numbers})

    def test_the_blocking_twin_runs_in_order(self) -> None:
        """The blocking twin asks one number after the other, each once, in input order."""
        registry = table()
        answers = check_many_blocking(registry, [DE, NL, DE, *OTHERS[:2]])
        assert registry.asked == [DE, NL, *OTHERS[:2]]
        assert [a.outcome for a in answers[:3]] == [VatOutcome.VALID] * 3

    def test_nothing_to_check(self) -> None:
        """An empty batch asks nothing."""
        registry = table()
        assert many(AsyncInMemoryVatRegistry(registry), []) == ()
        assert check_many_blocking(registry, iter([])) == ()
        assert registry.asked == []

    @given(st.lists(st.sampled_from([*NLS, *DES, *OTHERS]), max_size=25))
    def test_async_and_blocking_agree(self, numbers: list[VATNumber]) -> None:
        """For any batch, both twins answer each place alike, each number asked once."""
        registry = table()
        blocking = check_many_blocking(registry, numbers)
        asked_blocking = len(registry.asked)
        answers = many(AsyncInMemoryVatRegistry(registry, pause=2), numbers, concurrency=3)
        assert [a.vat.compact for a in answers] == [v.compact for v in numbers]
        assert [a.outcome for a in answers] == [a.outcome for a in blocking]
        assert asked_blocking == len({v.compact for v in numbers})


class TestConcurrency:
    def test_at_most_concurrency_at_once(self) -> None:
        """Numbers of many member states run side by side, never more than the limit."""
        twin = AsyncInMemoryVatRegistry(table(), pause=5)
        many(twin, [*NLS[:1], *DES[:1], *OTHERS], concurrency=3)
        assert twin.most_in_flight == 3

    def test_at_most_per_member_state_at_once(self) -> None:
        """Numbers of one member state run at most per_member_state at once."""
        twin = AsyncInMemoryVatRegistry(table(), pause=5)
        many(twin, NLS, concurrency=10, per_member_state=1)
        assert twin.most_in_flight == 1
        twin = AsyncInMemoryVatRegistry(table(), pause=5)
        many(twin, NLS, concurrency=10, per_member_state=2)
        assert twin.most_in_flight == 2

    @pytest.mark.parametrize("limit", ["concurrency", "per_member_state"])
    @pytest.mark.parametrize("value", [0, -2, 1.5, True, None])
    def test_limits_must_be_positive_integers(self, limit: str, value: object) -> None:
        """A limit of no checks at all, or not an integer, is refused."""
        with pytest.raises(DefinitionError, match=f"check_many.{limit}"):
            many(AsyncInMemoryVatRegistry(table()), [NL], **{limit: value})


class TestShortCircuit:
    def test_a_member_state_down_is_not_asked_again(self) -> None:
        """After DE says it is down, the other DE numbers get that answer without asking."""
        registry = table()
        registry.make_unavailable(UnavailableReason.MEMBER_STATE, prefix="DE", times=None)
        numbers = [*DES, *NLS]
        answers = check_many_blocking(registry, numbers)
        assert registry.asked == [DE, *NLS]
        assert [a.vat for a in answers] == numbers
        assert all(a.reason is UnavailableReason.MEMBER_STATE for a in answers[:3])
        assert answers[3].valid

    def test_the_whole_service_down_stops_the_batch(self) -> None:
        """After the service says it is down, nothing more is asked."""
        registry = table()
        registry.make_unavailable(UnavailableReason.SERVICE, times=None)
        answers = check_many_blocking(registry, [NL, *DES, *OTHERS])
        assert registry.asked == [NL]
        assert {a.reason for a in answers} == {UnavailableReason.SERVICE}

    def test_a_rate_limit_spares_its_member_state(self) -> None:
        """A rate-limited member state keeps its retry time for the numbers not sent."""
        registry = table()
        registry.make_unavailable(UnavailableReason.RATE_LIMITED, prefix="NL")
        answers = check_many_blocking(registry, [*NLS, DE])
        assert registry.asked == [NL, DE]
        assert [a.unavailable for a in answers] == [True, True, True, False]

    def test_a_timeout_stops_nothing(self) -> None:
        """One timeout says nothing of the next request: the rest is still asked."""
        registry = table()
        registry.make_unavailable(UnavailableReason.TIMEOUT, prefix="NL")
        answers = check_many_blocking(registry, NLS)
        assert registry.asked == NLS
        assert [a.unavailable for a in answers] == [True, False, False]

    def test_it_can_be_turned_off(self) -> None:
        """Without short_circuit every number is asked."""
        registry = table()
        registry.make_unavailable(UnavailableReason.SERVICE, times=None)
        check_many_blocking(registry, NLS, short_circuit=False)
        assert registry.asked == NLS

    def test_the_async_batch_spares_a_member_state_down(self) -> None:
        """The async batch, one at a time per member state, asks a down member state once."""
        registry = table()
        registry.make_unavailable(UnavailableReason.MEMBER_STATE, prefix="NL", times=None)
        answers = many(AsyncInMemoryVatRegistry(registry), [*NLS, *DES], per_member_state=1)
        assert [v.compact for v in registry.asked].count(NL.compact) == 1
        assert len(registry.asked) == 4
        assert [a.unavailable for a in answers] == [True] * 3 + [False] * 3


class TestRefusals:
    def test_a_string_is_not_a_batch(self) -> None:
        """One string is refused, not checked letter by letter."""
        with pytest.raises(ValidationError) as caught:
            check_many_blocking(table(), "NL004495445B01")  # type: ignore[arg-type]
        assert caught.value.problems[0].code == "invalid_type"

    def test_every_wrong_item_is_named_by_its_index(self) -> None:
        """Each item that is no VATNumber is a problem at its index; nothing is asked."""
        registry = table()
        with pytest.raises(ValidationError) as caught:
            many(AsyncInMemoryVatRegistry(registry), [NL, "DE136695976", None])  # type: ignore[list-item]
        assert [(p.path, p.code) for p in caught.value.problems] == [
            ((1,), "invalid_type"),
            ((2,), "invalid_type"),
        ]
        assert registry.asked == []

    def test_short_circuit_must_be_a_bool(self) -> None:
        """The switch is a bool in both twins."""
        with pytest.raises(DefinitionError):
            check_many_blocking(table(), [NL], short_circuit="yes")  # type: ignore[arg-type]
        with pytest.raises(DefinitionError):
            many(AsyncInMemoryVatRegistry(table()), [NL], short_circuit=1)

    def test_a_broken_registry_cancels_the_rest(self) -> None:
        """A registry that raises is an AdapterError; the checks still under way are cancelled."""
        started: list[VATNumber] = []
        cancelled: list[VATNumber] = []

        class Broken:
            async def check(self, vat: VATNumber) -> VatCheck:
                started.append(vat)
                if vat == NL:
                    raise RuntimeError("bug")
                try:
                    await asyncio.sleep(3600)
                except asyncio.CancelledError:
                    cancelled.append(vat)
                    raise
                raise AssertionError("not cancelled")

        with pytest.raises(AdapterError):
            asyncio.run(check_many(Broken(), [DE, NL, *OTHERS[:2]], concurrency=4))
        assert set(cancelled) == set(started) - {NL}

    def test_a_broken_blocking_registry(self) -> None:
        """The blocking twin holds the registry to the port too."""

        class Broken:
            def check(self, vat: VATNumber) -> VatCheck:
                return "valid"  # type: ignore[return-value]

        with pytest.raises(AdapterError):
            check_many_blocking(Broken(), [NL])
