"""`import accountcore` stays light: heavy libraries load only when used."""

from __future__ import annotations

import subprocess
import sys

HEAVY = (
    "schwifty",
    "stdnum",
    "hypothesis",
    "pytest",
    "email_validator",
    "pycountry",
    "cattrs",
    "phonenumbers",
    "httpx",
)


def loaded_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


class TestImportCost:
    def test_import_loads_no_heavy_module(self) -> None:
        """Importing the package loads none of the heavy libraries."""
        assert loaded_after("import accountcore") == set()

    def test_reading_a_record_loads_only_what_it_needs(self) -> None:
        """from_dict loads cattrs; identifiers load their checker on first use."""
        code = (
            "import accountcore\n"
            "accountcore.from_dict({'code': '1', 'name': 'n', 'type': 'C', "
            "'type_since': '2024-01-01', 'status_since': '2024-01-01', "
            "'summary': {'address': {'line1': 'a', 'city': 'b', 'country': 'NL'}}})"
        )
        assert loaded_after(code) == {"cattrs"}

    def test_rights_status_and_validation_load_no_heavy_module(self) -> None:
        """Deciding rights, moving statuses and the rule tables need no cattrs or checker."""
        code = "import accountcore.rights, accountcore.status, accountcore.validation"
        assert loaded_after(code) == set()
