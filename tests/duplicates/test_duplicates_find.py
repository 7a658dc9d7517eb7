"""Duplicate candidates against docs/rules.md#duplicates: keys, scores, reasons, exclusions."""

from __future__ import annotations

import math
import random
from datetime import date

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from accountcore import (
    IBAN,
    Account,
    AccountType,
    Address,
    BankAccount,
    ChamberOfCommerceNumber,
    Contact,
    Financial,
    Marketing,
    Summary,
    ValidationError,
    VATNumber,
)
from accountcore.duplicates import (
    Candidate,
    CandidateGroup,
    DuplicateReport,
    Reason,
    find_duplicates,
)
from accountcore.duplicates._keys import (
    FREE_MAIL_DOMAINS,
    account_keys,
    coc_key,
    email_domain_key,
    iban_key,
    name_key,
    normalise_name,
    vat_key,
)
from accountcore.testing import accounts as any_accounts

ON = date(2024, 1, 1)
VAT_NL, VAT_DE, VAT_BE = "NL004495445B01", "DE136695976", "BE0428759497"
IBAN_NL, IBAN_DE, IBAN_GB = "NL91ABNA0417164300", "DE89370400440532013000", "GB29NWBK60161331926819"


def make(
    id: str,
    *,
    name: str = "Acme B.V.",
    postcode: str | None = "1012 LG",
    country: str = "NL",
    email: str | None = None,
    contact_email: str | None = None,
    vat: str | None = None,
    coc: str | None = None,
    ibans: tuple[str, ...] = (),
    excluded: bool = False,
) -> Account:
    """Return a valid Customer account with the given keys."""
    address = Address(line1="Damrak 1", postcode=postcode, city="Amsterdam", country=country)
    banks = tuple(
        BankAccount(number=iban, type="IBAN", iban=IBAN.parse(iban), main=n == 0)
        for n, iban in enumerate(ibans)
    )
    return Account.new(
        id=id,
        code=id,
        name=name,
        type=AccountType.CUSTOMER,
        address=address,
        on=ON,
        summary=Summary(address=address, email=email),
        contact=Contact(email=contact_email) if contact_email else None,
        marketing=Marketing(
            coc_number=ChamberOfCommerceNumber.parse(coc, country) if coc else None,
            exclude_from_merging=excluded,
        ),
        financial=Financial(
            vat_number=VATNumber.parse(vat, country) if vat else None, bank_accounts=banks
        ),
    )


def problems(error: pytest.ExceptionInfo[ValidationError]) -> list[tuple[object, str]]:
    return [(p.path, p.code) for p in error.value.problems]


# --- keys ---------------------------------------------------------------------------------


class TestReason:
    @pytest.mark.parametrize(
        ("reason", "weight"),
        [
            (Reason.VAT_NUMBER, 0.9),
            (Reason.COC_NUMBER, 0.9),
            (Reason.IBAN, 0.8),
            (Reason.NAME_AND_POSTCODE, 0.6),
            (Reason.EMAIL_DOMAIN, 0.3),
        ],
    )
    def test_weight_follows_the_documented_table(self, reason: Reason, weight: float) -> None:
        """Each reason carries the weight its docstring table gives."""
        assert reason.weight == weight


class TestVATKey:
    @pytest.mark.parametrize(
        ("vat", "country", "key"),
        [
            ("NL004495445B01", None, VAT_NL),
            ("nl 0044.95.445 b01", None, VAT_NL),
            ("NL4495445B01", None, VAT_NL),
            ("004495445B01", "NL", VAT_NL),
            (VATNumber.parse("NL 004495445 B01"), None, VAT_NL),
            (VATNumber.parse("004495445B01", country="NL"), "DE", VAT_NL),
            ("DE 136,695 976", None, VAT_DE),
            ("136695976", "DE", VAT_DE),
            (VATNumber.unchecked("136 695 976"), "DE", VAT_DE),
            (VATNumber.unchecked("de136695976"), None, VAT_DE),
            ("BE 428759497", None, VAT_BE),
            ("US 12-3456789", None, "US123456789"),
        ],
    )
    def test_spellings_of_one_number_give_one_key(
        self, vat: VATNumber | str, country: str | None, key: str
    ) -> None:
        """Any spelling of a VAT number, checked or not, gives its compact prefixed form."""
        assert vat_key(vat, country) == key

    @pytest.mark.parametrize("vat", [None, "", "  ", "--"])
    def test_missing_number_gives_no_key(self, vat: str | None) -> None:
        """No number, or text without a character of one, gives no key."""
        assert vat_key(vat, "NL") is None

    def test_same_national_number_of_two_countries_differs(self) -> None:
        """A national number without prefix is qualified by the account's country."""
        assert vat_key("123456789", "US") != vat_key("123456789", "CA")


