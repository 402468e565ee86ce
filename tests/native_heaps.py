"""How much of a running process's memory is in glibc's heaps, read from its memory map."""

from __future__ import annotations

from pathlib import Path

HEAP_MAX = 64 << 20
"""glibc's HEAP_MAX_SIZE on 64-bit: a thread arena's heap is reserved at this size and
alignment, and mapped read-write as far as it has grown."""


def heap_bytes(pid: int) -> int:
    """Bytes of the main heap ([heap]) and of the thread arenas' heaps (64 MiB-aligned
    anonymous reservations), as far as they have grown: not the mmaps of large allocations."""
    spans: list[tuple[int, int, str, str]] = []
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        fields = line.split()
        start, end = (int(x, 16) for x in fields[0].split("-"))
        spans.append((start, end, fields[1], fields[5] if len(fields) > 5 else ""))
    total = 0
    for i, (start, end, _, name) in enumerate(spans):
        if name == "[heap]":
            total += end - start
        elif not name and start % HEAP_MAX == 0:
            reach, grown = start, 0
            for s, e, p, n in spans[i:]:
                if s != reach or n or e - start > HEAP_MAX:
                    break
                grown += (e - s) if p.startswith("rw") else 0
                reach = e
            total += grown if reach - start == HEAP_MAX else 0
    return total
