"""Files that never end, for the readers' limits."""

from __future__ import annotations

import io

#: What reading an endless file may take before the test fails: a small limit and a few buffers.
BUDGET = 256 * 1024


class Endless(io.RawIOBase):
    """
    A file that never ends: ``head``, then ``filler`` over and over. Reading more than
    ``budget`` bytes of it fails the test, as a reader that held a whole line would.
    """

    def __init__(self, head: bytes, filler: bytes, budget: int = BUDGET) -> None:
        self.data, self.filler, self.budget, self.served = head, filler, budget, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        size = len(buffer)
        if len(self.data) < size:
            self.data += self.filler * (size // len(self.filler) + 1)
        buffer[:size], self.data = self.data[:size], self.data[size:]
        self.served += size
        if self.served > self.budget:
            raise AssertionError(f"read {self.served:,} bytes of an endless file")
        return size