class TestCocKey:
    @pytest.mark.parametrize(
        ("coc", "country", "key"),
        [
            ("34334259", "NL", "NL|34334259"),
            ("3433 4259", "nl", "NL|34334259"),
            ("34.33.42.59", "NL", "NL|34334259"),
            (ChamberOfCommerceNumber.parse("3433-4259", "NL"), None, "NL|34334259"),
            (ChamberOfCommerceNumber.parse("34334259", "NL"), "BE", "NL|34334259"),
            (ChamberOfCommerceNumber.unchecked("3433 4259"), "NL", "NL|34334259"),
            (ChamberOfCommerceNumber.parse("Aachen HRA 11223", "DE"), None, "DE|AACHENHRA11223"),
            ("aachen hra 11223", "DE", "DE|AACHENHRA11223"),
            (ChamberOfCommerceNumber.parse("0403.019.261", "BE"), None, "BE|0403019261"),
        ],
    )
    def test_spellings_of_one_number_give_one_key(
        self, coc: ChamberOfCommerceNumber | str, country: str | None, key: str
    ) -> None:
        """Any spelling of a register number gives its country and compact form."""
        assert coc_key(coc, country) == key

    def test_same_number_in_two_countries_differs(self) -> None:
        """Register numbers are national, so the country is part of the key."""
        assert coc_key("34334259", "NL") != coc_key("34334259", "BE")

    @pytest.mark.parametrize("coc", [None, "", " - "])
    def test_missing_number_gives_no_key(self, coc: str | None) -> None:
        """No number gives no key."""
        assert coc_key(coc, "NL") is None


class TestIBANKey:
    @pytest.mark.parametrize(
        ("iban", "key"),
        [
            ("NL91ABNA0417164300", IBAN_NL),
            ("nl91 abna 0417 1643 00", IBAN_NL),
            (IBAN.parse("NL91 ABNA 0417 1643 00"), IBAN_NL),
            ("DE89 3704 0044 0532 0130 00", IBAN_DE),
            (IBAN.parse("gb29nwbk60161331926819"), IBAN_GB),
        ],
    )
    def test_spellings_of_one_iban_give_one_key(self, iban: IBAN | str, key: str) -> None:
        """Any spelling of an IBAN gives its compact form."""
        assert iban_key(iban) == key

    @pytest.mark.parametrize("iban", [None, "", "  "])
    def test_missing_iban_gives_no_key(self, iban: str | None) -> None:
        """No IBAN gives no key."""
        assert iban_key(iban) is None


