"""
Why two accounts may be the same company (`Reason`), and the normalised keys that say so.

Each ``*_key`` function turns one card value into a comparable text, or ``None`` when the
value is missing or says nothing about the company; two accounts sharing a key share that
reason. The functions are pure, cheap string work: `account_keys` runs once per account of
a deduplication run over millions of accounts.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from typing import TYPE_CHECKING

from ..errors import ValidationError
from ..identifiers import IBAN, ChamberOfCommerceNumber, VATNumber

if TYPE_CHECKING:
    from ..entities import Account

__all__ = [
    "FREE_MAIL_DOMAINS",
    "LEGAL_FORMS",
    "Reason",
    "account_keys",
    "coc_key",
    "email_domain_key",
    "iban_key",
    "name_key",
    "normalise_name",
    "vat_key",
]


class Reason(enum.Enum):
    """
    One reason two accounts may be duplicates, with the weight it carries.

    ========================= ====== ===================================================
    Reason                    Weight Key (see the ``*_key`` functions)
    ========================= ====== ===================================================
    ``VAT_NUMBER``            0.9    compact VAT number, country prefix included
    ``COC_NUMBER``            0.9    country and compact register number
    ``IBAN``                  0.8    compact IBAN of any bank account
    ``NAME_AND_POSTCODE``     0.6    normalised name, postcode and country
    ``EMAIL_DOMAIN``          0.3    email domain, free-mail providers excluded
    ========================= ====== ===================================================

    A pair's score combines the weights of its distinct reasons as independent evidence:
    ``1 - Π(1 - weight)``. VAT and IBAN together give ``1 - 0.1 * 0.2 = 0.98``.

    .. versionadded:: 0.1
    """

    VAT_NUMBER = "vat_number"
    COC_NUMBER = "coc_number"
    IBAN = "iban"
    NAME_AND_POSTCODE = "name_and_postcode"
    EMAIL_DOMAIN = "email_domain"

    # Identity hashing is C-level; Enum.__hash__ is a Python call, and every key is filed
    # under its reason.
    __hash__ = object.__hash__

    @property
    def weight(self) -> float:
        """
        The evidence this reason alone gives, between 0 and 1.
        """
        return _WEIGHTS[self]


_WEIGHTS: dict[Reason, float] = {
    Reason.VAT_NUMBER: 0.9,
    Reason.COC_NUMBER: 0.9,
    Reason.IBAN: 0.8,
    Reason.NAME_AND_POSTCODE: 0.6,
    Reason.EMAIL_DOMAIN: 0.3,
}

#: Legal-form words dropped from names, matched as whole words after punctuation is gone
#: (so ``B.V.`` and ``b.v`` are ``bv``). Dutch, German, English, French, Italian, Spanish,
#: Belgian, Nordic and a few central European forms.
LEGAL_FORMS: frozenset[str] = frozenset(
    {
        "bv", "nv", "vof", "cv", "bvba", "sprl", "vzw", "asbl",
        "gmbh", "mbh", "ag", "kg", "ohg", "ug", "ev", "kgaa",
        "ltd", "limited", "llc", "llp", "lp", "inc", "incorporated", "corp", "corporation",
        "co", "company", "plc", "pty",
        "sa", "sas", "sasu", "sarl", "eurl", "sl", "slu", "srl", "spa", "snc",
        "oy", "oyj", "ab", "as", "asa", "aps", "se", "kft", "sro",
    }
)  # fmt: skip

#: Free-mail and consumer ISP domains: a shared one says nothing about the company.
FREE_MAIL_DOMAINS: frozenset[str] = frozenset(
    {
        "gmail.com", "googlemail.com", "outlook.com", "outlook.nl", "outlook.de",
        "hotmail.com", "hotmail.nl", "hotmail.de", "hotmail.fr", "hotmail.be", "hotmail.co.uk",
        "live.com", "live.nl", "live.be", "live.fr", "msn.com", "yahoo.com", "yahoo.fr",
        "yahoo.de", "yahoo.co.uk", "ymail.com", "icloud.com", "me.com", "mac.com", "aol.com",
        "gmx.de", "gmx.net", "gmx.at", "gmx.ch", "web.de", "freenet.de", "t-online.de",
        "proton.me", "protonmail.com", "pm.me", "zoho.com", "mail.com", "yandex.com",
        "yandex.ru", "mail.ru", "ziggo.nl", "kpnmail.nl", "kpnplanet.nl", "hetnet.nl",
        "planet.nl", "home.nl", "xs4all.nl", "chello.nl", "quicknet.nl", "telenet.be",
        "skynet.be", "proximus.be", "orange.fr", "free.fr", "wanadoo.fr", "laposte.net",
        "sfr.fr", "neuf.fr", "btinternet.com", "sky.com", "virginmedia.com", "libero.it",
        "virgilio.it", "tiscali.it", "seznam.cz", "wp.pl", "onet.pl", "o2.pl", "interia.pl",
        "qq.com", "163.com", "126.com", "naver.com",
    }
)  # fmt: skip

# Dots and apostrophes join (``B.V.`` is ``bv``, ``O'Neil`` is ``oneil``); other punctuation
# separates words.
_JOINERS = re.compile(r"[.'`\u00b4\u2019]")
_SEPARATORS = re.compile(r"[\W_]+")
# A slash between single letters joins them as well (``A/S`` is ``as``); elsewhere it
# separates (``Import/Export``).
_LETTER_SLASH = re.compile(r"\b(\w)/(?=\w\b)")
# Letters NFKD does not decompose, written as people type them without the key.
_UNDECOMPOSED = str.maketrans(
    {"ø": "o", "đ": "d", "ł": "l", "ħ": "h", "\u0131": "i", "æ": "ae", "œ": "oe", "þ": "th"}
)
_POSTCODE_NOISE = re.compile(r"[\s\-]+")
_ID_NOISE = re.compile(r"[\s.\-/]+")


def normalise_name(name: str) -> str:
    """
    Return ``name`` casefolded, without accents, punctuation and legal-form words.

    >>> normalise_name("Café Ölmühle G.m.b.H. & Co. KG")
    'cafe olmuhle'
    >>> normalise_name("Søren O'Neil A/S")
    'soren oneil'

    Args:
        name: an account name.

    Returns:
        The words that remain, joined by single spaces; ``""`` when none remain.
    """
    text = _JOINERS.sub("", name.casefold())
    if "/" in text:
        text = _LETTER_SLASH.sub(r"\1", text)
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
        text = "".join(char for char in decomposed if not unicodedata.combining(char))
    words = _SEPARATORS.sub(" ", text).split()
    return " ".join(word for word in words if word not in LEGAL_FORMS)


def name_key(name: str, postcode: str | None, country: str) -> str | None:
    """
    Return the name-and-postcode key: country, postcode (upper, no spaces or dashes), name.

    Args:
        name: the account name (normalised here with `normalise_name`).
        postcode: the postcode of the account's address.
        country: the address's country code.

    Returns:
        The key, or ``None`` without a postcode or when no name word remains.
    """
    if postcode is None:
        return None
    code = _POSTCODE_NOISE.sub("", postcode).upper()
    words = normalise_name(name)
    if not code or not words:
        return None
    return f"{country.upper()}|{code}|{words}"


def vat_key(vat: VATNumber | str | None, country: str | None = None) -> str | None:
    """
    Return the VAT key: the compact form, upper case, with its country prefix.

    Text is parsed with ``country`` and, when that fails, compacted unchecked. A number
    without a country (an unchecked one given without prefix) takes ``country``.

    Args:
        vat: a VAT number, raw text, or ``None``.
        country: the account's country, for numbers without a prefix.

    Returns:
        The key, or ``None`` when there is no number (or nothing of one remains).
    """
    if isinstance(vat, str):
        vat = _parse_vat(vat, country)
    compact = vat.compact.upper() if vat is not None else ""
    if not compact:
        return None
    if vat is not None and vat.country is None and country:
        return country.upper() + compact
    return compact


def _parse_vat(text: str, country: str | None) -> VATNumber | None:
    try:
        return VATNumber.parse(text, country)
    except ValidationError:
        try:
            return VATNumber.unchecked(text)
        except ValidationError:
            return None


def coc_key(coc: ChamberOfCommerceNumber | str | None, country: str | None = None) -> str | None:
    """
    Return the Chamber of Commerce key: country, ``|``, number without separators, upper case.

    Args:
        coc: a register number, raw text, or ``None``.
        country: the account's country, used when the number records none.

    Returns:
        The key, or ``None`` when there is no number (or text without a letter or digit).
    """
    if coc is None:
        return None
    if isinstance(coc, str):
        number = coc
    else:
        number, country = coc.compact, coc.country or country
    compact = _ID_NOISE.sub("", number).upper()
    return f"{(country or '').upper()}|{compact}" if compact else None


def iban_key(iban: IBAN | str | None) -> str | None:
    """
    Return the IBAN key: the compact form, upper case.

    Args:
        iban: an IBAN, raw text (compacted, not checked), or ``None``.

    Returns:
        The key, or ``None`` when there is no IBAN.
    """
    if iban is None:
        return None
    compact = _ID_NOISE.sub("", iban if isinstance(iban, str) else iban.compact).upper()
    return compact or None


def email_domain_key(email: str | None) -> str | None:
    """
    Return the email domain, lower case, unless it is a free-mail domain.

    Args:
        email: an email address, or ``None``.

    Returns:
        The domain, or ``None`` without an email, without a domain, or for a domain in
        `FREE_MAIL_DOMAINS`.
    """
    if not email:
        return None
    _, at, domain = email.rpartition("@")
    domain = domain.strip().rstrip(".").lower()
    if not at or not domain or domain in FREE_MAIL_DOMAINS:
        return None
    return domain


def account_keys(account: Account) -> list[tuple[Reason, str]]:
    """
    Return every key of ``account``, each with its reason, without repeats.

    Args:
        account: the account.

    Returns:
        ``(reason, key)`` pairs: at most one VAT, CoC and name key, one IBAN key per
        distinct IBAN, one email key per distinct domain (summary and contact email).
    """
    summary = account.summary
    address = summary.address
    country = address.country
    keys: list[tuple[Reason, str]] = []
    vat = vat_key(account.financial.vat_number, country)
    if vat is not None:
        keys.append((Reason.VAT_NUMBER, vat))
    coc = coc_key(account.marketing.coc_number, country)
    if coc is not None:
        keys.append((Reason.COC_NUMBER, coc))
    for bank in account.financial.bank_accounts:
        iban = iban_key(bank.iban)
        if iban is not None and (Reason.IBAN, iban) not in keys:
            keys.append((Reason.IBAN, iban))
    name = name_key(account.name, address.postcode, country)
    if name is not None:
        keys.append((Reason.NAME_AND_POSTCODE, name))
    contact = account.contact
    for email in (summary.email, contact.email if contact is not None else None):
        domain = email_domain_key(email)
        if domain is not None and (Reason.EMAIL_DOMAIN, domain) not in keys:
            keys.append((Reason.EMAIL_DOMAIN, domain))
    return keys
