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


def test_floors_are_tested() -> None:
    """Each checking library's floor in pyproject.toml is the version `make floor` tests."""
    import re

    from _paths import ROOT

    # The dependencies' lines, as `"name>=version",` (tomllib needs Python 3.11).
    project = (ROOT / "pyproject.toml").read_text()
    floors = dict(re.findall(r'^ *"([a-z-]+)>=([0-9.]+)",$', project, re.MULTILINE))
    listed = (ROOT / "constraints" / "floor.txt").read_text()
    pinned = dict(re.findall(r"^([a-z-]+)==([0-9.]+)$", listed, re.MULTILINE))
    assert pinned and all(floors.get(name) == version for name, version in pinned.items())


@pytest.mark.parametrize("client", ["ViesClient", "AsyncViesClient"])
def test_the_vies_client_names_its_extra(client: str) -> None:
    """Importing the VIES client needs no httpx; building one without it names the extra."""
    code = (
        "import sys; sys.modules['httpx'] = None\n"
        f"from accountcore.vies._http import {client}\n"
        f"try:\n    {client}()\n"
        "except ImportError as error:\n    print(error)\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert "pip install 'accountcore[vies]'" in shown
