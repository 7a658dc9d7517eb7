"""
Run ``python -m accountcore``: check the sample accounts bundled with the package, or
``python -m accountcore duplicates FILE`` to list possible duplicate accounts.

With no command it prints each valid sample account and every problem of each invalid one.
"""

from __future__ import annotations

import json
import sys
from importlib.resources import files
from typing import TextIO

from . import ValidationError, from_dict


def demo(out: TextIO) -> int:
    """Check the bundled sample and print the outcome; return the exit code."""
    records = json.loads(files("accountcore").joinpath("data/sample_accounts.json").read_text())
    invalid = 0
    for index, record in enumerate(records):
        label = f"#{index + 1}"
        try:
            account = from_dict(record)
        except ValidationError as error:
            invalid += 1
            print(f"{label} invalid: {len(error.problems)} problem(s)", file=out)
            for problem in error.problems:
                print(f"    {problem.location}: {problem.message} [{problem.code}]", file=out)
            continue
        print(
            f"{label} valid: {account.code} {account.name!r} "
            f"{account.type.name.lower()}, {account.status.name.lower()}, "
            f"{account.summary.address.city} {account.summary.address.country}",
            file=out,
        )
    print(f"\n{len(records)} accounts: {len(records) - invalid} valid, {invalid} invalid", file=out)
    return 0


if __name__ == "__main__":
    from ._cli import main

    sys.exit(main())
