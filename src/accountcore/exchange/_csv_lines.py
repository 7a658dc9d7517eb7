"""
The lines of a CSV file as the reader takes them, and skipping a row past the reading limits.

A row past ``limits.record`` characters, or with a line past ``limits.line``, is skipped to
its end without being held: the text is read in chunks, and only its quotes and delimiters
are followed, to find the row's end where the csv module's parser would (`_RowEnd`). Whole
runs of lines inside a quoted cell are confirmed by counting quotes; a line the counts cannot
decide goes through the parser's state machine (`_advance`). A row that goes on past
`SKIP_FACTOR` times its limit makes the file unreadable.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterator
from typing import IO

from ._common import SKIP_FACTOR, ReadLimits, _capped_lines, _is_too_long

__all__ = ["_Lines", "_TooLong"]


# --- lines, and skipping a row past the limits --------------------------------------------------

# Where a skipped row's text stands, as the csv module's parser sees it (strict, "" quotes).
_START, _UNQUOTED, _QUOTED_CELL, _QUOTE_IN_QUOTED, _FAULT = range(5)
_IN_QUOTES = re.compile(r'[^"]*(?:""[^"]*)*')  # a quoted cell's text, up to a lone quote


@functools.cache
def _cells(delimiter: str) -> re.Pattern[str]:
    """Whole cells, each with its delimiter, from the start of a cell."""
    d = re.escape(delimiter)
    return re.compile(rf'(?:(?:"[^"]*(?:""[^"]*)*"|[^"{d}][^{d}]*)?{d})*')


def _advance(state: int, text: str, delimiter: str) -> int:
    """Return where the parser stands after ``text``, a line's characters without line end."""
    pos, end = 0, len(text)
    while pos < end:
        if state == _QUOTED_CELL:
            pos = _IN_QUOTES.match(text, pos).end()  # type: ignore[union-attr]
            if pos == end:
                return state
            state, pos = _QUOTE_IN_QUOTED, pos + 1
        elif state == _QUOTE_IN_QUOTED:  # "" goes on; a delimiter ends the cell
            char, pos = text[pos], pos + 1
            state = _QUOTED_CELL if char == '"' else _START if char == delimiter else _FAULT
        elif state == _START:
            pos = _cells(delimiter).match(text, pos).end()  # type: ignore[union-attr]
            if pos == end:
                return state
            if text[pos] != '"':
                return _UNQUOTED  # a cell that runs to the end of the line
            state, pos = _QUOTED_CELL, pos + 1
        elif state == _UNQUOTED:
            pos = text.find(delimiter, pos) + 1
            if pos == 0:
                return state
            state = _START
        else:
            return state
    return state


_SKIPPED = 1 << 16  # characters read at a time from a row that is skipped
_BULK = 1 << 12  # characters of whole lines a skip first tries to cross at once; it adapts
_BACKOFF = 1 << 10  # lines followed one by one, at most, before the counts are tried again


