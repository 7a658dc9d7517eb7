"""The reference registry: a table the host fills, and unavailability it scripts."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accountcore.errors import DefinitionError, ValidationError
from accountcore.identifiers import VATNumber
from accountcore.vies import (
    AsyncInMemoryVatRegistry,
    AsyncVatRegistry,
    InMemoryVatRegistry,
    UnavailableReason,
    VatOutcome,
    VatRegistry,
)

AT = datetime(2024, 6, 1, 9, tzinfo=timezone.utc)
NL = VATNumber.parse("NL004495445B01")
NL2 = VATNumber.parse("NL818643778B01")
DE = VATNumber.parse("DE136695976")
EL = VATNumber.parse("EL094259216")
XI = VATNumber.parse("XI432525179")
GB = VATNumber.parse("GB980780684")


def registry() -> InMemoryVatRegistry:
    table = InMemoryVatRegistry(clock=lambda: AT)
    table.register(NL, name="Acme Retail B.V.", address="Damrak 1, 1012 LG Amsterdam")
    return table


class TestTable:
    def test_a_registered_number_is_valid(self) -> None:
        """A registered number is valid, with its name, address, request id and the clock's time."""
        check = registry().check(NL)
        assert check.outcome is VatOutcome.VALID
        assert (check.name, check.address) == ("Acme Retail B.V.", "Damrak 1, 1012 LG Amsterdam")
        assert (check.request_id, check.checked_at, check.vat) == ("MEM-000001", AT, NL)

    def test_any_other_number_is_invalid(self) -> None:
        """A number not in the table is invalid, and the answer still has a request id."""
        check = registry().check(DE)
        assert check.outcome is VatOutcome.INVALID
        assert (check.request_id, check.name, check.reason) == ("MEM-000001", None, None)

    def test_a_revoked_number_is_invalid(self) -> None:
        """Revoking a registered number makes it invalid; revoking an unknown one does nothing."""
        table = registry()
        table.revoke("NL 0044.95.445.B01")
        table.revoke(DE)
        assert table.check(NL).outcome is VatOutcome.INVALID

    def test_numbers_given_as_text_are_read(self) -> None:
        """The table reads text as a VAT number; text that is none is refused."""
        table = registry()
        table.register("de 136 695 976")
        assert table.check(DE).valid
        with pytest.raises(ValidationError):
            table.register("DE136695977")

    def test_it_is_a_registry(self) -> None:
        """The reference registry is a VatRegistry; its async twin an AsyncVatRegistry."""
        blocking: VatRegistry = registry()
        asynchronous: AsyncVatRegistry = AsyncInMemoryVatRegistry(registry())
        assert blocking.check(NL).valid
        assert asyncio.run(asynchronous.check(NL)).valid

    def test_asked_lists_every_check(self) -> None:
        """Every check is listed in order, answered or not."""
        table = registry()
        table.make_unavailable(UnavailableReason.SERVICE)
        for vat in (NL, DE, NL):
            table.check(vat)
        assert table.asked == [NL, DE, NL]

    def test_only_a_vat_number_is_checked(self) -> None:
        """A check of text is refused as invalid_type."""
        with pytest.raises(ValidationError) as caught:
            registry().check("NL004495445B01")  # type: ignore[arg-type]
        assert caught.value.problems[0].code == "invalid_type"

    @given(
        st.lists(
            st.tuples(st.sampled_from(["register", "revoke", "check"]), st.sampled_from([NL, DE])),
            max_size=30,
        )
    )
    def test_valid_exactly_while_registered(self, steps: list[tuple[str, VATNumber]]) -> None:
        """A number is valid exactly when it was registered and not revoked since."""
        table = InMemoryVatRegistry(clock=lambda: AT)
        registered: set[str] = set()
        for step, vat in steps:
            if step == "register":
                table.register(vat)
                registered.add(vat.compact)
            elif step == "revoke":
                table.revoke(vat)
                registered.discard(vat.compact)
            else:
                assert table.check(vat).valid is (vat.compact in registered)


