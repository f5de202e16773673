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
    ordered = sorted(cands, key=lambda c: (c.start - c.end, c.start))
    # position → number of the kept span over it (0: free), so an overlap is a look at the
    # candidate's own positions, not at every span kept so far
    owner = [0] * (max((c.end for c in ordered), default=0) + 1)
    kept: list[Candidate] = []
    for c in ordered:
        if c.start < c.end:
            if any(owner[c.start:c.end]):
                continue
        elif c.start and owner[c.start - 1] and owner[c.start - 1] == owner[c.start]:
            continue  # an empty span strictly inside a kept one
        kept.append(c)
        owner[c.start:c.end] = [len(kept)] * (c.end - c.start)
    return sorted(kept)


def in_sentences(doc: Doc, cands: Iterable[Candidate]) -> Iterator[tuple[Sentence, Candidate]]:
    """The resolved candidates that lie inside one sentence and outside boilerplate, in text order."""
    for c in resolve(cands):
        if any(s < c.end and c.start < e for s, e in doc.boilerplate):
            continue
        sent = doc.sentence_at(c.start)
        if sent is not None and not sent.boilerplate and c.end <= sent.end:
            yield sent, c
