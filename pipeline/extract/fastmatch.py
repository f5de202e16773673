"""Fast matching of large word-list patterns, with exactly the matches of the plain forms.

`alternation`: word lists as regex alternations that match fast, a trie instead of a flat `a|b|c…`.

A flat alternation of thousands of literals (every county name, every body) is tried word by word
at every position; the same words folded into a trie share their prefixes, so a position is left
after one or two characters.  The trie tries longer words first, exactly as the flat alternation
sorted longest-first did: at one position every matching word is a prefix of the next longer
one, so they lie on one path and the deeper branch is tried before the node's own end.  The
matches, including backtracking into what follows, are therefore the same.

`finditer_at`: `finditer` tried only at the positions where a match can begin, found by the
caller with something cheaper (a character class, an Aho-Corasick automaton).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import regex

_END = ""


def alternation(words: Iterable[str]) -> str:
    """A pattern (without an outer group) matching any of `words`, longest first."""
    root: dict = {}
    for word in set(words):
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[_END] = {}
    return _pattern(root) if root else "(?!)"


def _pattern(node: dict) -> str:
    branches = [regex.escape(ch) + _group(child) for ch, child in sorted(node.items()) if ch != _END]
    if _END in node:
        branches.append("")
    return "|".join(branches)


def _group(node: dict) -> str:
    if list(node) == [_END]:
        return ""
    inner = _pattern(node)
    if len(node) == 1 and "|" not in inner:
        return inner
    return f"(?:{inner})"



def finditer_at(pattern: Any, text: str, starts: Iterable[int]) -> Iterator[Any]:
    """`pattern.finditer(text)` tried only at `starts` (any order, repeats allowed), which must
    hold every position where a match of a non-empty pattern can begin: the same matches,
    without trying the pattern at every position of the text."""
    pos = 0
    for start in sorted(set(starts)):
        if start >= pos and (m := pattern.match(text, start)):
            pos = m.end()
            yield m
