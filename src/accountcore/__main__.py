"""
Run ``python -m accountcore``: the command line of `accountcore.cli`.

With no command it checks the sample bundled in the package (``make demo``); ``check FILE``,
``diagram`` and ``duplicates FILE`` do the rest (``--help`` lists them).
"""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
