"""A spaCy tokenizer that segments with a private `jieba.Tokenizer`.

What is saved is the user dictionary's text, never a pickled jieba: the loading process (or a
new worker) builds its own jieba from jieba's dictionary plus that text, so a pipeline saved with
`to_disk` segments identically wherever it is loaded.
"""
from __future__ import annotations

import io
import logging
from pathlib import Path

import jieba
import srsly
from spacy.tokens import Doc
from spacy.util import get_words_and_spaces
from spacy.vocab import Vocab

USERDICT_FILE = "userdict.txt"


def project_userdict() -> str:
    from pipeline.rules import rules_path

    return rules_path("userdict.txt").read_text(encoding="utf-8")


def build_jieba(userdict: str) -> jieba.Tokenizer:
    """A jieba over jieba's dictionary plus `userdict`; when that is the project's own user
    dictionary, the process's segmentation tokenizer (the same dictionaries, loaded from the
    compiled-rules cache) instead of a second copy built from scratch."""
    if userdict == project_userdict():
        from pipeline.text.segment import tokenizer

        return tokenizer()
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    if userdict.strip():
        tok.load_userdict(io.BytesIO(userdict.encode("utf-8")))
    return tok


class JiebaTokenizer:
    """Tokens are jieba words (HMM on, as `pipeline.text.segment`); whitespace becomes spaces."""

    def __init__(self, vocab: Vocab, userdict: str | None = None) -> None:
        self.vocab = vocab
        self._userdict = userdict
        self._jieba: jieba.Tokenizer | None = None

    @property
    def userdict(self) -> str:
        if self._userdict is None:
            self._userdict = project_userdict()
        return self._userdict

    @property
    def jieba(self) -> jieba.Tokenizer:
        if self._jieba is None:
            self._jieba = build_jieba(self.userdict)
        return self._jieba

    def __call__(self, text: str) -> Doc:
        words = [w for w in self.jieba.cut(text) if w]
        words, spaces = get_words_and_spaces(words, text)
        return Doc(self.vocab, words=words, spaces=spaces)

    def pipe(self, texts, batch_size: int = 1000):
        for text in texts:
            yield self(text)

    def to_bytes(self, **kwargs) -> bytes:
        return srsly.msgpack_dumps({"userdict": self.userdict})

    def from_bytes(self, data: bytes, **kwargs) -> "JiebaTokenizer":
        self._userdict = srsly.msgpack_loads(data)["userdict"]
        self._jieba = None
        return self

    def to_disk(self, path, **kwargs) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / USERDICT_FILE).write_text(self.userdict, encoding="utf-8")

    def from_disk(self, path, **kwargs) -> "JiebaTokenizer":
        self._userdict = (Path(path) / USERDICT_FILE).read_text(encoding="utf-8")
        self._jieba = None
        return self
