"""
A griffe extension for the API reference (mkdocs.yml loads it): turns the reStructuredText
habits of accountcore's docstrings into Markdown before mkdocstrings renders them.

- A bare doctest (a run of lines from one starting with the interpreter prompt up to the next
  blank line) becomes a fenced ``pycon`` block. Markdown would otherwise read the prompt as
  a nested block quote and run the lines together.
- ``.. versionadded:: X`` (and ``versionchanged``, ``deprecated``) becomes an italic note.
- A paragraph ending in ``::`` before an indented literal block ends in ``:``.

The docstrings themselves are unchanged, and so are the doctests pytest runs. This module
imports nothing from griffe, so collecting it under pytest needs no docs extra.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["DoctestFences"]

_PROMPT = ">>>"
_DIRECTIVE = re.compile(r"^\.\. (versionadded|versionchanged|deprecated):: *(\S+)\s*(.*)$")
_WORDS = {
    "versionadded": "Added in version",
    "versionchanged": "Changed in version",
    "deprecated": "Deprecated since version",
}


def to_markdown(text: str) -> str:
    """
    Return a docstring's text with bare doctests fenced and RST directives made Markdown.
    """
    lines = text.split("\n")
    out: list[str] = []
    in_fence = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        if not in_fence and line.startswith(_PROMPT):
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i])
                i += 1
            if out and out[-1].strip():
                out.append("")
            out.extend(["```pycon", *block, "```"])
            continue
        match = None if in_fence else _DIRECTIVE.match(line)
        if match:
            kind, version, rest = match.groups()
            note = f"*{_WORDS[kind]} {version}.*"
            out.append(f"{note} {rest}".rstrip())
        elif not in_fence and line.rstrip().endswith("::") and _literal_follows(lines, i):
            out.append(line.rstrip()[:-1])
        else:
            out.append(line)
        i += 1
    return "\n".join(out)


def _literal_follows(lines: list[str], i: int) -> bool:
    rest = [line for line in lines[i + 1 :] if line.strip()]
    return bool(rest) and rest[0].startswith((" ", "\t"))


class DoctestFences:
    """
    The griffe extension: rewrites each docstring as soon as its object is created, before
    any other extension (griffe-fieldz) parses it.
    """

    def on_instance(self, *, obj: Any, **kwargs: Any) -> None:
        """
        Rewrite the docstring of a newly created module, class, function or attribute.
        """
        if obj.docstring is not None:
            obj.docstring.value = to_markdown(obj.docstring.value)
