"""
Regenerate ``vat.json`` and ``registers.json`` from a python-stdnum git checkout.

Run from the repository root with python-stdnum's git directory and a commit or tag::

    .venv/bin/python tests/data/stdnum/extract_vectors.py /path/to/python-stdnum.git 2.2

It reads python-stdnum's ``tests/*.doctest`` files and the docstrings of the modules named
below, and keeps only values and their expected outcome: the lists that ``is_valid`` must
accept (or refuse) and the single ``validate`` / ``is_valid`` examples. No test code is copied.
Statements it does not understand are skipped and counted on stderr.
"""

from __future__ import annotations

import ast
import doctest
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent

#: The register modules ChamberOfCommerceNumber uses, by the country it uses them for.
REGISTER_MODULES = {
    "AT": ["at.businessid"],
    "BE": ["be.vat"],
    "CH": ["ch.uid"],
    "DE": ["de.handelsregisternummer"],
    "DK": ["dk.cvr"],
    "EE": ["ee.registrikood"],
    "FI": ["fi.ytunnus"],
    "FR": ["fr.siren", "fr.siret", "fr.rcs"],
    "NO": ["no.orgnr"],
    "PL": ["pl.regon"],
    "SE": ["se.orgnr"],
}
_VAT_IMPORT = re.compile(r"^from stdnum\.(\w+) import (\w+) as vat\b", re.M)
_LIST_TEST = re.compile(
    r"\[x for x in (?P<var>\w+)\.splitlines\(\) if x and \(?(?P<neg>not )?"
    r"(?:(?P<mod>\w+)\.(?P<func>is_valid|validate)\(x\)|caught\(x, (?P<exc>\w+)\))\)?\]"
)


def _git(gitdir: str, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", gitdir, *args], capture_output=True, text=True, check=True
    ).stdout


def _vat_modules(gitdir: str, commit: str) -> dict[str, str]:
    """Map each country code to the dotted name (``be.vat``) of its VAT module."""
    names = _git(gitdir, "ls-tree", "-r", "--name-only", commit, "stdnum").split()
    modules: dict[str, str] = {}
    for name in names:
        parts = name.split("/")
        if len(parts) != 3:
            continue
        package = parts[1]
        if parts[2] == "vat.py":
            modules[package] = f"{package}.vat"
        elif parts[2] == "__init__.py":
            found = _VAT_IMPORT.search(_git(gitdir, "show", f"{commit}:{name}"))
            if found:
                modules[package] = f"{found.group(1)}.{found.group(2)}"
    return modules


def _country(package: str) -> str | None:
    """The ISO code of a stdnum package (``in_`` is India); None for eu and the vatin module."""
    code = package.rstrip("_").upper()
    return None if code == "EU" or len(code) != 2 else code


