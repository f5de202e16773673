"""Word segmentation with a private `jieba.Tokenizer` (never the global `jieba` module).

The tokenizer is built once per process — in every worker process again — from jieba's own
dictionary plus the project's user dictionary `rules/userdict.txt`. Segmentation only checks
boundaries and finds subjects; numbers are matched on characters (`extract/numbers.py`).
"""
from __future__ import annotations

import logging
from functools import lru_cache

import jieba

from pipeline.rules import rules_path


@lru_cache(maxsize=1)
def tokenizer() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    tok.load_userdict(str(rules_path("userdict.txt")))
    return tok


def segment(text: str) -> list[str]:
    return tokenizer().lcut(text)
