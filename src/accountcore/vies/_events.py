"""The event an online check leaves behind, for the audit trail."""

from __future__ import annotations

from datetime import datetime

import attrs

from ..identifiers import VATNumber
from ._port import VatCheck, VatOutcome


@attrs.frozen(kw_only=True)
class VatChecked:
    """
    An online check of an account's VAT number, as the audit trail keeps it.

    Attributes:
        account_id: the host's id of the account (``None`` until the host stores it).
        account_code: the account's code.
        vat: the number checked (its repr is masked).
        outcome: what the registry said.
        request_id: the registry's consultation number, when it gave one.
        checked_at: when the registry answered (a cached answer keeps its first date).
        actor: who made the check, through the action that needed it.
        name: the registered name, when the registry gave it.

    .. versionadded:: 0.2
    """

    account_id: str | None
    account_code: str
    vat: VATNumber
    outcome: VatOutcome
    request_id: str | None
    checked_at: datetime
    actor: str | None = None
    name: str | None = None

    @classmethod
    def of(
        cls,
        check: VatCheck,
        *,
        account_id: str | None,
        account_code: str,
        actor: str | None = None,
    ) -> VatChecked:
        """Record ``check`` as made for the account ``account_id`` by ``actor``."""
        return cls(
            account_id=account_id,
            account_code=account_code,
            vat=check.vat,
            outcome=check.outcome,
            request_id=check.request_id,
            checked_at=check.checked_at,
            actor=actor,
            name=check.name,
        )
