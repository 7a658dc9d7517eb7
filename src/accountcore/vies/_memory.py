"""
The reference registry: a table the host fills, and unavailability it scripts, so that tests
and examples meet every outcome without the network.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

import attrs

from ..errors import DefinitionError
from ..identifiers import VATNumber
from ._port import (
    UnavailableReason,
    VatCheck,
    VatOutcome,
    callable_or_default,
    checked_now,
    require_vat,
    utc_now,
)

#: The VIES prefix of a country whose ISO code differs from it.
_PREFIX_ALIASES = {"GR": "EL"}


@attrs.frozen
class _Registration:
    name: str | None
    address: str | None


@attrs.define
class _Outage:
    reason: UnavailableReason
    prefix: str | None
    compact: str | None
    times: int | None
    retry_after: timedelta | None

    def covers(self, vat: VATNumber) -> bool:
        if self.compact is not None:
            return vat.compact == self.compact
        return self.prefix is None or vat.prefix == self.prefix


def _number(value: VATNumber | str) -> VATNumber:
    """A number as given: parsed from text (which may raise `ValidationError`)."""
    return value if isinstance(value, VATNumber) else VATNumber.parse(value)


def _optional_text(value: object, where: str) -> str | None:
    if value is not None and not (isinstance(value, str) and value.strip()):
        raise DefinitionError(f"{where}: expected a non-blank string or None")
    return value


def _prefix(value: object) -> str | None:
    if value is None:
        return None
    if not (isinstance(value, str) and len(value) == 2 and value.isascii() and value.isalpha()):
        raise DefinitionError("make_unavailable: expected a two-letter VIES prefix or None")
    upper = value.upper()
    return _PREFIX_ALIASES.get(upper, upper)


def _times(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DefinitionError("make_unavailable: expected times to be a positive integer or None")
    return value


def _retry_after(value: object) -> timedelta | None:
    if value is None:
        return None
    if not isinstance(value, timedelta) or value < timedelta(0):
        raise DefinitionError("make_unavailable: expected retry_after a timedelta of zero or more")
    return value


class InMemoryVatRegistry:
    """
    A `VatRegistry` answering from a table the host fills: the reference for tests and docs.

    A registered number is valid, with its name and address; any other number is invalid.
    `make_unavailable` scripts the third outcome: the next checks of one number, of one
    member state or of every number are unavailable, for a reason. Each answer the registry
    gives carries a request identifier, ``MEM-000001`` upwards; an unavailable one carries
    none. ``asked`` lists every number checked, in order.

    Args:
        clock: returns the current aware time, the answers' ``checked_at``; defaults to the
            system clock, in UTC.

    >>> from datetime import datetime, timezone
    >>> registry = InMemoryVatRegistry(clock=lambda: datetime(2024, 6, 1, tzinfo=timezone.utc))
    >>> registry.register("NL004495445B01", name="Acme Retail B.V.")
    >>> check = registry.check(VATNumber.parse("NL004495445B01"))
    >>> check.outcome.value, check.name, check.request_id
    ('valid', 'Acme Retail B.V.', 'MEM-000001')

    .. versionadded:: 0.2
    """

    def __init__(self, *, clock: Callable[[], datetime] | None = None) -> None:
        self.clock = callable_or_default(clock, utc_now, "InMemoryVatRegistry.clock")
        self.asked: list[VATNumber] = []
        self._registered: dict[str, _Registration] = {}
        self._outages: list[_Outage] = []
        self._requests = 0

    def register(
        self, vat: VATNumber | str, *, name: str | None = None, address: str | None = None
    ) -> None:
        """
        Make ``vat`` valid, with the registered ``name`` and ``address`` the answers give.

        Raises:
            ValidationError: ``vat`` is text that is no VAT number.
            DefinitionError: a name or address that is neither ``None`` nor non-blank text.
        """
        registration = _Registration(
            _optional_text(name, "register: name"), _optional_text(address, "register: address")
        )
        self._registered[_number(vat).compact] = registration

    def revoke(self, vat: VATNumber | str) -> None:
        """
        Make ``vat`` invalid from now on, as a deregistered number is (unknown: nothing to do).

        Raises:
            ValidationError: ``vat`` is text that is no VAT number.
        """
        self._registered.pop(_number(vat).compact, None)

    def make_unavailable(
        self,
        reason: UnavailableReason,
        *,
        prefix: str | None = None,
        vat: VATNumber | str | None = None,
        times: int | None = 1,
        retry_after: timedelta | None = None,
    ) -> None:
        """
        Make the next ``times`` checks unavailable for ``reason`` (``None``: until
        `make_available`).

        The checks are those of ``vat``, else of the member state with the VIES ``prefix``
        (``EL`` for Greece, ``GR`` read as ``EL``; ``XI`` for Northern Ireland), else of every
        number. Scripts apply in the order made; a check uses up one time of the first that
        covers it. The unavailable answers carry ``retry_after``.

        Raises:
            DefinitionError: a reason that is not an `UnavailableReason`, a prefix that is
                not two letters, ``times`` that is not a positive integer or ``None``, a
                negative ``retry_after``.
            ValidationError: ``vat`` is text that is no VAT number.
        """
        if not isinstance(reason, UnavailableReason):
            raise DefinitionError("make_unavailable: expected an UnavailableReason")
        compact = None if vat is None else _number(vat).compact
        outage = _Outage(reason, _prefix(prefix), compact, _times(times), _retry_after(retry_after))
        self._outages.append(outage)

    def make_available(self) -> None:
        """Drop every scripted unavailability still pending."""
        self._outages.clear()

    def check(self, vat: VATNumber) -> VatCheck:
        """
        Answer from the table, or unavailable as scripted.

        Raises:
            ValidationError: ``vat`` is not a `VATNumber`, or ``clock`` returned a naive time.
        """
        return self._answer(require_vat(vat))

    def _answer(self, vat: VATNumber) -> VatCheck:
        at = checked_now(self.clock, "InMemoryVatRegistry")
        self.asked.append(vat)
        for outage in self._outages:
            if outage.covers(vat):
                if outage.times is not None:
                    outage.times -= 1
                    if outage.times == 0:
                        self._outages.remove(outage)
                return VatCheck(
                    vat=vat,
                    outcome=VatOutcome.UNAVAILABLE,
                    checked_at=at,
                    reason=outage.reason,
                    retry_after=outage.retry_after,
                )
        self._requests += 1
        request_id = f"MEM-{self._requests:06d}"
        registration = self._registered.get(vat.compact)
        if registration is None:
            return VatCheck(
                vat=vat, outcome=VatOutcome.INVALID, checked_at=at, request_id=request_id
            )
        return VatCheck(
            vat=vat,
            outcome=VatOutcome.VALID,
            checked_at=at,
            request_id=request_id,
            name=registration.name,
            address=registration.address,
        )


class AsyncInMemoryVatRegistry:
    """
    The async twin of `InMemoryVatRegistry`: an `AsyncVatRegistry` answering from its table.

    Fill and script the table through the blocking registry; both answer alike. Each check
    yields to the event loop ``pause`` times before it returns, so that concurrent checks
    overlap; ``in_flight`` counts the checks under way and ``most_in_flight`` the most there
    ever were at once (to test a concurrency limit).

    Args:
        table: the registry whose table, scripts, clock and request counter it shares.
        pause: how often a check yields to the event loop (no time passes).

    Raises:
        DefinitionError: ``table`` is not an `InMemoryVatRegistry`, or ``pause`` is not an
            integer of zero or more.

    .. versionadded:: 0.2
    """

    def __init__(self, table: InMemoryVatRegistry, *, pause: int = 1) -> None:
        if not isinstance(table, InMemoryVatRegistry):
            raise DefinitionError("AsyncInMemoryVatRegistry: expected an InMemoryVatRegistry")
        if isinstance(pause, bool) or not isinstance(pause, int) or pause < 0:
            raise DefinitionError("AsyncInMemoryVatRegistry.pause: expected an integer >= 0")
        self.table = table
        self.pause = pause
        self.in_flight = 0
        self.most_in_flight = 0

    @property
    def asked(self) -> list[VATNumber]:
        """Every number checked, in order (shared with the table)."""
        return self.table.asked

    async def check(self, vat: VATNumber) -> VatCheck:
        """
        Answer from the table, or unavailable as scripted.

        Raises:
            ValidationError: ``vat`` is not a `VATNumber`, or ``clock`` returned a naive time.
        """
        answer = self.table.check(vat)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            for _ in range(self.pause):
                await asyncio.sleep(0)
        finally:
            self.in_flight -= 1
        return answer
