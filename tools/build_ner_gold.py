"""Converts the team's annotated sentences (training/ner_gold.txt, inline `[mention|P/O/Z]`,
nestable) into training/ner_gold.jsonl: {"id", "text", "split", "entities": [[start, end, label]]}.

    .venv/bin/python tools/build_ner_gold.py

`split` is fixed by a hash of the sentence (a quarter held out as `test`), so adding sentences
never moves existing ones between train and test.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "training" / "ner_gold.txt"
OUT = ROOT / "training" / "ner_gold.jsonl"
LABELS = {"P": "PLACE", "O": "ORG", "Z": "POLICY"}


def parse(line: str) -> tuple[str, list[list]]:
    """Plain text and entity spans of one marked-up line."""
    text: list[str] = []
    stack: list[int] = []
    entities: list[list] = []
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "[":
            stack.append(len(text))
        elif ch == "|" and stack and i + 2 < len(line) and line[i + 2] == "]" and line[i + 1] in LABELS:
            entities.append([stack.pop(), len(text), LABELS[line[i + 1]]])
            i += 2
        else:
            text.append(ch)
        i += 1
    if stack:
        raise ValueError(f"unclosed bracket: {line}")
    return "".join(text), sorted(entities)


def main() -> None:
    rows = []
    for line in SRC.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text, entities = parse(line.strip())
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        split = "test" if int(digest[:8], 16) % 4 == 0 else "train"
        rows.append({"id": digest[:12], "text": text, "split": split, "entities": entities})
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    n = {s: sum(len(r["entities"]) for r in rows if r["split"] == s) for s in ("train", "test")}
    print(f"{OUT.relative_to(ROOT)}: {len(rows)} sentences, {sum(n.values())} entities ({n})")


if __name__ == "__main__":
    main()
