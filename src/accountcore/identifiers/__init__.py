"""
Identifiers: IBAN, BIC, VAT number, Chamber of Commerce number, D-U-N-S and GLN.

`PhoneNumber` reads phone numbers by libphonenumber's rules (the ``phonenumbers`` package).

Every kind has one shape. ``X.parse(raw)`` compacts and checks, returning an ``X`` or raising
`ValidationError`; ``X.is_valid(raw)`` answers without raising, whatever ``raw`` is;
``x.formatted`` is the display form and ``str(x)`` the compact form. Each value records how
strong its check was (`CheckStrength`). Identifiers are not strings and never compare equal
to one. Reprs mask all but the last four characters of IBANs and tax numbers.

>>> iban = IBAN.parse("nl91 abna 0417 1643 00")
>>> str(iban), iban.formatted, iban.strength.value
('NL91ABNA0417164300', 'NL91 ABNA 0417 1643 00', 'checksum')
>>> iban
IBAN('**************4300')
>>> IBAN.is_valid("NL91ABNA0417164301"), IBAN.is_valid(None)
(False, False)
>>> VATNumber.parse("136695976", country="DE").compact
'DE136695976'
>>> VATNumber.parse("US 12-3456789").strength.value
'unchecked'
>>> DUNS.parse("00-123-4567").compact
'001234567'

No check calls the network. python-stdnum, schwifty and phonenumbers load on first use, not on
import.

.. versionadded:: 0.1
"""

from __future__ import annotations

from ._bank import BIC, IBAN
from ._base import MAX_IDENTIFIER_TEXT, CheckStrength, Identifier, mask
from ._countries import ALPHA2 as COUNTRY_CODES
from ._phone import PhoneNumber
from ._registers import DUNS, GLN
from ._tax import ChamberOfCommerceNumber, VATNumber

__all__ = [
    "BIC",
    "COUNTRY_CODES",
    "DUNS",
    "GLN",
    "IBAN",
    "MAX_IDENTIFIER_TEXT",
    "ChamberOfCommerceNumber",
    "CheckStrength",
    "Identifier",
    "PhoneNumber",
    "VATNumber",
    "mask",
]
