"""
Reading and writing accounts as JSON-ready dicts, through cattrs.

- `from_dict` reads an untrusted record into a checked `Account`, or raises one
  `ValidationError` listing every problem with its field path.
- `to_dict` writes an `Account` as a dict that `json.dumps` accepts.
- `make_converter` returns a fresh cattrs converter with accountcore's hooks;
  `configure_converter` adds them to a host's own converter (only accountcore types change).

Reading is strict: ``"3"`` is not a number and ``true`` is not an integer; unknown keys are
refused. Blank text in an optional field reads as absent; the account code is trimmed and the
country code upper-cased. Field rules run while reading, so one pass reports every field's
problem; rules that relate fields run once every field has been read.

.. versionadded:: 0.1
"""

from __future__ import annotations

from ._converter import configure_converter, from_dict, make_converter, problems_of, to_dict
from ._failures import describe_key, is_nameable
from ._hooks import JSONObject, JSONValue

__all__ = [
    "JSONObject",
    "JSONValue",
    "configure_converter",
    "describe_key",
    "from_dict",
    "is_nameable",
    "make_converter",
    "problems_of",
    "to_dict",
]
