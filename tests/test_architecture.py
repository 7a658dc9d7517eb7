"""The package layout's rules that import-linter does not state: names and citations."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "accountcore"


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def room(module: str) -> str:
    """The package a module belongs to: ``accountcore.sync`` for ``accountcore.sync.tryton._x``."""
    parts = module.split(".")
    if len(parts) > 1 and (SRC / parts[1]).is_dir():
        return ".".join(parts[:2])
    return "accountcore"


def imports(path: Path) -> Iterator[tuple[str, str, int]]:
    """Yield ``(module imported from, name, line)`` for each name a module imports."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            source = f"{base}.{node.module}" if node.level and node.module else node.module
            source = source or base
            for alias in node.names:
                yield source, alias.name, node.lineno


SOURCES = sorted(SRC.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_underscore_name_crosses_a_package_boundary(path: Path) -> None:
    """A private name is imported only from inside its own package."""
    importer = room(module_name(path))
    crossing = [
        f"line {line}: {name} from {source}"
        for source, name, line in imports(path)
        if source.startswith("accountcore")
        and room(source) != importer
        and (name.startswith("_") or any(p.startswith("_") for p in source.split(".")[1:]))
    ]
    assert crossing == []


#: A citation of the rule book: the document outside the repository, or a bare section sign.
OUTSIDE = re.compile(r"DOMAIN(?:\.md)?\s*§|§\s*\d")


@pytest.mark.parametrize(
    "path",
    [*SOURCES, *sorted((ROOT / "docs").rglob("*.md")), *sorted((ROOT / "tests").rglob("*.py"))],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_rules_are_cited_in_the_repository(path: Path) -> None:
    """Code and docs cite docs/rules.md#anchor, never a rule book outside the repository."""
    if path == Path(__file__):
        return
    text = path.read_text(encoding="utf-8")
    assert [m.group(0) for m in OUTSIDE.finditer(text)] == []


def test_cited_anchors_exist() -> None:
    """Every docs/rules.md#anchor that code or docs cite is an anchor of the rule book."""
    anchors = set(re.findall(r"\{#([a-z0-9-]+)\}", (ROOT / "docs" / "rules.md").read_text()))
    cited: set[str] = set()
    for path in [*SOURCES, *(ROOT / "docs").rglob("*.md"), *(ROOT / "tests").rglob("*.py")]:
        if path == Path(__file__):
            continue
        cited |= set(re.findall(r"rules\.md#([a-z0-9-]+)", path.read_text(encoding="utf-8")))
    assert cited - anchors == set()