class TestScriptedUnavailability:
    @pytest.mark.parametrize("reason", list(UnavailableReason))
    def test_each_reason(self, reason: UnavailableReason) -> None:
        """Every reason can be scripted; the answer carries it and no request id."""
        table = registry()
        table.make_unavailable(reason, retry_after=timedelta(minutes=2))
        check = table.check(NL)
        assert check.outcome is VatOutcome.UNAVAILABLE
        assert (check.reason, check.retry_after, check.request_id) == (
            reason,
            timedelta(minutes=2),
            None,
        )

    def test_the_next_n_checks_of_a_member_state(self) -> None:
        """The next two checks of DE are unavailable; NL is not touched; then DE answers."""
        table = registry()
        table.make_unavailable(UnavailableReason.MEMBER_STATE, prefix="DE", times=2)
        outcomes = [table.check(vat).outcome for vat in (NL, DE, DE, DE)]
        assert outcomes == [
            VatOutcome.VALID,
            VatOutcome.UNAVAILABLE,
            VatOutcome.UNAVAILABLE,
            VatOutcome.INVALID,
        ]

    def test_request_ids_count_answers_only(self) -> None:
        """An unavailable answer uses up no request id."""
        table = registry()
        table.make_unavailable(UnavailableReason.TIMEOUT)
        assert [table.check(NL).request_id for _ in range(3)] == [None, "MEM-000001", "MEM-000002"]

    def test_one_number(self) -> None:
        """A script for one number leaves another number of its member state alone."""
        table = registry()
        table.make_unavailable(UnavailableReason.TIMEOUT, vat="NL004495445B01")
        assert table.check(NL2).outcome is VatOutcome.INVALID
        assert table.check(NL).unavailable
        assert table.check(NL).valid

    def test_greece_and_northern_ireland_by_their_vies_prefix(self) -> None:
        """EL (or GR) covers Greek numbers; XI covers Northern Ireland's and not Britain's."""
        table = registry()
        table.make_unavailable(UnavailableReason.MEMBER_STATE, prefix="gr")
        table.make_unavailable(UnavailableReason.MEMBER_STATE, prefix="XI")
        assert table.check(EL).unavailable
        assert not table.check(GB).unavailable
        assert table.check(XI).unavailable

    def test_until_made_available(self) -> None:
        """Without a count, the service stays down until make_available."""
        table = registry()
        table.make_unavailable(UnavailableReason.SERVICE, times=None)
        assert all(table.check(vat).unavailable for vat in (NL, DE, NL, EL))
        table.make_available()
        assert table.check(NL).valid

    def test_scripts_apply_in_the_order_made(self) -> None:
        """The first script that covers a check is the one used up."""
        table = registry()
        table.make_unavailable(UnavailableReason.RATE_LIMITED, prefix="NL")
        table.make_unavailable(UnavailableReason.SERVICE)
        reasons = [table.check(NL).reason, table.check(NL).reason, table.check(NL).reason]
        assert reasons == [UnavailableReason.RATE_LIMITED, UnavailableReason.SERVICE, None]

    @pytest.mark.parametrize(
        ("arguments", "match"),
        [
            ({"reason": "service"}, "UnavailableReason"),
            ({"prefix": "DEU"}, "two-letter"),
            ({"prefix": 49}, "two-letter"),
            ({"times": 0}, "positive integer"),
            ({"times": True}, "positive integer"),
            ({"retry_after": timedelta(seconds=-1)}, "retry_after"),
            ({"retry_after": 30}, "retry_after"),
        ],
    )
    def test_malformed_scripts_are_refused(self, arguments: dict[str, object], match: str) -> None:
        """A malformed script is a DefinitionError, and nothing is scripted."""
        table = registry()
        values: dict[str, object] = {"reason": UnavailableReason.SERVICE, **arguments}
        with pytest.raises(DefinitionError, match=match):
            table.make_unavailable(**values)  # type: ignore[arg-type]
        assert table.check(NL).valid


class TestClock:
    def test_a_naive_clock_is_refused(self) -> None:
        """A clock without a time zone is a naive_datetime problem."""
        table = InMemoryVatRegistry(clock=lambda: datetime(2024, 6, 1))
        with pytest.raises(ValidationError) as caught:
            table.check(NL)
        assert caught.value.problems[0].code == "naive_datetime"

    def test_the_default_clock_is_aware(self) -> None:
        """Without a clock, the answers carry the system time in UTC."""
        check = InMemoryVatRegistry().check(NL)
        assert check.checked_at.utcoffset() == timedelta(0)

    def test_malformed_values_are_refused(self) -> None:
        """A clock that cannot be called, or a blank name, is a DefinitionError."""
        with pytest.raises(DefinitionError, match=r"InMemoryVatRegistry\.clock"):
            InMemoryVatRegistry(clock=AT)  # type: ignore[arg-type]
        with pytest.raises(DefinitionError, match="name"):
            registry().register(DE, name=" ")


class TestAsyncTwin:
    def test_answers_from_the_shared_table(self) -> None:
        """The async twin answers like the table it shares, scripts and counter included."""
        table = registry()
        twin = AsyncInMemoryVatRegistry(table)
        table.make_unavailable(UnavailableReason.MEMBER_STATE, prefix="DE")

        async def run() -> list[VatOutcome]:
            return [(await twin.check(vat)).outcome for vat in (NL, DE, DE)]

        assert asyncio.run(run()) == [VatOutcome.VALID, VatOutcome.UNAVAILABLE, VatOutcome.INVALID]
        assert twin.asked == [NL, DE, DE] and table.check(NL).request_id == "MEM-000003"

    def test_counts_checks_in_flight(self) -> None:
        """Concurrent checks overlap, and the most at once is recorded."""
        twin = AsyncInMemoryVatRegistry(registry(), pause=3)

        async def run() -> None:
            await asyncio.gather(*(twin.check(vat) for vat in (NL, DE, EL)))

        asyncio.run(run())
        assert (twin.in_flight, twin.most_in_flight) == (0, 3)

    def test_malformed_values_are_refused(self) -> None:
        """The twin needs the reference table and a pause of zero or more."""
        with pytest.raises(DefinitionError):
            AsyncInMemoryVatRegistry(object())  # type: ignore[arg-type]
        with pytest.raises(DefinitionError):
            AsyncInMemoryVatRegistry(registry(), pause=-1)