class TestNameKey:
    @pytest.mark.parametrize(
        ("names", "words"),
        [
            (["Acme B.V.", "ACME BV", "acme b.v", "Acme", "Acme, B.V.", "  Acme   bv "], "acme"),
            (["Café Ölmühle GmbH", "Cafe Olmuhle", "CAFÉ ÖLMÜHLE G.m.b.H."], "cafe olmuhle"),
            (["Bäckerei Müller GmbH & Co. KG", "Backerei Muller KG"], "backerei muller"),
            (["Søren Hansen A/S", "Soren Hansen AS", "SØREN HANSEN"], "soren hansen"),
            (["Jansen-de Vries V.O.F.", "Jansen de Vries vof"], "jansen de vries"),
            (["O'Neil Limited", "O\u2019Neil Ltd.", "ONeil LTD"], "oneil"),
            (["Smith & Sons Inc.", "Smith Sons, Inc", "SMITH + SONS"], "smith sons"),
            (["Dupont S.A.R.L.", "Dupont SARL", "DUPONT s.a.r.l"], "dupont"),
            (["Straße AG", "STRASSE A.G."], "strasse"),
        ],
    )
    def test_variants_normalise_to_the_same_words(self, names: list[str], words: str) -> None:
        """Case, accents, punctuation, spacing and legal forms do not tell names apart."""
        assert {normalise_name(name) for name in names} == {words}

    @pytest.mark.parametrize(("a", "b"), [("Acme Trading", "Acme Trade"), ("Delta", "Delta 2")])
    def test_different_names_stay_different(self, a: str, b: str) -> None:
        """Words that differ keep names apart."""
        assert normalise_name(a) != normalise_name(b)

    def test_key_combines_country_postcode_and_name(self) -> None:
        """The key holds the country, the compact postcode and the normalised name."""
        keys = {
            name_key("Acme B.V.", "1012 LG", "NL"),
            name_key("ACME", "1012lg", "nl"),
            name_key("acme bv", " 1012-LG ", "NL"),
        }
        assert keys == {"NL|1012LG|acme"}

    @pytest.mark.parametrize(
        ("name", "postcode", "country"),
        [("Acme", "1012 LG", "BE"), ("Acme", "1013 LG", "NL"), ("Acme 2", "1012 LG", "NL")],
    )
    def test_other_place_or_name_gives_another_key(
        self, name: str, postcode: str, country: str
    ) -> None:
        """Another country, postcode or name gives another key."""
        assert name_key(name, postcode, country) != name_key("Acme", "1012 LG", "NL")

    @pytest.mark.parametrize(
        ("name", "postcode"), [("Acme", None), ("Acme", " "), ("B.V.", "1012 LG"), ("--", "1")]
    )
    def test_missing_postcode_or_name_gives_no_key(self, name: str, postcode: str | None) -> None:
        """Without a postcode, or when only legal forms and punctuation remain, there is none."""
        assert name_key(name, postcode, "NL") is None


class TestEmailDomainKey:
    @pytest.mark.parametrize(
        ("email", "key"),
        [
            ("info@acme.nl", "acme.nl"),
            ("Sales@ACME.NL", "acme.nl"),
            ("jan@acme.nl. ", "acme.nl"),
            ('"a@b"@acme.co.uk', "acme.co.uk"),
        ],
    )
    def test_domain_is_lower_case(self, email: str, key: str) -> None:
        """The key is the part after the last ``@``, lower case."""
        assert email_domain_key(email) == key

    @pytest.mark.parametrize(
        "email",
        ["jan@gmail.com", "Jan@GMAIL.COM", "a@hotmail.com", "b@ziggo.nl", "c@gmx.de", "d@web.de"],
    )
    def test_free_mail_domain_gives_no_key(self, email: str) -> None:
        """A free-mail domain says nothing about the company."""
        assert email_domain_key(email) is None

    @pytest.mark.parametrize("email", [None, "", "no-at-sign", "jan@", "jan@ ."])
    def test_missing_domain_gives_no_key(self, email: str | None) -> None:
        """No email, or one without a domain, gives no key."""
        assert email_domain_key(email) is None

    def test_free_mail_list_is_lower_case_domains(self) -> None:
        """The free-mail list holds lower-case domains only."""
        assert all(d == d.lower() and "." in d and "@" not in d for d in FREE_MAIL_DOMAINS)


class TestAccountKeys:
    def test_every_section_contributes_its_keys_once(self) -> None:
        """An account's keys come from each section, each distinct key once."""
        account = make(
            "1",
            email="info@acme.nl",
            contact_email="jan@ACME.nl",
            vat=VAT_NL,
            coc="34334259",
            ibans=(IBAN_NL, IBAN_DE),
        )
        assert account_keys(account) == [
            (Reason.VAT_NUMBER, VAT_NL),
            (Reason.COC_NUMBER, "NL|34334259"),
            (Reason.IBAN, IBAN_NL),
            (Reason.IBAN, IBAN_DE),
            (Reason.NAME_AND_POSTCODE, "NL|1012LG|acme"),
            (Reason.EMAIL_DOMAIN, "acme.nl"),
        ]

    def test_bare_account_has_only_its_name_key(self) -> None:
        """An account without identifiers or email is filed under its name only."""
        assert account_keys(make("1", email="jan@gmail.com")) == [
            (Reason.NAME_AND_POSTCODE, "NL|1012LG|acme")
        ]


# --- groups -------------------------------------------------------------------------------


def groups_of(report: DuplicateReport) -> list[tuple[tuple[str, ...], float, set[Reason]]]:
    return [(g.account_ids, g.score, set(g.reasons)) for g in report.groups]