class _Reader:
    """Walks the examples of one doctest text and records the vectors they state."""

    def __init__(self, source: str, module: str | None, skipped: dict[str, int]) -> None:
        self.source = source
        self.aliases: dict[str, str] = {}
        self.texts: dict[str, str] = {}
        self.default = module  # for a module's own docstring, where calls are bare
        self.skipped = skipped
        self.vectors: list[dict[str, Any]] = []

    def read(self, text: str) -> list[dict[str, Any]]:
        for example in doctest.DocTestParser().get_examples(text):
            self._example(example)
        return self.vectors

    def _skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1

    def _add(self, line: int, module: str, number: str, **outcome: Any) -> None:
        self.vectors.append(
            {"source": self.source, "line": line + 1, "module": module, "number": number}
            | {"valid": True, "validated": None, "exception": None}
            | outcome
        )

    def _example(self, example: doctest.Example) -> None:
        try:
            tree = ast.parse(example.source)
        except SyntaxError:
            self._skip("syntax")
            return
        if len(tree.body) != 1:
            self._skip("several statements")
            return
        statement = tree.body[0]
        if isinstance(statement, ast.ImportFrom) and statement.module:
            for alias in statement.names:
                name = f"{statement.module}.{alias.name}".removeprefix("stdnum.")
                self.aliases[alias.asname or alias.name] = name
            return
        if isinstance(statement, ast.Assign):
            target = statement.targets[0]
            value = statement.value
            if (
                isinstance(target, ast.Name)
                and isinstance(value, ast.Constant)
                and isinstance(value.value, str)
            ):
                self.texts[target.id] = value.value
                return
            self._skip("assignment")
            return
        if not isinstance(statement, ast.Expr):
            self._skip(type(statement).__name__)
            return
        if isinstance(statement.value, ast.ListComp):
            self._list(example, ast.unparse(statement.value))
        elif isinstance(statement.value, ast.Call):
            self._call(example, statement.value)
        else:
            self._skip("expression")

    def _list(self, example: doctest.Example, source: str) -> None:
        found = _LIST_TEST.fullmatch(source)
        if not found or example.want.strip() != "[]" or found["var"] not in self.texts:
            self._skip("list comprehension")
            return
        if found["exc"]:
            module, valid, exception = self.last_module, False, found["exc"]
        else:
            module = self.aliases.get(found["mod"], "")
            valid, exception = bool(found["neg"]), None
        if not module:
            self._skip("unknown module")
            return
        for number in self.texts[found["var"]].splitlines():
            if number:
                self._add(example.lineno, module, number, valid=valid, exception=exception)

    @property
    def last_module(self) -> str:
        """The module the ``caught`` helper of test_eu_vat.doctest validates with."""
        return self.aliases.get("vat", "")

    def _call(self, example: doctest.Example, call: ast.Call) -> None:
        func = call.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            module, name = self.aliases.get(func.value.id), func.attr
        elif isinstance(func, ast.Name):
            module, name = self.default, func.id
        else:
            module, name = None, ""
        if module is None or name not in ("validate", "is_valid"):
            self._skip(f"call of {name or 'something'}")
            return
        arg = call.args[0] if len(call.args) == 1 and not call.keywords else None
        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            self._skip("call with other arguments")
            return
        number = arg.value
        if example.exc_msg is not None:
            exception = example.exc_msg.split(":")[0].strip().rsplit(".", 1)[-1]
            self._add(example.lineno, module, number, valid=False, exception=exception)
        elif name == "is_valid":
            self._add(example.lineno, module, number, valid=example.want.strip() == "True")
        else:
            self._add(example.lineno, module, number, validated=ast.literal_eval(example.want))


def _docstring(gitdir: str, commit: str, module: str, skipped: dict[str, int]) -> list[Any]:
    path = f"stdnum/{module.replace('.', '/')}.py"
    try:
        text = _git(gitdir, "show", f"{commit}:{path}")
    except subprocess.CalledProcessError:
        return []
    docstring = ast.get_docstring(ast.parse(text), clean=False) or ""
    return _Reader(path, module, skipped).read(docstring)


def _doctest(gitdir: str, commit: str, name: str, skipped: dict[str, int]) -> list[Any]:
    path = f"tests/test_{name}.doctest"
    try:
        text = _git(gitdir, "show", f"{commit}:{path}")
    except subprocess.CalledProcessError:
        return []
    return _Reader(path, None, skipped).read(text)


def main(gitdir: str, commit: str) -> None:
    sha = _git(gitdir, "rev-parse", f"{commit}^{{commit}}").strip()
    skipped: dict[str, int] = {}
    vat: list[Any] = []
    for package, module in sorted(_vat_modules(gitdir, sha).items()):
        vectors = [
            *_doctest(gitdir, sha, module.replace(".", "_"), skipped),
            *_docstring(gitdir, sha, module, skipped),
        ]
        country = _country(package)
        vat += [v | {"country": country} for v in vectors]
    vat += [v | {"country": None} for v in _doctest(gitdir, sha, "vatin", skipped)]
    vat += [v | {"country": None} for v in _docstring(gitdir, sha, "vatin", skipped)]
    registers: list[Any] = []
    for country, modules in REGISTER_MODULES.items():
        for module in modules:
            vectors = [
                *_doctest(gitdir, sha, module.replace(".", "_"), skipped),
                *_docstring(gitdir, sha, module, skipped),
            ]
            registers += [v | {"country": country} for v in vectors]
    header = {"repository": "https://github.com/arthurdejong/python-stdnum", "commit": sha}
    for name, vectors in (("vat", vat), ("registers", registers)):
        head = json.dumps(header | {"ref": commit}, ensure_ascii=False)[:-1]
        rows = ",\n".join(json.dumps(v, ensure_ascii=False) for v in vectors)
        text = f'{head}, "vectors": [\n{rows}\n]}}\n'
        (HERE / f"{name}.json").write_text(text, encoding="utf-8")
        print(f"{name}.json: {len(vectors)} vectors", file=sys.stderr)
    print(f"skipped statements: {skipped}", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:3])
