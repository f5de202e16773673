"""Word segmentation with a private `jieba.Tokenizer` (never the global `jieba` module).

The tokenizer is built once per process — in every worker process again — from jieba's own
dictionary plus the project's user dictionary `rules/userdict.txt`. Segmentation only checks
boundaries and finds subjects; numbers are matched on characters (`extract/numbers.py`).
"""
from __future__ import annotations

import logging
from functools import lru_cache

import jieba
import jieba.posseg

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


@lru_cache(maxsize=1)
def _pos_tokenizer() -> jieba.posseg.POSTokenizer:
    return jieba.posseg.POSTokenizer(tokenizer())


def segmented_text(text: str, *, pos: bool = False) -> str:
    """Words separated by spaces, one line per line of `text` (`word/tag` with `pos`), for word
    counts and topic models; whitespace inside a line is dropped."""
    lines = []
    for line in text.split("\n"):
        if pos:
            words = [f"{w}/{t}" for w, t in _pos_tokenizer().lcut(line) if w.strip()]
        else:
            words = [w for w in tokenizer().lcut(line) if w.strip()]
        lines.append(" ".join(words))
    return "\n".join(lines) + "\n"
