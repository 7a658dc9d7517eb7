"""
Check many numbers at once: each distinct number once, within the service's concurrency
limits, and no more questions to a member state that has just said it cannot answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Final

import attrs

from ..errors import DefinitionError, Problem, ValidationError
from ..identifiers import VATNumber
from ._port import (
    AsyncVatRegistry,
    UnavailableReason,
    VatCheck,
    VatRegistry,
    ask,
    ask_async,
)

#: How many checks run at once by default, and how many for one member state: VIES refuses
#: too many concurrent requests to one member state (MS_MAX_CONCURRENT_REQ) or in all.
DEFAULT_CONCURRENCY = 4
DEFAULT_PER_MEMBER_STATE = 2

#: The key under which an outage of the whole service is kept.
_EVERY: Final = "*"
#: Unavailable for these reasons, a member state will not answer the rest of the batch either.
_MEMBER_STATE_DOWN = frozenset({UnavailableReason.MEMBER_STATE, UnavailableReason.RATE_LIMITED})
#: Unavailable for these reasons, no member state will.
_SERVICE_DOWN = frozenset({UnavailableReason.SERVICE, UnavailableReason.NETWORK})


def _numbers(numbers: object) -> tuple[VATNumber, ...]:
    if isinstance(numbers, (str, bytes, bytearray, Mapping)) or not isinstance(numbers, Iterable):
        message = "Expected a collection of VATNumber values."
        raise ValidationError([Problem((), "invalid_type", message)])
    given = tuple(numbers)
    problems = [
        Problem((i,), "invalid_type", f"Expected a VATNumber, not {type(vat).__name__}.")
        for i, vat in enumerate(given)
        if not isinstance(vat, VATNumber)
    ]
    if problems:
        raise ValidationError(problems)
    return given


def _limit(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DefinitionError(f"{where}: expected a positive integer")
    return value


def _distinct(numbers: tuple[VATNumber, ...]) -> dict[str, VATNumber]:
    """Each number once, by compact form, in the order first met."""
    distinct: dict[str, VATNumber] = {}
    for vat in numbers:
        distinct.setdefault(vat.compact, vat)
    return distinct


class _Outages:
    """The member states (or the whole service) that said, during this batch, they are down."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.down: dict[str, VatCheck] = {}

    def answer_for(self, vat: VATNumber) -> VatCheck | None:
        """The unavailable answer ``vat`` gets without asking, or ``None`` to ask."""
        known = self.down.get(_EVERY) or self.down.get(vat.prefix or "")
        return None if known is None else attrs.evolve(known, vat=vat)

    def note(self, answer: VatCheck) -> None:
        if not (self.enabled and answer.unavailable):
            return
        if answer.reason in _SERVICE_DOWN:
            self.down.setdefault(_EVERY, answer)
        elif answer.reason in _MEMBER_STATE_DOWN:
            self.down.setdefault(answer.vat.prefix or "", answer)


async def check_many(
    registry: AsyncVatRegistry,
    numbers: Iterable[VATNumber],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    per_member_state: int = DEFAULT_PER_MEMBER_STATE,
    short_circuit: bool = True,
) -> tuple[VatCheck, ...]:
    """
    Check ``numbers`` with an async registry, at most ``concurrency`` at once and at most
    ``per_member_state`` for one member state (by VIES prefix).

    The answers come in the order of ``numbers``; a number given twice is checked once and
    both places get its answer. With ``short_circuit``, once a member state answers
    unavailable because it is down or rate limited, its numbers not yet sent get that answer
    (with their own number) instead of being sent; once the whole service is down or out of
    reach, every number not yet sent does. A timeout stops nothing.

    Raises:
        ValidationError: ``numbers`` is not a collection of `VATNumber` values
            (``invalid_type``, at each wrong item's index).
        DefinitionError: a limit that is not a positive integer.
        AdapterError: the registry broke the port's contract (see `check_one`); the checks
            still under way are cancelled.

    .. versionadded:: 0.2
    """
    given = _numbers(numbers)
    overall = asyncio.Semaphore(_limit(concurrency, "check_many.concurrency"))
    each = _limit(per_member_state, "check_many.per_member_state")
    if not isinstance(short_circuit, bool):
        raise DefinitionError("check_many.short_circuit: expected a bool")
    states: dict[str, asyncio.Semaphore] = {}
    outages = _Outages(short_circuit)

    async def one(vat: VATNumber) -> VatCheck:
        state = states.setdefault(vat.prefix or "", asyncio.Semaphore(each))
        async with state, overall:
            spared = outages.answer_for(vat)
            if spared is not None:
                return spared
            answer = await ask_async(registry, vat)
            outages.note(answer)
        return answer

    distinct = _distinct(given)
    tasks = [asyncio.ensure_future(one(vat)) for vat in distinct.values()]
    try:
        answers = await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    found = dict(zip(distinct, answers, strict=True))
    return tuple(found[vat.compact] for vat in given)


def check_many_blocking(
    registry: VatRegistry, numbers: Iterable[VATNumber], *, short_circuit: bool = True
) -> tuple[VatCheck, ...]:
    """
    Check ``numbers`` one after the other with a blocking registry: the twin of `check_many`.

    The answers come in the order of ``numbers``; a number given twice is checked once. With
    ``short_circuit``, a member state (or the whole service) that answers unavailable because
    it is down or rate limited is not asked again in this batch, as in `check_many`.

    Raises:
        ValidationError: ``numbers`` is not a collection of `VATNumber` values.
        DefinitionError: ``short_circuit`` is not a bool.
        AdapterError: the registry broke the port's contract (see `check_one`).

    .. versionadded:: 0.2
    """
    given = _numbers(numbers)
    if not isinstance(short_circuit, bool):
        raise DefinitionError("check_many_blocking.short_circuit: expected a bool")
    outages = _Outages(short_circuit)
    found: dict[str, VatCheck] = {}
    for key, vat in _distinct(given).items():
        answer = outages.answer_for(vat)
        if answer is None:
            answer = ask(registry, vat)
            outages.note(answer)
        found[key] = answer
    return tuple(found[vat.compact] for vat in given)
