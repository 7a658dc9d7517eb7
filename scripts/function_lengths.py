"""
Print the median and 90th percentile of function body lengths in ``src/accountcore``.

A body is counted from its first statement after the docstring to its last line, blank
lines and comments inside it included. Usage: ``python scripts/function_lengths.py [ROOT]``.
"""

from __future__ import annotations

import ast
import statistics
import sys
from collections.abc import Iterator
from pathlib import Path


def body_lengths(root: Path) -> Iterator[int]:
    """Yield the body length of every function and method under ``root``."""
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = node.body
                if (
                    len(body) > 1
                    and isinstance(body[0], ast.Expr)
                    and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)
                ):
                    body = body[1:]
                yield (node.end_lineno or body[-1].lineno) - body[0].lineno + 1


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "src/accountcore")
    lengths = sorted(body_lengths(root))
    p90 = statistics.quantiles(lengths, n=10)[-1]
    print(f"{len(lengths)} functions: median {statistics.median(lengths)}, p90 {p90:.0f}")


if __name__ == "__main__":
    main()
