"""The card layout (docs/rules.md#card-layout): per field mandatory, mode, right; buttons."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

import attrs

from ..entities import Account, Address, Contact, Financial, General, Marketing, Relations, Summary
from ..errors import DefinitionError
from ._catalogue import FunctionRight, known_right
from ._checks import is_a, refuse, shown

_SECTIONS: dict[str, type] = {
    "summary": Summary,
    "general": General,
    "contact": Contact,
    "marketing": Marketing,
    "relations": Relations,
    "financial": Financial,
}
#: Lifecycle fields change only through status and type changes and merges, never by editing.
_LIFECYCLE = frozenset({"id", "type", "type_since", "status", "status_since", "replaced_by"})


def _card_fields() -> frozenset[str]:
    fields = {f.name for f in attrs.fields(Account)} - _LIFECYCLE - set(_SECTIONS)
    for section, cls in _SECTIONS.items():
        for f in attrs.fields(cls):
            if f.name == "address":
                fields |= {f"{section}.address.{a.name}" for a in attrs.fields(Address)}
            else:
                fields.add(f"{section}.{f.name}")
    return frozenset(fields)


#: Every field path a layout may name.
CARD_FIELDS: frozenset[str] = _card_fields()
#: Fields that are always mandatory and never hidden (docs/rules.md#card-fields and #card-layout).
PROTECTED_FIELDS: frozenset[str] = frozenset(
    {"code", "name", "summary.address.line1", "summary.address.city", "summary.address.country"}
)


class FieldMode(enum.Enum):
    """
    How the card shows a field.

    .. versionadded:: 0.1
    """

    EDIT = "edit"
    SHOW = "show"  #: read-only
    HIDDEN = "hidden"


class Button(enum.Enum):
    """
    The card's buttons.

    .. versionadded:: 0.1
    """

    SAVE = "save"
    DELETE = "delete"
    REFERENCE = "reference"
    BLOCKED = "blocked"
    PILOT = "pilot"
    PASSIVE = "passive"
    ACTIVE = "active"
    INACTIVE = "inactive"
    SAVE_AND_NEW = "save_and_new"


def _rule_right(value: int | None) -> FunctionRight | None:
    return None if value is None else known_right(value, "FieldRule.right")


@attrs.frozen
class FieldRule:
    """
    How one field behaves: mandatory or not, its mode, and the right needed to edit it.

    Raises:
        DefinitionError: ``mandatory`` not a bool, ``mode`` not a `FieldMode`, or a
            ``right`` that is not ``None`` or the number of a `FunctionRight`.

    .. versionadded:: 0.1
    """

    mandatory: bool = attrs.field(default=False, validator=is_a(bool, "FieldRule.mandatory"))
    mode: FieldMode = attrs.field(
        default=FieldMode.EDIT, validator=is_a(FieldMode, "FieldRule.mode")
    )
    right: int | None = attrs.field(default=None, converter=_rule_right)


_DEFAULT_RULE = FieldRule()
_PROTECTED_RULE = FieldRule(mandatory=True)


def _fields(value: Mapping[str, FieldRule]) -> Mapping[str, FieldRule]:
    if not isinstance(value, Mapping):
        refuse("CardLayout.fields", "a mapping of field paths to FieldRule values", value)
    given = dict(value)
    for path, rule in given.items():
        _check_rule(path, rule)
    return MappingProxyType({path: _PROTECTED_RULE for path in PROTECTED_FIELDS} | given)


def _buttons(value: frozenset[Button]) -> frozenset[Button]:
    if not isinstance(value, (set, frozenset, list, tuple)) or not all(
        isinstance(b, Button) for b in value
    ):
        raise DefinitionError("hidden_buttons must be a collection of Button members")
    return frozenset(value)


@attrs.frozen(eq=False)
class CardLayout:
    """
    The company-wide card customisation, checked when built.

    Build it with `CardLayout.build`; fields it does not name keep the default rule
    (optional, editable, no right), and code, name and address stay mandatory. Calling the
    class directly runs the same checks.

    .. versionadded:: 0.1
    """

    fields: Mapping[str, FieldRule] = attrs.field(converter=_fields)
    hidden_buttons: frozenset[Button] = attrs.field(default=frozenset(), converter=_buttons)

    @classmethod
    def build(
        cls,
        fields: Mapping[str, FieldRule] | None = None,
        *,
        hidden_buttons: frozenset[Button] = frozenset(),
    ) -> CardLayout:
        """
        Check and build a layout.

        Raises:
            DefinitionError: a field the card does not have, a protected field (code, name,
                address line 1, city, country) made optional or hidden, or a button or
                rule of the wrong type.
        """
        return cls(fields={} if fields is None else fields, hidden_buttons=hidden_buttons)

    @classmethod
    def default(cls) -> CardLayout:
        """
        Return the layout with no customisation.
        """
        return _DEFAULT_LAYOUT

    def rule(self, path: str) -> FieldRule:
        """
        Return the rule of a field path (the default rule for a field not customised).
        """
        return self.fields.get(path, _DEFAULT_RULE)

    @property
    def mandatory(self) -> frozenset[str]:
        """
        The field paths that must hold a value.
        """
        return frozenset(path for path, rule in self.fields.items() if rule.mandatory)

    def shows(self, button: Button) -> bool:
        """
        Tell whether the card shows ``button``.
        """
        return button not in self.hidden_buttons


def _check_rule(path: str, rule: FieldRule) -> None:
    if path not in CARD_FIELDS:
        raise DefinitionError(f"the card has no field {shown(path)}")
    if not isinstance(rule, FieldRule):
        raise DefinitionError(f"{path}: expected a FieldRule, got {shown(rule)}")
    if path in PROTECTED_FIELDS and (not rule.mandatory or rule.mode is FieldMode.HIDDEN):
        raise DefinitionError(f"{path} can never be made optional or hidden")
    if rule.mode is FieldMode.HIDDEN and rule.mandatory:
        raise DefinitionError(f"{path}: a hidden field cannot be mandatory")


_DEFAULT_LAYOUT = CardLayout.build()