class TestFindDuplicates:
    def test_shared_vat_number_is_the_reason(self) -> None:
        """Two accounts sharing only a VAT number form a group scored by its weight."""
        report = find_duplicates(
            [make("a", name="Acme", vat=VAT_NL), make("b", name="Other", vat=VAT_NL)]
        )
        pair = Candidate("a", "b", 0.9, frozenset({Reason.VAT_NUMBER}))
        assert report.groups == (CandidateGroup(("a", "b"), 0.9, (pair,)),)

    def test_reasons_combine_as_independent_evidence(self) -> None:
        """A pair's score is one minus the product of one minus each reason's weight."""
        report = find_duplicates(
            [
                make("b", vat=VAT_NL, ibans=(IBAN_NL,), email="x@acme.nl"),
                make("a", vat=VAT_NL, ibans=(IBAN_NL,), email="y@acme.nl"),
            ]
        )
        (group,) = report.groups
        expected = 1 - 0.1 * 0.2 * 0.4 * 0.7
        assert math.isclose(group.score, expected)
        assert group.reasons == {
            Reason.VAT_NUMBER,
            Reason.IBAN,
            Reason.NAME_AND_POSTCODE,
            Reason.EMAIL_DOMAIN,
        }
        assert (group.pairs[0].a, group.pairs[0].b) == ("a", "b")

    def test_threshold_decides_which_pairs_join(self) -> None:
        """A shared email domain (0.3) joins only under a threshold of at most 0.3."""
        accounts = [make("a", name="A", email="a@acme.nl"), make("b", name="B", email="b@acme.nl")]
        assert find_duplicates(accounts).groups == ()
        assert groups_of(find_duplicates(accounts, threshold=0.3)) == [
            (("a", "b"), 0.3, {Reason.EMAIL_DOMAIN})
        ]

    def test_name_and_postcode_alone_reach_the_default_threshold(self) -> None:
        """Respelt names at one postcode score exactly 0.6 and join by default."""
        report = find_duplicates(
            [make("a", name="Acme B.V."), make("b", name="ACME bv", postcode="1012lg")]
        )
        assert groups_of(report) == [(("a", "b"), 0.6, {Reason.NAME_AND_POSTCODE})]

    def test_free_mail_never_links(self) -> None:
        """Accounts sharing a free-mail domain are not paired at any threshold."""
        accounts = [
            make("a", name="A", email="a@gmail.com"),
            make("b", name="B", email="b@gmail.com"),
        ]
        assert find_duplicates(accounts, threshold=0.01).groups == ()

    def test_groups_are_connected_through_pairs(self) -> None:
        """A shares a VAT number with B and B an IBAN with C: one group of three."""
        report = find_duplicates(
            [
                make("c", name="C", ibans=(IBAN_DE,)),
                make("b", name="B", vat=VAT_NL, ibans=(IBAN_DE,)),
                make("a", name="A", vat=VAT_NL),
                make("d", name="D"),
            ]
        )
        (group,) = report.groups
        assert group.account_ids == ("a", "b", "c")
        assert group.score == 0.9
        assert [(p.a, p.b, p.reasons) for p in group.pairs] == [
            ("a", "b", frozenset({Reason.VAT_NUMBER})),
            ("b", "c", frozenset({Reason.IBAN})),
        ]

    def test_groups_are_ordered_by_score_then_ids(self) -> None:
        """Groups come best score first, then by their ids."""
        report = find_duplicates(
            [
                make("e", name="E", postcode="2000"),
                make("f", name="e", postcode="2000"),
                make("c", name="C", ibans=(IBAN_NL,)),
                make("d", name="D", ibans=(IBAN_NL,)),
                make("a", name="A", vat=VAT_DE, country="DE", postcode="10115"),
                make("b", name="B", vat=VAT_DE, country="DE", postcode="10115"),
            ]
        )
        assert [g.account_ids for g in report.groups] == [("a", "b"), ("c", "d"), ("e", "f")]

    def test_excluded_account_never_appears_nor_links(self) -> None:
        """An excluded account is in no group and does not join the two it shares keys with."""
        report = find_duplicates(
            [
                make("a", name="A", vat=VAT_NL, excluded=True, ibans=(IBAN_NL,)),
                make("b", name="B", vat=VAT_NL),
                make("c", name="C", ibans=(IBAN_NL,)),
                make("d", name="D", vat=VAT_DE, excluded=True),
                make("e", name="E", vat=VAT_DE),
            ]
        )
        assert report.groups == ()
        assert (report.accounts, report.excluded) == (5, 2)

    def test_replaced_account_is_left_out(self) -> None:
        """An account already merged into another (``replaced_by``) is not proposed again."""
        merged = attrs.evolve(make("b", vat=VAT_NL), replaced_by="a")
        report = find_duplicates([make("a", vat=VAT_NL), merged])
        assert (report.groups, report.excluded) == ((), 1)

    def test_oversized_block_is_skipped_and_reported(self) -> None:
        """A block above ``max_block`` forms no pairs, and is reported by reason and size."""
        accounts = [make(f"{n}", name=f"N{n}", email=f"{n}@group.com") for n in range(4)]
        accounts[0] = make("0", name="N0", email="0@group.com", vat=VAT_NL)
        accounts[1] = make("1", name="N1", email="1@group.com", vat=VAT_NL)
        report = find_duplicates(accounts, threshold=0.3, max_block=3)
        assert report.skipped_blocks == ((Reason.EMAIL_DOMAIN, 4),)
        assert groups_of(report) == [
            (("0", "1"), round(1 - 0.1 * 0.7, 6), {Reason.VAT_NUMBER, Reason.EMAIL_DOMAIN})
        ]
        assert len(find_duplicates(accounts, threshold=0.3, max_block=4).groups[0].pairs) == 6

    def test_input_is_read_once_from_any_iterable(self) -> None:
        """A generator works: the input is iterated exactly once."""
        report = find_duplicates(make(i, vat=VAT_NL) for i in ("a", "b"))
        assert [g.account_ids for g in report.groups] == [("a", "b")]

    def test_report_shows_no_identifier_values(self) -> None:
        """Reprs hold ids, scores and reasons, never the shared VAT number or IBAN."""
        text = repr(
            find_duplicates(
                [make("a", vat=VAT_NL, ibans=(IBAN_NL,)), make("b", vat=VAT_NL, ibans=(IBAN_NL,))]
            )
        )
        assert "'a'" in text
        assert VAT_NL not in text
        assert "0417164300" not in text
        assert "4300" not in text

    def test_no_account_no_group(self) -> None:
        """An empty input gives an empty report."""
        assert find_duplicates([]) == DuplicateReport((), (), 0, 0)


