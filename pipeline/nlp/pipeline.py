"""Building and loading the zhreport spaCy pipeline."""
from __future__ import annotations

from pathlib import Path

import spacy
from spacy.language import Language

MODEL_DIR = Path(__file__).resolve().parent.parent.parent / "models" / "zhreport_ner"
LABELS = ("PLACE", "ORG", "POLICY")
#: The ner's network. Narrow and shallow because `--ner` must keep up with the rules on long
#: reports (issue 8), and a window of two words each side is all a name ending needs here.
NER_MODEL = {
    "@architectures": "spacy.TransitionBasedParser.v2", "state_type": "ner", "extra_state_tokens": False,
    "hidden_width": 32, "maxout_pieces": 2, "use_upper": True, "nO": None,
    "tok2vec": {"@architectures": "spacy.HashEmbedCNN.v2", "pretrained_vectors": None, "width": 48,
                "depth": 2, "embed_size": 2000, "window_size": 1, "maxout_pieces": 2, "subword_features": True},
}


def blank(*, ner: bool = False) -> Language:
    """Tokenizer → SpanRuler (patterns from rules/, added at initialize) → [ner] → entity filter."""
    from pipeline.rules import load_yaml

    config = {"nlp": {"tokenizer": {"@tokenizers": "zhreport.jieba_tokenizer.v1"}}}
    nlp = spacy.blank("zh", config=config)
    nlp.add_pipe("span_ruler", config={"spans_key": "ruler", "phrase_matcher_attr": "ORTH",
                                       "validate": False})
    if ner:
        nlp.add_pipe("ner", config={"model": NER_MODEL})
    nlp.add_pipe("zhreport_entity_filter",
                 config={"product_suffixes": list(load_yaml("places.yaml")["product_suffixes"])})
    return nlp


def initialize_rules(nlp: Language) -> None:
    """Load the SpanRuler's patterns, generated from rules/ (STYLE: rules are data, loaded at initialize)."""
    from pipeline.nlp.patterns import rule_patterns

    ruler = nlp.get_pipe("span_ruler")
    ruler.clear()
    ruler.add_patterns(rule_patterns())


def rules_pipeline() -> Language:
    nlp = blank()
    nlp.initialize()
    initialize_rules(nlp)
    return nlp


def load(path: Path | str = MODEL_DIR, *, exclude: list[str] | tuple[str, ...] = ()) -> Language:
    """The saved pipeline (offline: the tokenizer rebuilds jieba from the saved user dictionary),
    without the components named in `exclude` (not even read from disk)."""
    return spacy.load(path, exclude=list(exclude))
