"""Word segmentation with a private `jieba.Tokenizer` (never the global `jieba` module).

The tokenizer is built once per process — in every worker process again — from jieba's own
dictionary plus the project's user dictionary `rules/userdict.txt`; its prefix dictionary is
loaded from the compiled-rules cache (`pipeline/compiled.py`), built there once per rules change. Segmentation only checks
boundaries and finds subjects; numbers are matched on characters (`extract/numbers.py`).
"""
from __future__ import annotations

import bisect
import logging
import marshal
import os
from collections.abc import Iterable
from functools import lru_cache
from math import log

import jieba
import jieba.finalseg

from pipeline.compiled import cache_dir, cached
from pipeline.rules import rules_path


_ABSENT = object()
_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")  # jieba's re_eng


class _Tokenizer(jieba.Tokenizer):
    """jieba's accurate mode, word for word, at about twice the speed: the words starting at each
    character and the best route through them are found in one backward pass, and every
    dictionary entry's log frequency is taken once here (jieba looks each fragment up three times
    and takes its log on every call).  `get_DAG`, `calc` and full mode stay jieba's own."""

    def __init__(self, freq: dict[str, int], total: int, tags: dict[str, str]) -> None:
        super().__init__()
        self.FREQ, self.total, self.user_word_tag_tab = freq, total, tags
        self.initialized = True
        logtotal = log(total)
        # a word → log P(word) exactly as jieba's calc computes it; a mere prefix of words → None
        self._logp = {w: (log(f) - logtotal if f else None) for w, f in freq.items()}
        self._unknown = log(1) - logtotal

    def cut(self, sentence, cut_all=False, HMM=True, use_paddle=False):
        if cut_all or use_paddle:
            yield from super().cut(sentence, cut_all=cut_all, HMM=HMM, use_paddle=use_paddle)
            return
        # re.split with one group alternates text outside and inside the pattern's runs
        for i, block in enumerate(jieba.re_han_default.split(jieba.strdecode(sentence))):
            if i % 2:
                yield from self._cut_block(block, HMM)
            elif block:
                for part in jieba.re_skip_default.split(block):
                    if jieba.re_skip_default.match(part):
                        yield part
                    else:
                        yield from part

    def _route(self, block: str) -> list[int]:
        """For each position, the last character of the word the best route takes from there:
        jieba's get_DAG + calc, including its tie-break towards the longer word."""
        n = len(block)
        logp, unknown = self._logp.get, self._unknown
        score = [0.0] * (n + 1)
        ends = list(range(n))
        for k in range(n - 1, -1, -1):
            best = None
            i, frag = k, block[k]
            while (lp := logp(frag, _ABSENT)) is not _ABSENT:
                if lp is not None:
                    cand = (lp + score[i + 1], i)
                    if best is None or cand > best:
                        best = cand
                i += 1
                if i == n:
                    break
                frag = block[k:i + 1]
            if best is None:
                score[k] = unknown + score[k + 1]
            else:
                score[k], ends[k] = best
        return ends

    def _cut_block(self, block: str, hmm: bool):
        """jieba's __cut_DAG / __cut_DAG_NO_HMM over the route: single characters are buffered and
        glued back as Latin runs (HMM off) or handed to the HMM (on) when no word."""
        ends = self._route(block)
        x, buf, n = 0, "", len(block)
        while x < n:
            y = ends[x] + 1
            word = block[x:y]
            if y - x == 1 and (hmm or word in _ASCII_ALNUM):
                buf += word
            else:
                if buf:
                    yield from self._flush(buf, hmm)
                    buf = ""
                yield word
            x = y
        if buf:
            yield from self._flush(buf, hmm)

    def _flush(self, buf: str, hmm: bool):
        if not hmm or len(buf) == 1:
            yield buf
        elif not self.FREQ.get(buf):
            yield from jieba.finalseg.cut(buf)
        else:
            yield from buf


@lru_cache(maxsize=1)
def tokenizer() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    freq, total, tags, force_split = cached(
        "tokenizer.marshal", _prefix_dict, builder=__file__, dump=marshal.dumps, load=marshal.loads)
    for word in force_split:
        jieba.finalseg.add_force_split(word)
    return _Tokenizer(freq, total, tags)


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


def token_edges(text: str, positions: Iterable[int], *, hmm: bool = True) -> set[int]:
    """Those of `positions` where a token of `tokenizer().cut(text, HMM=hmm)` begins or ends.

    Only the blocks around them are cut: jieba segments each run of its block pattern (Han,
    Latin letters, digits…) on its own and splits the text between runs into single characters
    (`\r\n` kept whole), so a position anywhere else is an edge without cutting anything.
    """
    wanted = sorted(set(positions))
    edges = {p for p in wanted if not (p > 0 and text[p - 1:p + 1] == "\r\n")}
    for block in jieba.re_han_default.finditer(text):
        start, end = block.span()
        inside = wanted[bisect.bisect_right(wanted, start):bisect.bisect_left(wanted, end)]
        if inside:
            ends, pos = set(), start
            for word in tokenizer().cut(block.group(), HMM=hmm):
                pos += len(word)
                ends.add(pos)
            edges.difference_update(p for p in inside if p not in ends)
    return edges


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
