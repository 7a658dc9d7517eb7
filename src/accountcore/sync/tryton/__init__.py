"""
The sync port on Tryton: push accounts to ``party.party`` and import parties back.

Needs the ``tryton`` extra (``pip install 'accountcore[tryton]'``), which brings trytond and
its party module, and the Tryton module ``accountcore_sync`` (shipped in this package)
activated in the database. See ``docs/adapters/tryton.md``.

.. versionadded:: 0.1
"""

from __future__ import annotations

try:
    import trytond  # noqa: F401 -- fail early, with the extra to install
except ImportError as error:  # pragma: no cover -- the test environment has the extra
    raise ImportError(
        "accountcore.sync.tryton needs the tryton extra: pip install 'accountcore[tryton]'"
    ) from error

from ._adapter import TrytonAccountingSystem
from ._database import create_database
from ._party import ImportPage, ImportProblem

__all__ = ["ImportPage", "ImportProblem", "TrytonAccountingSystem", "create_database"]
