"""Writing accounts as CSV: dotted record paths, every filled one, read back to equal accounts."""

from __future__ import annotations

import csv
import io
import itertools
import tracemalloc

import attrs
import pytest
from _samples import record
from hypothesis import given
from hypothesis import strategies as st

from accountcore import Account, FreeField, from_dict
from accountcore import testing as at
from accountcore.exchange._common import ReadOptions, open_input
from accountcore.exchange._csv import read_csv
from accountcore.exchange._write_csv import write_csv

SAMPLE = from_dict(record())


def written(accounts: list[Account], columns: list[str] | None = None) -> tuple[int, str]:
    """Write accounts; return the count and the text."""
    out = io.StringIO(newline="")
    count = write_csv(accounts, out, columns=columns)
    return count, out.getvalue()


def read_back(text: str) -> list[Account]:
    """Read CSV text back into accounts, every record valid."""
    with open_input(io.BytesIO(text.encode()), "w.csv") as src:
        raws = list(read_csv(src, ReadOptions()))
    assert all(not raw.problems for raw in raws)
    return [from_dict(raw.data) for raw in raws]


def blank_text_as_absent(account: Account) -> Account:
    """CSV cannot tell empty text from no text: read an empty text free field as empty."""
    fields = tuple(
        FreeField(name=f.name, kind=f.kind, value=None) if f.value == "" else f
        for f in account.free_fields
    )
    return attrs.evolve(account, free_fields=fields)


class TestWriteCSV:
    def test_a_header_of_record_paths(self) -> None:
        """The header names dotted record paths in the card's order; one row per account."""
        count, text = written([SAMPLE, attrs.evolve(SAMPLE, code="1002", remarks=None)])
        header, first, second = csv.reader(io.StringIO(text))
        assert count == 2
        assert header[:7] == ["id", "code", "name", "type", "type_since", "status", "status_since"]
        assert header.index("summary.address.line1") < header.index("summary.website")
        assert header.index("free_fields.1.value") < header.index("contact.first_name")
        assert header.index("financial.bank_accounts.0.iban") < header.index("financial.vat_number")
        assert first[header.index("remarks")] == "Prefers email."
        assert second[header.index("remarks")] == "" and second[1] == "1002"

    def test_every_path_any_account_fills(self) -> None:
        """Without columns, the header is every path that some account fills, and only those."""
        bare = Account.new(
            code="2",
            name="Bare",
            type=SAMPLE.type,
            address=SAMPLE.summary.address,
            on=SAMPLE.type_since,
        )
        faxed = attrs.evolve(
            bare, code="3", summary=attrs.evolve(bare.summary, fax="+31 20 555 0199")
        )
        _, text = written([bare, faxed])
        header = next(csv.reader(io.StringIO(text)))
        assert "summary.fax" in header and "remarks" not in header
        assert read_back(text) == [bare, faxed]

    def test_columns_given(self) -> None:
        """With columns, exactly those record paths are written, in that order."""
        count, text = written([SAMPLE], ["name", "code", "summary.address.city"])
        assert (count, text) == (
            1,
            "name,code,summary.address.city\r\nAcme Retail B.V.,1001,Amsterdam\r\n",
        )

    @pytest.mark.parametrize("columns", [["code", "colour"], ["summary.address"], ["code", "code"]])
    def test_columns_that_are_not_paths(self, columns: list[str]) -> None:
        """A column that is not the record path of one value, or named twice, is refused."""
        with pytest.raises(ValueError, match=r"not the record path|named twice"):
            written([SAMPLE], columns)

    def test_no_accounts(self) -> None:
        """No accounts: nothing at all, or the header alone when the columns are given."""
        assert written([]) == (0, "")
        assert written([], ["code", "name"]) == (0, "code,name\r\n")

    def test_cells_as_they_are(self) -> None:
        """Quotes, delimiters, line breaks and formula-like text are written as they are."""
        odd = attrs.evolve(
            SAMPLE, name='=SUM(A1); "Quoted", Name', remarks='Line one\r\nline two, "three"'
        )
        _, text = written([odd])
        assert read_back(text) == [odd]

    def test_memory_stays_flat(self) -> None:
        """Ten times the accounts take no more memory: the rows wait in a temporary file."""

        class Sink(io.StringIO):
            def write(self, text: str) -> int:
                return len(text)

        def peak(count: int) -> int:
            tracemalloc.start()
            try:
                write_csv(itertools.repeat(SAMPLE, count), Sink())
                return tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()

        small, large = peak(200), peak(2000)
        assert large < small * 1.5 + 100_000


class TestRoundTrip:
    @given(st.lists(at.accounts(), max_size=3))
    def test_written_accounts_read_back(self, accounts: list[Account]) -> None:
        """Any valid accounts written as CSV read back as the same accounts."""
        count, text = written(accounts)
        assert count == len(accounts)
        assert read_back(text) == [blank_text_as_absent(a) for a in accounts]
