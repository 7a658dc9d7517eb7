"""
The command line: ``accountcore [check [FILE ...] | diagram | duplicates FILE | schema]``.

Thin, over the public API. With no command it checks the sample bundled in the package.

Exit codes: 0 done (``check``: every record valid), 1 (``check``) some record invalid, 2 a usage
error (one line on stderr starting ``accountcore:``, no traceback) or a file that could not be
read (``check`` reports it with the other files' records).

``check`` and ``duplicates`` take ``--max-line-length N`` and ``--max-record-length N``: the
reading limits (`accountcore.exchange.ReadLimits`, 1 MiB each by default) that stop a file of
one endless line (``/dev/zero``) at once instead of when memory runs out.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, contextmanager
from importlib.resources import as_file, files
from pathlib import Path
from typing import IO, TYPE_CHECKING, NoReturn, TextIO

import attrs

from ..entities import Account, AccountType
from ..errors import ValidationError
from ..exchange import (
    DEFAULT_LIMITS,
    FORMATS,
    ReadLimits,
    Source,
    UnreadableFile,
    read,
)

if TYPE_CHECKING:
    from ..exchange import ReadOptions

__all__ = ["main"]


class _UsageError(Exception):
    """A one-line reason to exit with status 2."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        print(f"accountcore: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(2)


def _count(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}")
        return value

    return parse


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="accountcore",
        description="Check account files (or the bundled sample), draw the status machine, "
        "or look for duplicate accounts. With no command: check the bundled sample.",
    )
    parser.add_argument("--version", action="version", version=f"accountcore {_version()}")
    commands = parser.add_subparsers(dest="command")
    _add_check(commands)
    _add_diagram(commands)
    _add_duplicates(commands)
    commands.add_parser(
        "schema",
        help="print the account record format as a JSON Schema (2020-12)",
        description="Print the JSON Schema of the record format that check reads.",
    )
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("accountcore")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _add_check(commands: argparse._SubParsersAction[_Parser]) -> None:

    check = commands.add_parser(
        "check",
        help="validate account records in CSV, JSON, JSON Lines or Exact XML files",
        description="Validate every record of the files (the bundled sample without FILE; "
        "- reads standard input), print one line per problem (file:line: code message) and "
        "then the counts. Exit status: 0 all valid, 1 some invalid, 2 a usage error or a "
        "file that could not be read (the other files are still checked and reported).",
    )
    check.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help=".csv/.tsv, .json (an array), .jsonl or Exact .xml, else told by the content; "
        "- for standard input",
    )
    check.add_argument(
        "--input-format", choices=FORMATS, help="read every FILE as this (default: detected)"
    )
    check.add_argument(
        "--format",
        choices=("text", "json", "jsonl", "github"),
        default="text",
        help="text: lines and tables for people (default); json: one document; jsonl: one "
        "object per record; github: workflow annotations",
    )
    check.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="write the valid accounts to FILE: .xml (Exact XML), .csv, .json or .jsonl "
        "(checks in one process)",
    )
    check.add_argument(
        "--columns",
        type=Path,
        metavar="FILE",
        help="a JSON object mapping CSV header names to record paths, over the built-in map",
    )
    check.add_argument("--encoding", help="a CSV file's encoding (default: detected)")
    check.add_argument(
        "--delimiter", help="a CSV file's separator: , ; | or tab (default: detected)"
    )
    check.add_argument(
        "--strict",
        action="store_true",
        help="an XML element outside the eExact schema makes its account invalid",
    )
    check.add_argument(
        "--allocate-codes",
        action="store_true",
        help='number the accounts that ask for it (Exact XML code="") after the file\'s codes',
    )
    check.add_argument(
        "--jobs",
        type=_count(1),
        default=1,
        metavar="N",
        help="processes that check, this one included (default 1: no workers)",
    )
    check.add_argument(
        "--max-invalid",
        type=_count(0),
        default=1000,
        metavar="N",
        help="invalid records listed with their problems (default 1000; all are counted)",
    )
    _add_limits(check)


def _add_limits(command: argparse.ArgumentParser) -> None:
    """Add the reading limits, past which a file is unreadable (see ``docs/cli.md#limits``)."""

    command.add_argument(
        "--max-line-length",
        type=_count(1),
        default=DEFAULT_LIMITS.line,
        metavar="N",
        help="characters a line of a CSV or JSON Lines file may hold "
        f"(default {DEFAULT_LIMITS.line:,}: 1 MiB)",
    )
    command.add_argument(
        "--max-record-length",
        type=_count(1),
        default=DEFAULT_LIMITS.record,
        metavar="N",
        help="characters a record may hold (a CSV row, a JSON or JSON Lines record), or bytes "
        f"an XML Account may take (default {DEFAULT_LIMITS.record:,}: 1 MiB)",
    )


