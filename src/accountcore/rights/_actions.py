"""Principals, settings, and the actions a policy decides on, as values."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Union

import attrs

from ..entities import AccountStatus, AccountType
from ._catalogue import FunctionRight, right_number
from ._checks import integer, is_a, items, optional_text, text


def _user_id(value: str) -> str:
    return text(value, "Principal.user_id")


def _role_names(value: Iterable[str]) -> frozenset[str]:
    names = items(value, "Principal.roles", "role names")
    return frozenset(text(name, "Principal.roles", "non-blank role names") for name in names)


def _right_numbers(value: Iterable[FunctionRight | int]) -> frozenset[int]:
    rights = items(value, "Principal.rights", "right numbers")
    return frozenset(right_number(right, "Principal.rights") for right in rights)


def _clearance(value: int) -> int:
    return integer(value, "Principal.clearance", 0, 100)


@attrs.frozen(kw_only=True)
class Principal:
    """
    A user as the policy sees them: roles by name, rights held directly, and clearance.

    ``user_id`` is non-blank text, so no principal is ever the manager of an account that
    has none. ``roles`` (non-blank names) and ``rights`` (`FunctionRight` members or plain
    integers) take any collection and are kept as frozensets; a number the catalogue does
    not know grants nothing. ``clearance`` (an integer from 0 to 100) is compared with each
    account's security level.

    Raises:
        DefinitionError: a value of the wrong type or out of range, naming the field. A
            bool is not an integer here, and a float (even ``292.0``) is not a right number.

    .. versionadded:: 0.1
    """

    user_id: str = attrs.field(converter=_user_id)
    roles: frozenset[str] = attrs.field(default=frozenset(), converter=_role_names)
    rights: frozenset[int] = attrs.field(default=frozenset(), converter=_right_numbers)
    clearance: int = attrs.field(default=0, converter=_clearance)


def _rating(instance: object, attribute: object, value: int | None) -> None:
    if value is not None:
        integer(value, "AccountDefaults.rating", 1, 7)


@attrs.frozen(kw_only=True)
class AccountDefaults:
    """
    Values that pre-fill a new account (setting Account: Defaults).

    Raises:
        DefinitionError: a rating that is not an integer from 1 to 7, or another field that
            is neither ``None`` nor non-blank text.

    .. versionadded:: 0.1
    """

    classification: str | None = attrs.field(
        default=None, validator=optional_text("AccountDefaults.classification")
    )
    rating: int | None = attrs.field(default=None, validator=_rating)
    source: str | None = attrs.field(
        default=None, validator=optional_text("AccountDefaults.source")
    )
    sector: str | None = attrs.field(
        default=None, validator=optional_text("AccountDefaults.sector")
    )


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
        mandatory_vat_check: accountcore's own setting, not Exact's. On, creating a
            Customer or changing an account's type to Customer needs a VAT number that the
            host's online registry (`accountcore.vies`) calls valid
            (docs/rules.md#identifiers).

    Raises:
        DefinitionError: a switch that is not a bool (``1`` and ``"yes"`` are not), or
            defaults that are not `AccountDefaults`.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
       ``mandatory_vat_check``.
    """

    check_roles: bool = attrs.field(default=True, validator=is_a(bool, "Settings.check_roles"))
    type_select: bool = attrs.field(default=True, validator=is_a(bool, "Settings.type_select"))
    mandatory_contract: bool = attrs.field(
        default=False, validator=is_a(bool, "Settings.mandatory_contract")
    )
    defaults: AccountDefaults = attrs.field(
        default=AccountDefaults(), validator=is_a(AccountDefaults, "Settings.defaults")
    )
    mandatory_vat_check: bool = attrs.field(
        default=False, validator=is_a(bool, "Settings.mandatory_vat_check")
    )


class Catalogue(enum.Enum):
    """
    Company-wide lists and settings, each maintained under its own right.

    .. versionadded:: 0.1
    """

    ACCOUNT_SETTINGS = "account_settings"
    RATING_RULES = "rating_rules"
    BANK_ACCOUNT_TYPES = "bank_account_types"
    CLASSIFICATIONS = "classifications"


def _field_path(value: str) -> str:
    return text(value, "EditField.field", "a field path")


@attrs.frozen
class View:
    """See an account. .. versionadded:: 0.1"""


@attrs.frozen
class Create:
    """Create an account of ``type``. .. versionadded:: 0.1"""

    type: AccountType = attrs.field(validator=is_a(AccountType, "Create.type"))


@attrs.frozen
class EditField:
    """Edit one field, by its dotted path (``"marketing.rating"``). .. versionadded:: 0.1"""

    field: str = attrs.field(converter=_field_path)


@attrs.frozen
class ChangeStatus:
    """Move an account to ``target``. .. versionadded:: 0.1"""

    target: AccountStatus = attrs.field(validator=is_a(AccountStatus, "ChangeStatus.target"))


@attrs.frozen
class ChangeType:
    """Change an account's type (from Not validated: validate it). .. versionadded:: 0.1"""

    target: AccountType = attrs.field(validator=is_a(AccountType, "ChangeType.target"))


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

    what: Catalogue = attrs.field(validator=is_a(Catalogue, "Maintain.what"))


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
