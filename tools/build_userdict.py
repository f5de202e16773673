"""Builds rules/userdict.txt, the jieba user dictionary of the project, from the rules themselves.

    .venv/bin/python tools/build_userdict.py

Entries (word, frequency, tag), in this order, the first entry of a word winning:
- the hand-kept entries of rules/userdict_base.txt;
- division names and their short forms that are no ordinary words (gazetteer/divisions.tsv), and
  feature names and aliases (gazetteer/features.tsv) → `ns`;
- organization lexicon words (organizations.yaml) → `nt`; policy lexicon words (policies.yaml) → `nz`;
- indicator names and synonyms of the catalogue (indicators.yaml) → `n`.

Frequencies stay low (FREQ): a multi-character entry then wins over its own pieces, which is what
a name needs, but it does not pull characters away from the ordinary words around it (九江市场 →
九江 市场). A word jieba already knows keeps jieba's own frequency (and is only listed when its
tag should change, as the frequency then stays jieba's). Single characters are never added.
A feature, lexicon or indicator word that contains another name (长江经济带 ⊃ 长江, 农村居民人均可支配收入
⊃ 居民人均可支配收入) is left out: the inner name keeps its word boundaries, which the place
extractor needs for nested places and the indicator binder for coordinated subjects.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import jieba  # noqa: E402

from pipeline.rules import load_tsv, load_yaml, rules_path  # noqa: E402

FREQ = 2
OUT = ROOT / "rules" / "userdict.txt"


def _jieba_words() -> dict[str, tuple[int, str]]:
    words: dict[str, tuple[int, str]] = {}
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3:
                words[parts[0]] = (int(parts[1]), parts[2])
    return words


def _divisions() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for row in load_tsv("gazetteer/divisions.tsv"):
        common = set((row["short_common"] or "").split())
        out.append((row["name"], "ns"))
        out += [(s, "ns") for s in (row["short"] or "").split() if s not in common]
    return out


def _names() -> list[tuple[str, str]]:
    """(word, tag) of features, lexicons and indicators, in a stable order."""
    out: list[tuple[str, str]] = []
    for row in load_tsv("gazetteer/features.tsv"):
        out += [(s, "ns") for s in (row["name"], *(row["aliases"] or "").split())]
    for words in load_yaml("organizations.yaml")["lexicon"].values():
        out += [(w, "nt") for w in words]
    for words in load_yaml("policies.yaml")["lexicon"].values():
        out += [(w, "nz") for w in words if "、" not in w]
    for item in load_yaml("indicators.yaml"):
        out += [(w, "n") for w in (item["name"], *item.get("synonyms", ()))]
    return out


def _nested(word: str, inner: set[str]) -> bool:
    return any(word[i:j] in inner for i in range(len(word)) for j in range(i + 2, len(word) + 1)
               if (i, j) != (0, len(word)))


def build() -> str:
    known = _jieba_words()
    divisions, names = _divisions(), _names()
    inner = {w for w, _ in divisions + names if len(w) >= 2}
    lines: list[str] = []
    seen: set[str] = set()
    for line in rules_path("userdict_base.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            lines.append(line.strip())
            seen.add(line.split()[0])
    for word, tag in divisions + [(w, t) for w, t in names if not _nested(w, inner)]:
        if word in seen or len(word) < 2 or any(c.isspace() for c in word):
            continue
        seen.add(word)
        if word in known:
            if known[word][1] != tag and tag in ("ns", "nt"):
                lines.append(f"{word} {known[word][0]} {tag}")
            continue
        lines.append(f"{word} {FREQ} {tag}")
    return "\n".join(lines) + "\n"


def main() -> None:
    OUT.write_text(build(), encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {sum(1 for _ in OUT.open(encoding='utf-8'))} entries")


if __name__ == "__main__":
    main()
