"""Candidate spans shared by the name extractors (policies, organizations): overlaps resolved
longest first, and each kept span tied to the one sentence that holds it outside boilerplate."""
from __future__ import annotations

from typing import Iterable, Iterator, NamedTuple

from pipeline.records import Doc, Sentence


class Candidate(NamedTuple):
    start: int
    end: int
    name: str
    type: str


def resolve(cands: Iterable[Candidate]) -> list[Candidate]:
    """Longest span first; a candidate overlapping a kept one is dropped."""
    kept: list[Candidate] = []
    taken: list[tuple[int, int]] = []
    for c in sorted(cands, key=lambda c: (c.start - c.end, c.start)):
        if any(s < c.end and c.start < e for s, e in taken):
            continue
        kept.append(c)
        taken.append((c.start, c.end))
    return sorted(kept)


def in_sentences(doc: Doc, cands: Iterable[Candidate]) -> Iterator[tuple[Sentence, Candidate]]:
    """The resolved candidates that lie inside one sentence and outside boilerplate, in text order."""
    for c in resolve(cands):
        if any(s < c.end and c.start < e for s, e in doc.boilerplate):
            continue
        sent = doc.sentence_at(c.start)
        if sent is not None and not sent.boilerplate and c.end <= sent.end:
            yield sent, c
