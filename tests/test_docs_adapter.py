"""The adapter tutorial's code runs: its adapter passes the conformance kit."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from _paths import DOCS

DOC = DOCS / "writing-an-adapter.md"


def test_tutorial_adapter_passes_the_kit(tmp_path: Path) -> None:
    """Every python block of the tutorial, run as one test module, passes under pytest."""
    blocks = re.findall(r"^```python\n(.*?)^```", DOC.read_text(), re.MULTILINE | re.DOTALL)
    assert len(blocks) >= 5
    module = tmp_path / "test_tutorial_adapter.py"
    module.write_text("\n\n".join(blocks))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(module)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed is not None and int(passed.group(1)) >= 15
