"""
A cache in front of any registry: each outcome kept for its own time, in a store the host may
replace (by Redis, say), with the clock injected.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

import attrs

from ..errors import DefinitionError
from ..identifiers import VATNumber
from ._port import (
    AsyncVatRegistry,
    VatCheck,
    VatOutcome,
    VatRegistry,
    ask,
    ask_async,
    callable_or_default,
    checked_now,
    require_vat,
    utc_now,
)

#: How long each outcome is kept by default: a valid answer a day, an invalid one an hour (a
#: number may be registered since), an unavailable one not at all.
DEFAULT_VALID_TTL = timedelta(days=1)
DEFAULT_INVALID_TTL = timedelta(hours=1)
DEFAULT_UNAVAILABLE_TTL = timedelta(0)
#: How many answers `MemoryVatCache` keeps by default.
DEFAULT_MAXSIZE = 4096


@attrs.frozen(kw_only=True)
class CachedCheck:
    """
    One answer as a `VatCache` keeps it: the answer, and the instant it stops being used.

    .. versionadded:: 0.2
    """

    check: VatCheck
    expires_at: datetime


class VatCache(Protocol):
    """
    Where `CachedVatRegistry` keeps answers, by key (the number's compact form).

    The registry judges freshness itself by ``expires_at``, so a store may keep an entry
    longer (or drop it sooner: a miss only costs a check). A store backed by Redis may set the
    key's expiry from ``expires_at``. A store that raises is read as a miss, and a failed
    ``put`` is ignored: a cache never fails a check.

    .. versionadded:: 0.2
    """

    def get(self, key: str) -> CachedCheck | None:
        """Return the entry kept under ``key``, or ``None``."""
        ...

    def put(self, key: str, entry: CachedCheck) -> None:
        """Keep ``entry`` under ``key``, replacing any entry there."""
        ...


class MemoryVatCache:
    """
    A `VatCache` in memory, bounded: past ``maxsize`` entries, the least recently used goes.

    Raises:
        DefinitionError: ``maxsize`` is not a positive integer.

    .. versionadded:: 0.2
    """

    def __init__(self, *, maxsize: int = DEFAULT_MAXSIZE) -> None:
        if isinstance(maxsize, bool) or not isinstance(maxsize, int) or maxsize < 1:
            raise DefinitionError("MemoryVatCache.maxsize: expected a positive integer")
        self.maxsize = maxsize
        self._entries: OrderedDict[str, CachedCheck] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> CachedCheck | None:
        """Return the entry kept under ``key``, or ``None``; it becomes the most recent."""
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: str, entry: CachedCheck) -> None:
        """Keep ``entry`` under ``key``, dropping the least recently used past the bound."""
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)


def _ttl(value: object, where: str) -> timedelta:
    if not isinstance(value, timedelta) or value < timedelta(0):
        raise DefinitionError(f"{where}: expected a timedelta of zero or more")
    return value


class _Cached:
    """What the blocking and async cached registries share: the store and the lifetimes."""

    def __init__(
        self,
        *,
        cache: VatCache | None,
        valid_ttl: timedelta,
        invalid_ttl: timedelta,
        unavailable_ttl: timedelta,
        honour_retry_after: bool,
        clock: Callable[[], datetime] | None,
        where: str,
    ) -> None:
        self.cache: VatCache = MemoryVatCache() if cache is None else cache
        self.ttls = {
            VatOutcome.VALID: _ttl(valid_ttl, f"{where}.valid_ttl"),
            VatOutcome.INVALID: _ttl(invalid_ttl, f"{where}.invalid_ttl"),
            VatOutcome.UNAVAILABLE: _ttl(unavailable_ttl, f"{where}.unavailable_ttl"),
        }
        if not isinstance(honour_retry_after, bool):
            raise DefinitionError(f"{where}.honour_retry_after: expected a bool")
        self.honour_retry_after = honour_retry_after
        self.clock = callable_or_default(clock, utc_now, f"{where}.clock")
        self._where = where

    def ttl_for(self, check: VatCheck) -> timedelta:
        """How long ``check`` is kept: its outcome's lifetime, or until its retry time."""
        ttl = self.ttls[check.outcome]
        if self.honour_retry_after and check.retry_after is not None:
            ttl = max(ttl, check.retry_after)
        return ttl

    def _kept(self, key: str) -> VatCheck | None:
        at = checked_now(self.clock, self._where)
        try:
            entry = self.cache.get(key)
        except Exception:  # a cache never fails a check: a store that raises is a miss
            return None
        if (
            isinstance(entry, CachedCheck)
            and isinstance(entry.check, VatCheck)
            and entry.check.vat.compact == key
            and at < entry.expires_at
        ):
            return entry.check
        return None

    def _keep(self, key: str, answer: VatCheck) -> None:
        ttl = self.ttl_for(answer)
        if ttl <= timedelta(0):
            return
        entry = CachedCheck(check=answer, expires_at=checked_now(self.clock, self._where) + ttl)
        try:
            self.cache.put(key, entry)
        except Exception:  # a cache never fails a check: a failed put is forgotten
            return


class CachedVatRegistry(_Cached):
    """
    A `VatRegistry` that keeps the answers of another, each outcome for its own time.

    A kept answer comes back as the registry gave it, with its own ``checked_at`` and
    ``request_id``: an audit trail shows when the registry really answered. An unavailable
    answer that says when to retry is kept until then, however short ``unavailable_ttl`` is
    (``honour_retry_after``), so a rate-limited service is not asked again too soon. A
    lifetime of zero keeps nothing.

    Args:
        registry: the registry asked on a miss.
        cache: where answers are kept; default a fresh `MemoryVatCache`.
        valid_ttl: how long a valid answer is kept (default a day).
        invalid_ttl: how long an invalid answer is kept (default an hour).
        unavailable_ttl: how long an unavailable answer is kept (default not at all).
        honour_retry_after: keep an unavailable answer until its retry time.
        clock: returns the current aware time; defaults to the system clock, in UTC.

    Raises:
        DefinitionError: a lifetime that is not a timedelta of zero or more, a
            ``honour_retry_after`` that is not a bool, a ``clock`` that cannot be called.

    .. versionadded:: 0.2
    """

    def __init__(
        self,
        registry: VatRegistry,
        *,
        cache: VatCache | None = None,
        valid_ttl: timedelta = DEFAULT_VALID_TTL,
        invalid_ttl: timedelta = DEFAULT_INVALID_TTL,
        unavailable_ttl: timedelta = DEFAULT_UNAVAILABLE_TTL,
        honour_retry_after: bool = True,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(
            cache=cache,
            valid_ttl=valid_ttl,
            invalid_ttl=invalid_ttl,
            unavailable_ttl=unavailable_ttl,
            honour_retry_after=honour_retry_after,
            clock=clock,
            where="CachedVatRegistry",
        )
        self.registry = registry

    def check(self, vat: VATNumber) -> VatCheck:
        """
        Return the kept answer for ``vat`` while it is fresh; else ask and keep the answer.

        Raises:
            ValidationError: ``vat`` is not a `VATNumber`, or ``clock`` returned a naive time.
            AdapterError: the registry broke the port's contract (see `check_one`).
        """
        vat = require_vat(vat)
        kept = self._kept(vat.compact)
        if kept is not None:
            return kept
        answer = ask(self.registry, vat)
        self._keep(vat.compact, answer)
        return answer


class AsyncCachedVatRegistry(_Cached):
    """
    The async twin of `CachedVatRegistry`: an `AsyncVatRegistry` keeping another's answers.

    The store stays blocking (``get`` and ``put``), as a cache in memory or a quick key-value
    store is; the arguments are those of `CachedVatRegistry`.

    .. versionadded:: 0.2
    """

    def __init__(
        self,
        registry: AsyncVatRegistry,
        *,
        cache: VatCache | None = None,
        valid_ttl: timedelta = DEFAULT_VALID_TTL,
        invalid_ttl: timedelta = DEFAULT_INVALID_TTL,
        unavailable_ttl: timedelta = DEFAULT_UNAVAILABLE_TTL,
        honour_retry_after: bool = True,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(
            cache=cache,
            valid_ttl=valid_ttl,
            invalid_ttl=invalid_ttl,
            unavailable_ttl=unavailable_ttl,
            honour_retry_after=honour_retry_after,
            clock=clock,
            where="AsyncCachedVatRegistry",
        )
        self.registry = registry

    async def check(self, vat: VATNumber) -> VatCheck:
        """
        Return the kept answer for ``vat`` while it is fresh; else ask and keep the answer.

        Raises:
            ValidationError: ``vat`` is not a `VATNumber`, or ``clock`` returned a naive time.
            AdapterError: the registry broke the port's contract (see `check_one`).
        """
        vat = require_vat(vat)
        kept = self._kept(vat.compact)
        if kept is not None:
            return kept
        answer = await ask_async(self.registry, vat)
        self._keep(vat.compact, answer)
        return answer
