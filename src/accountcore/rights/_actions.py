"""Principals, settings, and the actions a policy decides on, as values."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Union

import attrs

from ..entities import AccountStatus, AccountType
from ..errors import DefinitionError


def _role_names(value: Iterable[str]) -> frozenset[str]:
    if isinstance(value, (str, bytes)):
        raise DefinitionError("roles must be a collection of role names, not one string")
    return frozenset(value)


def _right_numbers(value: Iterable[int]) -> frozenset[int]:
    if isinstance(value, (str, bytes)):
        raise DefinitionError("rights must be a collection of right numbers")
    return frozenset(value)


@attrs.frozen(kw_only=True)
class Principal:
    """
    A user as the policy sees them: roles by name, rights held directly, and clearance.

    ``roles`` and ``rights`` take any collection and are kept as frozensets.

    ``clearance`` (0-100) is compared with each account's security level.

    .. versionadded:: 0.1
    """

    user_id: str
    roles: frozenset[str] = attrs.field(default=frozenset(), converter=_role_names)
    rights: frozenset[int] = attrs.field(default=frozenset(), converter=_right_numbers)
    clearance: int = 0


@attrs.frozen(kw_only=True)
class AccountDefaults:
    """
    Values that pre-fill a new account (setting Account: Defaults).

    .. versionadded:: 0.1
    """

    classification: str | None = None
    rating: int | None = None
    source: str | None = None
    sector: str | None = None


@attrs.frozen(kw_only=True)
class Settings:
    """
    The company's account settings.

    Args:
        check_roles: Security: Check - Roles. Off, no function right is checked at all
            (record security still applies).
        type_select: Type: Select. Off, only Not validated accounts can be created.
        mandatory_contract: Mandatory: Contract. On, a Customer needs a contract.
        defaults: Account: Defaults, pre-filling new accounts.

    .. versionadded:: 0.1
    """

    check_roles: bool = True
    type_select: bool = True
    mandatory_contract: bool = False
    defaults: AccountDefaults = AccountDefaults()


class Catalogue(enum.Enum):
    """
    Company-wide lists and settings, each maintained under its own right.

    .. versionadded:: 0.1
    """

    ACCOUNT_SETTINGS = "account_settings"
    RATING_RULES = "rating_rules"
    BANK_ACCOUNT_TYPES = "bank_account_types"
    CLASSIFICATIONS = "classifications"


@attrs.frozen
class View:
    """See an account. .. versionadded:: 0.1"""


@attrs.frozen
class Create:
    """Create an account of ``type``. .. versionadded:: 0.1"""

    type: AccountType


@attrs.frozen
class EditField:
    """Edit one field, by its dotted path (``"marketing.rating"``). .. versionadded:: 0.1"""

    field: str


@attrs.frozen
class ChangeStatus:
    """Move an account to ``target``. .. versionadded:: 0.1"""

    target: AccountStatus


@attrs.frozen
class ChangeType:
    """Change an account's type (from Not validated: validate it). .. versionadded:: 0.1"""

    target: AccountType


@attrs.frozen
class Delete:
    """Delete an account. .. versionadded:: 0.1"""


@attrs.frozen
class Recode:
    """Give an account another code. .. versionadded:: 0.1"""


@attrs.frozen
class Merge:
    """Merge other accounts into this one. .. versionadded:: 0.1"""


@attrs.frozen
class CustomiseCard:
    """Change the company-wide card layout. .. versionadded:: 0.1"""


@attrs.frozen
class RunDeduplication:
    """Run a deduplication. .. versionadded:: 0.1"""


@attrs.frozen
class Maintain:
    """Maintain a company-wide catalogue or the settings. .. versionadded:: 0.1"""

    what: Catalogue


#: Every action a `Policy` decides on.
Action = Union[
    View,
    Create,
    EditField,
    ChangeStatus,
    ChangeType,
    Delete,
    Recode,
    Merge,
    CustomiseCard,
    RunDeduplication,
    Maintain,
]