# A small world of shared values, so random accounts often share keys.
@st.composite
def _small_world_account(draw: st.DrawFn, id: str) -> Account:
    return make(
        id,
        name=draw(st.sampled_from(["Acme B.V.", "ACME bv", "Beta GmbH", "Gamma"])),
        postcode=draw(st.sampled_from(["1012 LG", "1012lg", "2000", None])),
        email=draw(st.sampled_from(["a@acme.nl", "b@acme.nl", "c@gmail.com", "d@beta.de", None])),
        vat=draw(st.sampled_from([VAT_NL, VAT_BE, None])),
        ibans=draw(st.sampled_from([(), (IBAN_NL,), (IBAN_DE,), (IBAN_NL, IBAN_GB)])),
        excluded=draw(st.booleans()),
    )


@st.composite
def small_worlds(draw: st.DrawFn) -> list[Account]:
    """Up to ten accounts drawing from a few shared values, so they often share keys."""
    size = draw(st.integers(0, 10))
    return [draw(_small_world_account(f"A{n}")) for n in range(size)]


class TestFindDuplicatesProperties:
    @given(small_worlds(), st.sampled_from([0.3, 0.6, 0.9]), st.integers(2, 6))
    def test_excluded_accounts_change_nothing(
        self, accounts: list[Account], threshold: float, max_block: int
    ) -> None:
        """Excluded accounts appear nowhere, and leaving them out gives the same groups."""
        excluded = {a.id for a in accounts if a.marketing.exclude_from_merging}
        kept = [a for a in accounts if not a.marketing.exclude_from_merging]
        report = find_duplicates(accounts, threshold=threshold, max_block=max_block)
        assert not excluded & {i for g in report.groups for i in g.account_ids}
        assert not excluded & {i for g in report.groups for p in g.pairs for i in (p.a, p.b)}
        alone = find_duplicates(kept, threshold=threshold, max_block=max_block)
        assert (report.groups, report.skipped_blocks) == (alone.groups, alone.skipped_blocks)

    @given(small_worlds(), st.randoms(use_true_random=False))
    def test_input_order_does_not_matter(self, accounts: list[Account], rnd: random.Random) -> None:
        """Shuffled input gives the very same report."""
        shuffled = list(accounts)
        rnd.shuffle(shuffled)
        assert find_duplicates(shuffled, threshold=0.3) == find_duplicates(accounts, threshold=0.3)

    @given(small_worlds(), st.sampled_from([0.3, 0.6, 0.9]))
    def test_every_pair_reaches_the_threshold_and_shares_its_reasons(
        self, accounts: list[Account], threshold: float
    ) -> None:
        """Each reported pair scores at least the threshold and shares a key per reason."""
        by_id = {a.id: {r for r, _ in account_keys(a)} for a in accounts}
        keys = {a.id: set(account_keys(a)) for a in accounts}
        for group in find_duplicates(accounts, threshold=threshold).groups:
            assert group.score == max(p.score for p in group.pairs)
            for pair in group.pairs:
                assert pair.a < pair.b
                assert pair.score >= threshold
                shared = {reason for reason, _ in keys[pair.a] & keys[pair.b]}
                assert pair.reasons == shared
                assert shared <= by_id[pair.a] & by_id[pair.b]


