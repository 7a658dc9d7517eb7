"""
Printing the comparison table and rewriting ``docs/performance.md`` from one run's rows.
"""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Sequence
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ._method import method_markdown
from ._registry import Row, Settings

__all__ = ["machine_info", "print_table", "table_lines", "write_markdown"]

HEADERS = ("Benchmark", "accountcore", "Peer", "Peer value", "Ratio", "Target", "Met")
PACKAGES = ("accountcore", "attrs", "cattrs", "schwifty", "python-stdnum", "email-validator",
            "pycountry", "pydantic", "pydantic-core", "msgspec", "transitions",
            "python-statemachine", "trytond", "trytond-party")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _commit(root: Path) -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root,
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" (src modified)" if dirty else "")


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def _load(start: float | None) -> str:
    try:
        end = os.getloadavg()[0]
    except OSError:
        return "unknown"
    first = f"{start:.2f} at start, " if start is not None else ""
    return f"{first}{end:.2f} at end (1 minute; above 1.0 means others shared the CPUs)"


def machine_info(now: datetime, root: Path, load_at_start: float | None) -> dict[str, str]:
    """Describe the run: date, machine, load, interpreter, library versions, commit."""
    return {
        "date": now.isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "cpu": f"{_cpu_model()}, {os.cpu_count()} logical CPUs",
        "load average": _load(load_at_start),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "accountcore commit": _commit(root),
        "versions": ", ".join(f"{p} {_version(p)}" for p in PACKAGES),
    }


def _value(unit: str, value: float | None) -> str:
    if value is None:
        return "-"
    if unit == "µs/record":
        return f"{value:,.1f} µs ({1e6 / value:,.0f}/s)"
    if unit == "bytes/account":
        return f"{value:,.0f} B"
    if unit == "objects/account":
        return f"{value:,.1f}"
    return f"{value:,.1f} {unit}"


def _times(ratio: float) -> str:
    """Write a ratio; one below 0.2 also as a fraction, so "40x faster" stays legible."""
    if ratio >= 0.195 or ratio <= 0:
        return f"{ratio:.2f}x"
    return f"{ratio:.3f}x (1/{1 / ratio:,.0f})"


def _target(target: float) -> str:
    """Write a target with the digits it has (0.625 stays 0.625, not 0.6), at least one."""
    if target < 0.195:
        return _times(target)
    digits = f"{target:.3f}".rstrip("0")
    return f"{digits}0x" if digits.endswith(".") else f"{digits}x"


def _cells(row: Row) -> tuple[str, ...]:
    ratio = row.ratio
    met = {True: "yes", False: "NO", None: "-"}[row.met]
    return (
        row.benchmark,
        _value(row.unit, row.ours),
        row.peer or "-",
        _value(row.unit, row.theirs),
        _times(ratio) if ratio is not None and row.theirs and row.theirs >= 0.05 else "-",
        f"<= {_target(row.target)}" if row.target is not None else "-",
        met,
    )


def table_lines(rows: Sequence[Row]) -> list[str]:
    """Return the rows as an aligned plain-text table."""
    cells = [HEADERS, *(_cells(r) for r in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADERS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
             for line in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def print_table(rows: Sequence[Row], info: dict[str, str]) -> None:
    """Print the machine description and the table."""
    for key, value in info.items():
        print(f"{key:>18}: {value}")
    print()
    print("\n".join(table_lines(rows)))


def _markdown_table(rows: Sequence[Row]) -> list[str]:
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in _cells(r)) + " |" for r in rows]
    return lines


def _without_gc(row: Row, rows: Sequence[Row]) -> str:
    """Say what the same comparison gives with the collector off, when that was measured."""
    for other in rows:
        same = other.peer == row.peer and other.benchmark.startswith(row.benchmark + ", gc off")
        if same and other.ratio is not None:
            verdict = "would meet" if row.target and other.ratio <= row.target else "would miss"
            return f" With the garbage collector off it is {_times(other.ratio)} ({verdict} it)."
    return ""


def _targets(rows: Sequence[Row]) -> list[str]:
    lines = []
    for row in rows:
        if row.met is None:
            continue
        verdict = "**met**" if row.met else "**not met**"
        ratio, target = row.ratio, row.target
        assert ratio is not None and target is not None
        lines.append(
            f"- {row.benchmark} vs {row.peer}: {_times(ratio)} against a target of "
            f"<= {_target(target)}: {verdict}.{_without_gc(row, rows)}"
        )
    return lines


def write_markdown(path: Path, rows: Sequence[Row], info: dict[str, str],
                   settings: Settings) -> None:
    """Rewrite ``path`` with this run's figures, machine, date, method and verdicts."""
    lines = [
        "# Performance",
        "",
        "<!-- Written by `python -m benchmarks` (`make bench`); rerun it instead of editing. -->",
        "",
        f"Figures from one run of `python -m benchmarks` on {info['date']}, "
        f"N = {settings.n:,} records, best of {settings.repeats} passes.",
        "",
        "## Targets",
        "",
        *_targets(rows),
        "",
        "## Results",
        "",
        "Lower is better everywhere; the ratio is accountcore / peer.",
        "",
        *_markdown_table(rows),
        "",
        "## Machine",
        "",
        *[f"- {key}: {value}" for key, value in info.items()],
        "",
        method_markdown(settings),
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
