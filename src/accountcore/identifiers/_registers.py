"""D-U-N-S and GLN: company numbers with a format (and for GLN a check digit), no registry."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import attrs

from ._base import _DIGITS, CheckStrength, Identifier, _problem, _require_text, _strip_separators

if TYPE_CHECKING:
    from typing_extensions import Self


@attrs.frozen(repr=False, weakref_slot=False)
class DUNS(Identifier):
    """
    A Dun & Bradstreet D-U-N-S number: 9 digits, leading zeros kept (format only).

    Nine zeros are refused (``invalid_format``): D&B never assigns it, and it is what a form
    holds when nobody filled it in.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
       ``000000000`` is refused.
    """

    kind: ClassVar[str] = "D-U-N-S number"

    @classmethod
    def parse(cls, raw: object) -> Self:
        compact = _strip_separators(_require_text(cls.kind, raw))
        if not _DIGITS.fullmatch(compact):
            raise _problem(cls.kind, "invalid_format", "it has only digits")
        if len(compact) != 9:
            raise _problem(cls.kind, "invalid_length", "it has 9 digits")
        if compact == "000000000":
            raise _problem(cls.kind, "invalid_format", "it is all zeros")
        return cls(compact, CheckStrength.FORMAT)

    @property
    def formatted(self) -> str:
        return f"{self.compact[:2]}-{self.compact[2:5]}-{self.compact[5:]}"


@attrs.frozen(repr=False, weakref_slot=False)
class GLN(Identifier):
    """
    A GS1 Global Location Number: 13 digits, the last a GS1 check digit.

    .. versionadded:: 0.1
    """

    kind: ClassVar[str] = "GLN"

    @classmethod
    def parse(cls, raw: object) -> Self:
        compact = _strip_separators(_require_text(cls.kind, raw))
        if not _DIGITS.fullmatch(compact):
            raise _problem(cls.kind, "invalid_format", "it has only digits")
        if len(compact) != 13:
            raise _problem(cls.kind, "invalid_length", "it has 13 digits")
        from stdnum import ean

        if ean.calc_check_digit(compact[:-1]) != compact[-1]:
            raise _problem(cls.kind, "invalid_checksum")
        return cls(compact, CheckStrength.CHECKSUM)


# --- schwifty, loaded on first use ------------------------------------------------------------
