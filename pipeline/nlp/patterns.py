"""SpanRuler patterns generated from rules/: gazetteer names → PLACE, organization lexicon → ORG,
policy lexicon → POLICY. Phrase patterns, so they match whole jieba tokens only; the user
dictionary (built from the same rules) keeps each name one token."""
from __future__ import annotations

from pipeline.rules import load_tsv, load_yaml


def _split(cell: str | None) -> list[str]:
    return cell.split() if cell else []


def rule_patterns() -> list[dict]:
    seen: set[tuple[str, str]] = set()
    out: list[dict] = []

    def add(label: str, phrase: str, pid: str) -> None:
        if len(phrase) >= 2 and (label, phrase) not in seen:
            seen.add((label, phrase))
            out.append({"label": label, "pattern": phrase, "id": pid})

    for row in load_tsv("gazetteer/divisions.tsv"):
        common = set(_split(row["short_common"]))
        if row["name"] not in common:
            add("PLACE", row["name"], row["code"])
        for s in _split(row["short"]):
            if s not in common:
                add("PLACE", s, row["code"])
    for row in load_tsv("gazetteer/features.tsv"):
        for s in (row["name"], *_split(row["aliases"])):
            add("PLACE", s, row["name"])
    for kind, words in load_yaml("organizations.yaml")["lexicon"].items():
        for w in words:
            add("ORG", w, kind)
    for kind, words in load_yaml("policies.yaml")["lexicon"].items():
        for w in words:
            add("POLICY", w, kind)
    return out
