"""The entity filter: decides `doc.ents` from the SpanRuler's candidates and the model's.

Rule spans win over model spans that overlap them; a place directly followed by a product word
(江西山茶油, “井冈山”品牌) is a product or brand, not a place; overlaps go to the longer span.
Model spans that survive are also kept in `doc.spans["model"]` so callers can tell them apart.
"""
from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

QUOTES = "“”\"'‘’「」"


class EntityFilter:
    def __init__(self, nlp: Language, name: str, *, spans_key: str, model_key: str,
                 product_suffixes: list[str]) -> None:
        self.name = name
        self.spans_key = spans_key
        self.model_key = model_key
        self.product_suffixes = tuple(sorted(product_suffixes, key=len, reverse=True))

    def _is_product(self, doc: Doc, span: Span) -> bool:
        if span.label_ != "PLACE":
            return False
        # the 12 characters after the span, read from the next 12 tokens (each at least one character)
        rest = span[-1].whitespace_ + "".join(t.text_with_ws for t in doc[span.end:span.end + 12])
        return rest[:12].lstrip(QUOTES).startswith(self.product_suffixes)

    def __call__(self, doc: Doc) -> Doc:
        rules = [s for s in doc.spans.get(self.spans_key, []) if not self._is_product(doc, s)]
        taken = {i for s in rules for i in range(s.start, s.end)}
        model = [s for s in doc.ents
                 if not taken.intersection(range(s.start, s.end)) and not self._is_product(doc, s)]
        doc.ents = filter_spans([*rules, *model])
        kept = {(s.start, s.end, s.label) for s in doc.ents}
        doc.spans[self.model_key] = [s for s in model if (s.start, s.end, s.label) in kept]
        return doc
