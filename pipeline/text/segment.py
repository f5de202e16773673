"""Word segmentation with a private `jieba.Tokenizer` (never the global `jieba` module).

The tokenizer is built once per process — in every worker process again — from jieba's own
dictionary plus the project's user dictionary `rules/userdict.txt`; its prefix dictionary is
loaded from the compiled-rules cache (`pipeline/compiled.py`), built there once per rules change. Segmentation only checks
boundaries and finds subjects; numbers are matched on characters (`extract/numbers.py`).
"""
from __future__ import annotations

import logging
import marshal
import os
from functools import lru_cache

import jieba
import jieba.finalseg

from pipeline.compiled import cache_dir, cached
from pipeline.rules import rules_path


@lru_cache(maxsize=1)
def tokenizer() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.FREQ, tok.total, tok.user_word_tag_tab, force_split = cached(
        "tokenizer.marshal", _prefix_dict, builder=__file__, dump=marshal.dumps, load=marshal.loads)
    for word in force_split:
        jieba.finalseg.add_force_split(word)
    tok.initialized = True
    return tok


def _prefix_dict() -> tuple[dict[str, int], int, dict[str, str], list[str]]:
    """What `initialize` + `load_userdict` leave in a tokenizer, and the words they force-split;
    jieba's own dictionary cache goes into the same folder."""
    tok = jieba.Tokenizer()
    tok.tmp_dir = str(cache_dir(builder=__file__))
    tok.cache_file = "jieba.cache"
    os.makedirs(tok.tmp_dir, exist_ok=True)
    tok.initialize()
    userdict = rules_path("userdict.txt")
    tok.load_userdict(str(userdict))
    force_split = [line.split()[0] for line in userdict.read_text(encoding="utf-8").splitlines()
                   if len(line.split()) > 1 and line.split()[1] == "0"]
    return tok.FREQ, tok.total, tok.user_word_tag_tab, force_split


def segment(text: str) -> list[str]:
    return tokenizer().lcut(text)


@lru_cache(maxsize=1)
def _pos_tokenizer():
    """Imported here: importing jieba.posseg builds a tagger over the default dictionary (~0.7 s)."""
    import jieba.posseg

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