class _RowEnd:
    """
    Follows the text of a skipped row as the csv module's parser would, to the line end that
    ends the row, fast where it can vouch for whole lines at once.

    In a quoted cell, a stretch of whole lines is crossed at once when a few counts
    (`crossed`) show that every line end in it is inside quoted cells: ``bulk`` characters,
    doubled while they do and halved down to one line while they do not. A line they cannot
    vouch for (an unquoted cell, a fault, the row's end) is followed exactly (`_advance`),
    and so are the next ``backoff`` lines, doubled each time the counts fail again, so that
    a row they never vouch for costs little more than following every line.
    """

    def __init__(self, delimiter: str) -> None:
        self.delimiter = delimiter
        self.cells, self.escaped = f'"{delimiter}"', (f'""{delimiter}"', f'"{delimiter}""')
        self.bulk, self.exact, self.backoff = _BULK, 0, 1

    def crossed(self, text: str, start: int, end: int) -> bool:
        """
        Tell whether the parser, in a quoted cell at ``start``, is in one at ``end`` too and
        has not ended the row on the way.

        It is when every quote between belongs to a closing quote, a delimiter and an opening
        quote (``","``), or to an escaped quote (``""``), each counted without overlaps and
        no two of them sharing a quote (neither ``"","`` nor ``",""`` is there): from a
        quoted cell, each goes back to one, and any other character stays in it, line ends
        included.
        """
        quotes = text.count('"', start, end)
        if not quotes:
            return True
        cells = text.count(self.cells, start, end)
        if quotes == 2 * cells:
            return True
        return quotes == 2 * (cells + text.count('""', start, end)) and not any(
            text.find(shared, start, end) >= 0 for shared in self.escaped
        )

    def scan(self, text: str, end: int, state: int) -> tuple[int, int]:
        """
        Run the parser over ``text[:end]`` from ``state``, up to the line end that ends the row.

        Returns ``(stop, state)``: ``stop`` is just past the row's line end (a ``"\\r\\n"``
        whole), or -1 when the row goes on past ``end``, ``state`` then being where the
        parser stands there.
        """
        pos, newline, carriage = 0, -1, -1  # the next "\n" and "\r": each found once
        while pos < end:
            if newline < pos:
                newline = text.find("\n", pos, end)
                newline = end if newline < 0 else newline
            if carriage < pos:
                carriage = text.find("\r", pos, end)
                carriage = end if carriage < 0 else carriage
            line_end = min(newline, carriage)
            if state == _QUOTED_CELL and not self.exact and line_end < end:
                first = line_end + 1 + text.startswith("\r\n", line_end)  # past the first line
                limit = min(end, pos + self.bulk)
                stop = max(text.rfind("\n", pos, limit), text.rfind("\r", pos, limit)) + 1
                stop = max(stop, first)  # at least the first line, however long
                if self.crossed(text, pos, stop):
                    pos, self.bulk, self.backoff = stop, 2 * self.bulk, 1
                    continue
                if stop > first:  # more than one line: try fewer
                    self.bulk = (stop - pos) // 2
                    continue
                self.exact, self.backoff = self.backoff, min(2 * self.backoff, _BACKOFF)
            state = _advance(state, text[pos:line_end], self.delimiter)
            if line_end == end:
                break
            if self.exact:
                self.exact -= 1
            pos = line_end + 1 + text.startswith("\r\n", line_end)
            if state != _QUOTED_CELL:  # a line end outside quotes ends the row
                return pos, state
        return -1, state


def _line_ends(text: str, end: int) -> tuple[int, int, int]:
    """The line ends in ``text[:end]``: how many, and where the first and the last end."""
    newline, carriage = text.find("\n", 0, end), text.find("\r", 0, end)
    if carriage < 0:  # mostly: one count, and no "\r\n" to count
        if newline < 0:
            return 0, -1, -1
        return text.count("\n", newline, end), newline + 1, text.rfind("\n", 0, end) + 1
    count = text.count("\n", 0, end) + text.count("\r", 0, end) - text.count("\r\n", 0, end)
    first = carriage if newline < 0 else min(newline, carriage)
    first += 1 + text.startswith("\r\n", first)
    last = max(text.rfind("\n", 0, end), text.rfind("\r", 0, end)) + 1
    return count, first, last