def _limits(args: argparse.Namespace) -> ReadLimits:

    return ReadLimits(line=args.max_line_length, record=args.max_record_length)


def _add_diagram(commands: argparse._SubParsersAction[_Parser]) -> None:
    diagram = commands.add_parser(
        "diagram",
        help="draw the status machine as a Mermaid or Graphviz diagram",
        description="Print the default status transition table as a diagram.",
    )
    diagram.add_argument(
        "--type", dest="account_type", metavar="T", help="one account type, by letter or name"
    )
    diagram.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")


def _add_duplicates(commands: argparse._SubParsersAction[_Parser]) -> None:
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
    _add_limits(duplicates)


# --- check ------------------------------------------------------------------------------------


#: How the bundled sample is named in reports.
SAMPLE_NAME = "accountcore:data/sample_accounts.jsonl"
_IN_FLIGHT = 1024  # accounts waiting for the output file's writer
_OUTPUTS = {".xml": "xml", ".csv": "csv", ".tsv": "csv", ".json": "json", ".jsonl": "jsonl"}
_DELIMITERS = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


def _sources(names: Sequence[str], input_format: str | None) -> list[Source]:
    """One `Source` per FILE; ``-`` is standard input. Missing files are reported later."""

    sources = []
    for name in names:
        if name == "-":
            sources.append(Source("-", None, input_format, sys.stdin.buffer))
        else:
            sources.append(Source(name, Path(name), input_format))
    return sources


def _columns(path: Path | None) -> dict[str, str] | None:
    if path is None:
        return None
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise _UsageError(f"--columns {path}: cannot read a JSON object ({error})") from None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise _UsageError(f"--columns {path}: expected a JSON object of header names to paths")
    return value


def _options(args: argparse.Namespace) -> ReadOptions:
    from ..exchange import ReadOptions

    delimiter = args.delimiter
    if delimiter is not None:
        delimiter = _DELIMITERS.get(delimiter.lower(), delimiter)
        if len(delimiter) != 1:
            raise _UsageError(f"--delimiter {args.delimiter!r}: expected one character or tab")
    if args.encoding is not None:
        import codecs

        try:
            codecs.lookup(args.encoding)
        except LookupError:
            raise _UsageError(f"--encoding {args.encoding!r}: unknown encoding") from None
    return ReadOptions(
        limits=_limits(args),
        encoding=args.encoding,
        delimiter=delimiter,
        columns=_columns(args.columns),
        strict=args.strict,
    )


def _check(args: argparse.Namespace, out: TextIO) -> int:
    # Per command: the checking and its report load only when `check` runs.
    from ..exchange import check_files
    from ._summary import (
        print_github,
        print_jsonl,
        print_lines,
        print_plain,
        print_rich,
        progress,
        report_json,
    )

    options = _options(args)
    with ExitStack() as stack:
        if args.files:
            sources = _sources(args.files, args.input_format)
        else:
            sources = [stack.enter_context(bundled_sample())]
        keep = None
        if args.output is not None:
            keep = stack.enter_context(_writer(args.output))
        show = stack.enter_context(progress(sys.stderr.isatty()))
        report = check_files(
            sources,
            jobs=args.jobs,
            max_invalid=args.max_invalid,
            on_progress=show,
            options=options,
            keep=keep,
            allocate_codes=args.allocate_codes,
        )
    if args.format == "json":
        json.dump(report_json(report), out, indent=2)
        out.write("\n")
    elif args.format == "jsonl":
        print_jsonl(report, out)
    elif args.format == "github":
        print_github(report, out)
    else:
        print_lines(report, out)
        try:
            print_rich(report, out)
        except ImportError:  # rich comes with the `cli` extra
            print_plain(report, out)
    for tally in report.unreadable:  # for people: stdout may be a file or a pipe
        print(f"accountcore: {tally.error}", file=sys.stderr)
    return report.exit_code