# --- bad input ----------------------------------------------------------------------------


class TestBadInput:
    def test_items_that_are_not_accounts_are_refused(self) -> None:
        """Every item that is not an Account is reported at its index."""
        with pytest.raises(ValidationError) as error:
            find_duplicates([make("a"), {"id": "b"}, None, "c"])  # type: ignore[list-item]
        assert problems(error) == [
            ((1,), "invalid_type"),
            ((2,), "invalid_type"),
            ((3,), "invalid_type"),
        ]

    def test_missing_and_duplicate_ids_are_refused_together(self) -> None:
        """An account without an id and one repeating an id are both reported."""
        accounts = [
            make("a"),
            attrs.evolve(make("b"), id=None),
            make("a"),
            attrs.evolve(make("c"), id=" "),
            attrs.evolve(make("d"), id=7),  # type: ignore[arg-type]
        ]
        with pytest.raises(ValidationError) as error:
            find_duplicates(accounts)
        assert problems(error) == [
            ((1, "id"), "required"),
            ((2, "id"), "duplicate"),
            ((3, "id"), "required"),
            ((4, "id"), "invalid_type"),
        ]

    def test_excluded_account_needs_an_id_too(self) -> None:
        """Ids are checked on every account, excluded or not."""
        with pytest.raises(ValidationError) as error:
            find_duplicates([attrs.evolve(make("a", excluded=True), id=None)])
        assert problems(error) == [((0, "id"), "required")]

    def test_malformed_section_is_refused(self) -> None:
        """An account built by hand with a section of the wrong type is refused cleanly."""
        broken = attrs.evolve(make("a"), marketing=None)  # type: ignore[arg-type]
        with pytest.raises(ValidationError) as error:
            find_duplicates([broken])
        assert problems(error) == [((0,), "invalid_type")]

    @pytest.mark.parametrize(
        ("options", "path", "code"),
        [
            ({"threshold": 0}, "threshold", "out_of_range"),
            ({"threshold": 1.5}, "threshold", "out_of_range"),
            ({"threshold": math.nan}, "threshold", "out_of_range"),
            ({"threshold": True}, "threshold", "invalid_type"),
            ({"threshold": "0.5"}, "threshold", "invalid_type"),
            ({"max_block": 1}, "max_block", "out_of_range"),
            ({"max_block": 2.5}, "max_block", "invalid_type"),
            ({"max_block": False}, "max_block", "invalid_type"),
        ],
    )
    def test_bad_options_are_refused(
        self, options: dict[str, object], path: str, code: str
    ) -> None:
        """A threshold outside (0, 1] or a block limit below 2 is refused before reading."""
        with pytest.raises(ValidationError) as error:
            find_duplicates(iter([None]), **options)  # type: ignore[arg-type]
        assert problems(error) == [((path,), code)]

    @given(st.lists(st.one_of(st.none(), st.integers(), st.text(), any_accounts()), max_size=6))
    def test_any_input_gives_a_report_or_a_validation_error(self, items: list[object]) -> None:
        """Whatever the items, the result is a report or a ValidationError, nothing else."""
        try:
            report = find_duplicates(items)  # type: ignore[arg-type]
        except ValidationError as error:
            assert all(p.code in {"invalid_type", "required", "duplicate"} for p in error.problems)
        else:
            assert report.accounts == len(items)
