"""
accountcore's benchmark suite: ``python -m benchmarks`` (``make bench``).

Modules: `benchmarks.card` (reading and writing accounts), `benchmarks.memory`,
`benchmarks.imports`; `benchmarks.peers` holds the pydantic and msgspec schemas,
`benchmarks.report` the table and ``docs/performance.md``. See ``_registry`` to add one.
"""
