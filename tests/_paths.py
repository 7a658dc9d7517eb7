"""Where things are, for tests in any folder of the tree."""

from __future__ import annotations

from pathlib import Path

#: The repository.
ROOT = Path(__file__).resolve().parent.parent
#: The files other programs wrote, kept for the tests (each folder notes where they came from).
DATA = ROOT / "tests" / "data"
#: The docs site's pages.
DOCS = ROOT / "docs"
