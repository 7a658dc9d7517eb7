"""
Reading account files: CSV, JSON, JSON Lines and Exact XML, one record at a time.

Provisional: the command line reads files through this package; a later release documents it
for hosts and adds writing. Every reader streams (memory stays flat however long the file),
refuses a line or a record longer than its `ReadLimits`, and raises `UnreadableFile` with one
line for the user when a file cannot be read.

.. versionadded:: 0.2
"""

from __future__ import annotations

from ._accounts import Read, read_accounts
from ._common import DEFAULT_LIMITS, RawRecord, ReadLimits, UnreadableFile, no_records
from ._csv import REQUIRED_COLUMNS, cells_of, header_plan, plan, split_csv
from ._exact_xml import UNKNOWN_SINCE
from ._files import FORMATS, detect_format, read_records, sniff_format

__all__ = [
    "DEFAULT_LIMITS",
    "FORMATS",
    "REQUIRED_COLUMNS",
    "UNKNOWN_SINCE",
    "RawRecord",
    "Read",
    "ReadLimits",
    "UnreadableFile",
    "cells_of",
    "detect_format",
    "header_plan",
    "no_records",
    "plan",
    "read_accounts",
    "read_records",
    "sniff_format",
    "split_csv",
]
