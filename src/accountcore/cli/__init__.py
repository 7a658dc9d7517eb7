"""
The command line, ``python -m accountcore``: ``check``, ``diagram`` and ``duplicates``, thin
over the public API; with no command it checks the sample bundled in the package.

.. versionadded:: 0.1
"""

from __future__ import annotations

from ._commands import main

__all__ = ["main"]
