"""
Account files in and out: CSV, JSON, JSON Lines and Exact XML (eExact), record by record.

`read` yields one `Record` per record of a file (a path or a stream): its `Place`, what was
read, and the `accountcore.Account` or its problems. One bad record is one invalid `Record` and
reading goes on; only a file that cannot be read at all raises `UnreadableFile`. Every reader
streams: memory stays flat however long the file. See ``docs/exchange.md``.

.. versionadded:: 0.2
"""

from __future__ import annotations

from ._check import CheckReport, FileTally, InvalidRecord, Source, check_files
from ._columns import COLUMN_MAP, column_paths
from ._common import (
    DEFAULT_LIMITS,
    UNKNOWN_SINCE,
    Place,
    RawRecord,
    ReadLimits,
    ReadOptions,
    UnreadableFile,
)
from ._exact_xml_write import write_exact_xml
from ._files import FORMATS, detect_format
from ._read import Record, read, read_raw
from ._schema import json_schema
from ._write import write_json, write_jsonl
from ._write_csv import write_csv

__all__ = [
    "COLUMN_MAP",
    "DEFAULT_LIMITS",
    "FORMATS",
    "UNKNOWN_SINCE",
    "CheckReport",
    "FileTally",
    "InvalidRecord",
    "Place",
    "RawRecord",
    "ReadLimits",
    "ReadOptions",
    "Record",
    "Source",
    "UnreadableFile",
    "check_files",
    "column_paths",
    "detect_format",
    "json_schema",
    "read",
    "read_raw",
    "write_csv",
    "write_exact_xml",
    "write_json",
    "write_jsonl",
]
