"""The spaCy side of zhreport: a jieba tokenizer, a SpanRuler from rules/, a filter deciding
`doc.ents`, and the trained `ner` (models/zhreport_ner). spaCy is imported only here and in
`extract/ner.py`, and only when the model is asked for (`zhreport run --ner`).

Registration (the registry names the saved config refers to) lives in `registry.py`; importing
this package registers everything.
"""
from pipeline.nlp import registry  # noqa: F401
from pipeline.nlp.pipeline import blank, load

__all__ = ["blank", "load"]
