"""
The command line: ``python -m accountcore [duplicates FILE]``. Thin, over the public API.

Exit codes: 0 done, 2 a usage error or an unreadable file (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import attrs

from .errors import ValidationError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m accountcore",
        description="Check the bundled sample accounts, or look for duplicate accounts.",
    )
    commands = parser.add_subparsers(dest="command")
    duplicates = commands.add_parser(
        "duplicates",
        help="list groups of accounts that may be the same company, with their reasons",
        description="Read account records (a JSON array or JSON Lines) and list the groups "
        "of accounts that may be duplicates, with a score and the reasons.",
    )
    duplicates.add_argument("file", type=Path, help="a .json (array) or .jsonl file")
    duplicates.add_argument(
        "--threshold", type=float, default=0.6, help="lowest pair score that joins (0-1]"
    )
    duplicates.add_argument(
        "--max-block", type=int, default=50, help="largest block of one shared key that pairs"
    )
    duplicates.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def _accounts(path: Path, out: dict[str, tuple[str, str, str]]) -> tuple[list[object], int]:
    from ._records import read_accounts

    accounts: list[object] = []
    invalid = 0
    for read in read_accounts(path):
        account = read.account
        if account is None:
            invalid += 1
            continue
        if account.id is None:
            account = attrs.evolve(account, id=f"#{read.place}")
        address = account.summary.address
        out[str(account.id)] = (account.code, account.name, f"{address.city} {address.country}")
        accounts.append(account)
    return accounts, invalid


def _duplicates(args: argparse.Namespace, stdout: TextIO) -> int:
    from .duplicates import find_duplicates

    labels: dict[str, tuple[str, str, str]] = {}
    accounts, invalid = _accounts(args.file, labels)
    try:
        report = find_duplicates(
            accounts,  # type: ignore[arg-type]  # only Accounts are appended
            threshold=args.threshold,
            max_block=args.max_block,
        )
    except ValidationError as error:
        raise _UsageError(f"{args.file}: {error.problems[0]}") from None
    if args.format == "json":
        json.dump(
            {
                "accounts": report.accounts,
                "invalid": invalid,
                "excluded": report.excluded,
                "groups": [
                    {
                        "score": group.score,
                        "reasons": sorted(reason.value for reason in group.reasons),
                        "account_ids": list(group.account_ids),
                        "pairs": [
                            {
                                "a": pair.a,
                                "b": pair.b,
                                "score": pair.score,
                                "reasons": sorted(r.value for r in pair.reasons),
                            }
                            for pair in group.pairs
                        ],
                    }
                    for group in report.groups
                ],
                "skipped_blocks": [
                    {"reason": reason.value, "size": size} for reason, size in report.skipped_blocks
                ],
            },
            stdout,
            indent=2,
        )
        stdout.write("\n")
        return 0
    print(
        f"{args.file}: {report.accounts + invalid:,} records, {invalid:,} invalid (skipped), "
        f"{report.excluded:,} excluded from merging",
        file=stdout,
    )
    for number, group in enumerate(report.groups, start=1):
        reasons = ", ".join(sorted(reason.value for reason in group.reasons))
        print(f"\ngroup {number}  score {group.score:.2f}  reasons: {reasons}", file=stdout)
        for account_id in group.account_ids:
            code, name, place = labels[account_id]
            print(f"    {account_id}  {code}  {name}  ({place})", file=stdout)
    for reason, size in report.skipped_blocks:
        print(f"\nskipped: {size:,} accounts share one {reason.value}", file=stdout)
    grouped = sum(len(group.account_ids) for group in report.groups)
    print(f"\n{len(report.groups):,} groups, {grouped:,} accounts in them", file=stdout)
    return 0


class _UsageError(Exception):
    """A one-line reason to exit with status 2."""


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None) -> int:
    """
    Run the command line; return the exit code.
    """
    from ._records import UnreadableFile

    out = stdout or sys.stdout
    args = _parser().parse_args(argv)
    if args.command is None:
        from .__main__ import demo

        return demo(out)
    try:
        return _duplicates(args, out)
    except (UnreadableFile, _UsageError) as error:
        print(f"accountcore: {error}", file=sys.stderr)
        return 2
