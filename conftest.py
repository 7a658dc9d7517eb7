"""Collection for the whole run: the package's doctests and the docs, beside tests/."""

from __future__ import annotations

import importlib.util

# The Tryton adapter's modules import trytond; without the extra their doctests are not
# collected (the tests in tests/ skip with the reason instead).
collect_ignore_glob = (
    []
    if importlib.util.find_spec("trytond")
    else ["src/accountcore/sync/tryton/*", "tests/_tryton.py"]
)