class _Lines:
    """
    A CSV file's lines for `csv.reader`, each row held to the limits as it is read.

    `csv.reader` reads every line of a row before it returns the row, and a quoted cell may
    span lines: the row's characters are counted here, line by line. A row that goes past a
    limit is read on to its end here, in chunks, and csv is given one short line that ends
    it instead; ``skipped`` then names the limit until whoever takes the rows sets it back
    to ``None``. Whoever takes the rows also sets ``row`` to 0 after each one. ``hidden``
    counts the lines read but not given to csv, less the lines given in their place.
    """

    def __init__(self, file: IO[str], limits: ReadLimits) -> None:
        self.file, self.limits, self.pieces = file, limits, _capped_lines(file, limits.line)
        self.row = 0  # characters of the current row read so far, line ends included
        self.delimiter = ","
        self.header = False  # the header is being read: it is refused, not skipped
        self.skipped: str | None = None
        self.hidden = 0
        self.ahead: list[str] = []  # lines read past a skipped row, not yet given; last first
        self.cut = False  # the last line ahead may go on in the file

    def readline(self) -> str:
        """Read one line outside any row (a blank line or the header's first line)."""
        line = next(self.pieces, "")
        if _is_too_long(line, self.limits.line):
            raise _TooLong("line")
        return line

    def __iter__(self) -> Iterator[str]:
        longest, record = self.limits.line, self.limits.record
        while True:
            ahead = bool(self.ahead)
            for line in self._ahead() if ahead else self.pieces:
                row = self.row + len(line)
                self.row = row
                if (row > record or len(line) > longest) and (over := self._over(line, row)):
                    if self.header:
                        raise _TooLong(over)
                    yield self._skip(line, over)
                    if self.ahead and not ahead:  # lines read past the row: given next
                        break
                    continue
                yield line
            else:
                if not ahead:
                    return

    def _ahead(self) -> Iterator[str]:
        """Give the lines read past a skipped row; the last is completed from the file."""
        while self.ahead:
            line = self.ahead.pop()
            if self.cut and not self.ahead:
                self.cut = False
                if not line.endswith("\n"):  # the file holds its end, or the "\n" of a "\r"
                    more = next(self.pieces, "")
                    if not line.endswith("\r") or more == "\n":
                        line += more
                    elif more:
                        self.ahead.append(more)  # a line of its own, given next
            yield line

    def _over(self, line: str, row: int) -> str | None:
        """Name the limit a line goes past, if any; its line end may end the row."""
        text = len(line.rstrip("\r\n"))
        if text > self.limits.line:
            return "line"
        return "record" if row - (len(line) - text) > self.limits.record else None

    def _skip(self, piece: str, over: str) -> str:
        """
        Read past the rest of the row ``piece`` is in; return a line that ends it for csv.

        The row is read a chunk at a time, none of it kept, and followed by `_RowEnd` as the
        csv module would read it, to the line end that ends it; what is read past that is
        given to csv next.

        Raises:
            _TooLong: the row, or a line of it, goes on past `SKIP_FACTOR` times its limit.
        """
        begun = self.row > len(piece)  # csv holds the row's first lines: it is in a quoted cell
        state = _QUOTED_CELL if begun else _START
        # The row's and the line's characters before the text, and the line ends in the row.
        row, line, lines = self.row - len(piece), 0, 0
        most_row, most_line = self.limits.record * SKIP_FACTOR, self.limits.line * SKIP_FACTOR
        # No chunk holds a whole line past the limit: only a line it begins or ends can be.
        size = max(1, min(_SKIPPED, most_line // 2))
        text, eof, follow = piece + "".join(reversed(self.ahead)), False, _RowEnd(self.delimiter)
        self.ahead.clear()
        self.cut = False
        while True:
            end = len(text) - (not eof and text.endswith("\r"))  # its "\n" may come next
            stop, state = follow.scan(text, end, state)
            read = end if stop < 0 else stop
            count, first, last = _line_ends(text, read)
            # Where the text first goes past a limit, if it does: only its first line and
            # its last can be past (the chunks are shorter), and whichever is first is named.
            past_line: int | None = None
            if line + (first if count else read) > most_line:
                past_line = most_line - line
            elif count and read - last > most_line:
                past_line = last + most_line
            past_row = most_row - row if row + read > most_row else None
            if past_line is not None or past_row is not None:
                named = past_line is not None and (past_row is None or past_line <= past_row)
                raise _TooLong("line" if named else "record")
            row, line, lines = row + read, read - last if count else line + read, lines + count
            if stop >= 0:
                if stop < len(text):  # the next rows' lines, the last perhaps cut short
                    self.ahead = io.StringIO(text[stop:], newline="").readlines()[::-1]
                    self.cut = not eof
                break
            if eof:
                lines += line > 0  # the file ends inside the line
                break
            chunk = self.file.read(size)
            text, eof = text[end:] + chunk, not chunk
        self.skipped, self.row, self.hidden = over, 0, self.hidden + lines - 1
        return '"\n' if begun else "x\n"


class _TooLong(Exception):  # noqa: N818 -- a reason, turned into `UnreadableFile`
    """A header goes past a limit, or a row past what is skipped; names the limit."""