@contextmanager
def _writer(path: Path) -> Iterator[Callable[[Account], None]]:
    """Give a callback that writes each account it gets to ``path``, by its extension."""
    from ..exchange import write_csv, write_exact_xml, write_json, write_jsonl

    kind = _OUTPUTS.get(path.suffix.lower())
    if kind is None:
        raise _UsageError(f"--output {path}: name it .xml, .csv, .json or .jsonl")
    accounts: queue.Queue[Account | None] = queue.Queue(maxsize=_IN_FLIGHT)

    def drain() -> Iterator[Account]:
        while (account := accounts.get()) is not None:
            yield account

    try:
        if kind == "xml":
            file: IO[bytes] | IO[str] = open(path, "wb")  # noqa: SIM115 -- closed below
        else:
            file = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 -- closed below
    except OSError as error:
        raise _UsageError(f"--output {path}: {error.strerror or error}") from None
    writers: dict[str, Callable[..., int]] = {
        "xml": write_exact_xml,
        "csv": write_csv,
        "json": write_json,
        "jsonl": write_jsonl,
    }
    failed: list[BaseException] = []

    def run() -> None:
        try:
            writers[kind](drain(), file)
        except BaseException as error:  # reported after the check, not lost in the thread
            failed.append(error)

    thread = threading.Thread(target=run, name="accountcore-output", daemon=True)

    def keep(account: Account | None) -> None:
        while thread.is_alive():  # a writer that failed takes no more
            try:
                accounts.put(account, timeout=0.5)
            except queue.Full:
                continue
            return

    thread.start()
    try:
        yield keep
    finally:
        keep(None)
        thread.join()
        file.close()
    if failed:
        fault = failed[0]
        if isinstance(fault, OSError):
            raise _UsageError(f"--output {path}: {fault.strerror or fault}")
        raise fault


@contextmanager
def bundled_sample() -> Iterator[Source]:
    """Give the sample bundled in the package as a `Source` on disk, while the block runs."""
    resource = files("accountcore").joinpath("data/sample_accounts.jsonl")
    with as_file(resource) as path:
        yield Source(SAMPLE_NAME, path, "jsonl")


# --- diagram ----------------------------------------------------------------------------------


def _account_type(text: str) -> AccountType:
    """Read an account type from its letter or its name, in any case."""

    key = text.strip().upper().replace("-", "_").replace(" ", "_")
    for account_type in AccountType:
        if key in (account_type.value, account_type.name):
            return account_type
    known = ", ".join(f"{t.value} ({t.name.lower()})" for t in AccountType)
    raise _UsageError(f"unknown account type {text!r}; use one of {known}")


def _diagram(args: argparse.Namespace, out: TextIO) -> int:
    from ..status import TransitionTable, to_dot, to_mermaid  # per command: `diagram` only

    account_type = _account_type(args.account_type) if args.account_type else None
    draw = to_dot if args.format == "dot" else to_mermaid
    out.write(draw(TransitionTable.default(), account_type))
    return 0


# --- duplicates -------------------------------------------------------------------------------


def _accounts(
    path: Path, out: dict[str, tuple[str, str, str]], limits: ReadLimits
) -> tuple[list[object], int]:

    accounts: list[object] = []
    invalid = 0
    for record in read(path, limits=limits):
        account = record.account
        if account is None:
            invalid += 1
            continue
        if account.id is None:
            account = attrs.evolve(account, id=f"#{record.place.record}")
        address = account.summary.address
        out[str(account.id)] = (account.code, account.name, f"{address.city} {address.country}")
        accounts.append(account)
    return accounts, invalid


def _duplicates(args: argparse.Namespace, stdout: TextIO) -> int:
    from ..duplicates import find_duplicates  # per command: `duplicates` only

    labels: dict[str, tuple[str, str, str]] = {}
    accounts, invalid = _accounts(args.file, labels, _limits(args))
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


def _schema(args: argparse.Namespace, out: TextIO) -> int:
    from ..exchange import json_schema

    json.dump(json_schema(), out, indent=2)
    out.write("\n")
    return 0


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None) -> int:
    """
    Run the command line; return the exit code.

    Args:
        argv: the arguments (default: ``sys.argv[1:]``).
        stdout: where output goes (default: ``sys.stdout``); stderr stays ``sys.stderr``.
    """

    out = stdout or sys.stdout
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["check"])
    run = {
        "check": _check,
        "diagram": _diagram,
        "duplicates": _duplicates,
        "schema": _schema,
    }[args.command]
    try:
        return run(args, out)
    except (UnreadableFile, _UsageError) as error:
        print(f"accountcore: {error}", file=sys.stderr)
        return 2
    except BrokenProcessPool as error:
        print(f"accountcore: a worker process failed ({error})", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("accountcore: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our output left (``| head``): quiet, as other tools are. Python
        # would report the failed flush of stdout at exit, so point stdout at nothing.
        if out is sys.stdout:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a tool the pipe ended
