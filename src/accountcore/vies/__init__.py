"""
VAT numbers checked online: the port to a registry such as the EU's VIES, a reference registry,
a cache and batch checks.

The card's check of a VAT number is offline on purpose (docs/rules.md#identifiers): right
check digits say nothing of whether the number is registered today. A `VatRegistry` (or its
async twin) answers that, with one of three outcomes: *valid* (with the registered name and
address when the registry gives them, and its request identifier for the audit trail),
*invalid*, or *unavailable* (with the reason, and when to retry if known). A registry never
raises for an answer it could not get; an unavailable answer is never an invalid one.

`InMemoryVatRegistry` answers from a table the host fills and fails as the host scripts, so
tests meet every outcome without the network:

>>> from datetime import datetime, timedelta, timezone
>>> from accountcore.identifiers import VATNumber
>>> registry = InMemoryVatRegistry(clock=lambda: datetime(2024, 6, 1, 9, tzinfo=timezone.utc))
>>> registry.register("NL004495445B01", name="Acme Retail B.V.")
>>> registry.check(VATNumber.parse("NL004495445B01")).outcome
<VatOutcome.VALID: 'valid'>
>>> registry.check(VATNumber.parse("DE136695976")).outcome
<VatOutcome.INVALID: 'invalid'>
>>> registry.make_unavailable(UnavailableReason.MEMBER_STATE, prefix="DE")
>>> down = registry.check(VATNumber.parse("DE136695976"))
>>> down.outcome, down.reason
(<VatOutcome.UNAVAILABLE: 'unavailable'>, <UnavailableReason.MEMBER_STATE: 'member_state'>)
>>> (problem,) = down.problems(("financial", "vat_number"))
>>> problem.location, problem.code
('$.financial.vat_number', 'vat_check_unavailable')
>>> print(problem.message)  # doctest: +NORMALIZE_WHITESPACE
The VAT registry could not check VAT number *******5976: the member state's service is
down; try again later.

`ViesClient` and `AsyncViesClient` ask the VIES REST API (they need httpx, the ``vies``
extra; importing this package loads no httpx). `CachedVatRegistry` keeps answers, each
outcome for its own time; `check_many` checks a batch within the service's concurrency
limits; the workflow `change_type` can require a valid check before an account becomes a
Customer (setting ``mandatory_vat_check``), and keeps it as a `VatChecked` event. The page
docs/vies.md walks through all of it.

.. versionadded:: 0.2
"""

from __future__ import annotations

from ._batch import check_many, check_many_blocking
from ._cache import (
    AsyncCachedVatRegistry,
    CachedCheck,
    CachedVatRegistry,
    MemoryVatCache,
    VatCache,
)
from ._events import VatChecked
from ._http import DEFAULT_BASE_URL, VIES_PREFIXES, AsyncViesClient, ViesClient
from ._memory import AsyncInMemoryVatRegistry, InMemoryVatRegistry
from ._port import (
    AsyncVatRegistry,
    UnavailableReason,
    VatCheck,
    VatOutcome,
    VatRegistry,
    check_one,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "VIES_PREFIXES",
    "AsyncCachedVatRegistry",
    "AsyncInMemoryVatRegistry",
    "AsyncVatRegistry",
    "AsyncViesClient",
    "CachedCheck",
    "CachedVatRegistry",
    "InMemoryVatRegistry",
    "MemoryVatCache",
    "UnavailableReason",
    "VatCache",
    "VatCheck",
    "VatChecked",
    "VatOutcome",
    "VatRegistry",
    "ViesClient",
    "check_many",
    "check_many_blocking",
    "check_one",
]
