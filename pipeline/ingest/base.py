"""Limits of SPEC §1 and small helpers shared by the format readers."""
from __future__ import annotations

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_CHARS = 2_000_000
MAX_MEMBER_BYTES = 200 * 1024 * 1024
MAX_INFLATE_RATIO = 100


def single_page(text: str) -> tuple[int, ...]:
    """`line_pages` for a format without pages: every line is on page 1."""
    return (1,) * (text.count("\n") + 1)
