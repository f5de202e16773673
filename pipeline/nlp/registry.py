"""Registry entries (the names a saved pipeline's config.cfg refers to) and their defaults."""
from __future__ import annotations

import spacy
from spacy.language import Language

from pipeline.nlp.components import EntityFilter
from pipeline.nlp.tokenizer import JiebaTokenizer


@spacy.registry.tokenizers("zhreport.jieba_tokenizer.v1")
def create_jieba_tokenizer():
    def make(nlp: Language) -> JiebaTokenizer:
        return JiebaTokenizer(nlp.vocab)

    return make


@Language.factory("zhreport_entity_filter",
                  default_config={"spans_key": "ruler", "model_key": "model", "product_suffixes": []})
def make_entity_filter(nlp: Language, name: str, spans_key: str, model_key: str,
                       product_suffixes: list[str]) -> EntityFilter:
    return EntityFilter(nlp, name, spans_key=spans_key, model_key=model_key, product_suffixes=product_suffixes)
