"""Optional parts name the extra to install when it is missing."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    ("module", "missing", "extra"),
    [
        ("accountcore.testing", "hypothesis", "accountcore[testing]"),
        ("accountcore.sync.conformance", "hypothesis", "accountcore[testing]"),
        ("accountcore.sync.conformance", "pytest", "accountcore[testing]"),
        ("accountcore.sync.tryton", "trytond", "accountcore[tryton]"),
    ],
)
def test_a_missing_extra_is_named(module: str, missing: str, extra: str) -> None:
    """Importing a part whose extra is missing raises ImportError naming the extra."""
    code = (
        f"import sys; sys.modules[{missing!r}] = None\n"
        f"try:\n    import {module}\n"
        "except ImportError as error:\n    print(error)\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert f"pip install '{extra}'" in shown
