"""Hand-written lexicons matched on normalised tokens: driver seed terms and sentiment polarity words.

Why hand-written lexicons next to the learned model: Persian and Finglish labelled data is scarce and the
public English sets miss whole drivers (no `access` in SemEval or MAMS) and whole domains, so term lists
written from the taxonomy definitions and from how customers praise and complain give the model a prior
where data says nothing, and give explanations a readable reason («کرایه» → price, "rude" → negative).

Each named lexicon is a TSV in `cxtext/lexicons/` with rows `lang, label, weight, term`: `drivers.tsv`
(labels = the default taxonomy's drivers) and `sentiment.tsv` (labels `positive`, `negative`). Terms are
written the way customers type them and pass through the same tokenizer as the text, so the file never
has to spell normaliser details (Arabic letters, ZWNJ, digits, lower case). A trailing `*` makes the
term's last word a prefix (`deliver*`, `تحویل*`); words separated by a space match consecutive tokens.
A verb joined with its auxiliary («سوخته_بود») matches a term for its first part («سوخته») when no term
is written with the auxiliary. Matching is greedy left to right and prefers the longest term, so «هزینه ارسال» (price) wins over «ارسال»
(access) and "delivery fee" over "delivery".

Negation is the tokenizer's (`Token.negated`): a hit is negated when whether any of its tokens is negated
in the text differs from the term as written, so "not good" is a negated «good» while the idiom «حرف نداره»
("flawless", its «حرف» negated by «نداره» in the term too) is not negated. Any token, not the first: a
Persian negative verb negates the predicate before it, the last word of a term («اصلا به درد بخور نبود»
negates «بخور», so «به درد بخور», "useful", is a negated hit). The sentiment lexicon
lists affirmative forms ("good", «خوب», «می‌ارزه»), and a Persian or Finglish negative verb («نمی‌ارزه»,
«نپسندیدم», `nemiarze`) matches the term for its affirmative form as a negated hit, so "not good",
«خوب نیست» and «نمی‌ارزه» all reach the featurizer as a negated term it can flip.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import compress
from operator import itemgetter
from typing import ClassVar, NamedTuple, Self, cast

from cxtext.taxonomy import Taxonomy
from cxtext.text.persian_verbs import negative_verb_lemma
from cxtext.tokens import Token, tokenize

LANGS = ("en", "fa")
"""Lexicon languages; `fa` covers Persian script and Finglish (Persian in Latin letters)."""

POLARITIES = ("positive", "negative")

_CACHE_LIMIT = 200_000
_NORM, _NEGATED = itemgetter(0), itemgetter(3)  # Token fields, read at C speed
_RANK = itemgetter(0)


class Hit(NamedTuple):
    """One lexicon match: the index of its (first) token, its label, how surely, and whether negated."""

    token: int
    label: str
    weight: float
    negated: bool = False


class DriverHit(Hit):
    """A driver lexicon match; `driver` is its label."""

    __slots__ = ()

    @property
    def driver(self) -> str:
        return self.label


class LexiconError(ValueError):
    """A malformed line in a lexicon file."""


@dataclass(frozen=True, slots=True)
class _Term:
    label: str
    weight: float
    rest: tuple[tuple[str, bool], ...]
    """The words after the first one: (normalised form, is prefix)."""
    negated: bool
    """The term negates one of its own words («حرف نداره», "never again"; not "good value")."""
    length: int
    """Number of words, 1 + len(rest): the longest matching term wins."""

    def match_rest(self, norms: Sequence[str], start: int, affirmed: Mapping[int, str]) -> bool | None:
        """None if the rest does not match at `start`, else whether it matched a negative verb's affirmative."""
        if start + len(self.rest) > len(norms):
            return None
        used_affirmative = False
        for offset, (form, prefix) in enumerate(self.rest):
            norm = norms[start + offset]
            if norm.startswith(form) if prefix else norm == form:
                continue
            norm = affirmed.get(start + offset, "")
            if not (norm and (norm.startswith(form) if prefix else norm == form)):
                return None
            used_affirmative = True
        return used_affirmative


class _Index:
    """One language's terms keyed by their first word: exact forms in a dict, prefixes by length."""

    def __init__(self) -> None:
        self.exact: dict[str, list[_Term]] = {}
        self.prefixes: dict[int, dict[str, list[_Term]]] = {}

    def add(self, words: list[tuple[str, bool]], term: _Term) -> None:
        form, prefix = words[0]
        table = self.prefixes.setdefault(len(form), {}) if prefix else self.exact
        table.setdefault(form, []).append(term)

    def starting_with(self, norm: str) -> list[_Term]:
        """Every term whose first word matches `norm`."""
        terms = list(self.exact.get(norm, ()))
        for length, table in self.prefixes.items():
            if length <= len(norm):
                terms.extend(table.get(norm[:length], ()))
        return terms


_Ranked = tuple[tuple[int, _Term], ...]
"""Terms with their rank in the first word's term list (the order matches are tried in)."""


class _FirstWords(dict[str, tuple[_Term, ...]]):
    """norm → the terms of some language indexes that start with it, looked up once per word.

    Feedback repeats its words a lot and most words start no term, so after warm-up a text's candidate
    positions are one C-level dict lookup per token (`hits` skips every other token). At a candidate,
    `followed_by` narrows the terms by the next word: "could" starts 84 English terms, of which the next
    token leaves two or three to try.
    """

    def __init__(self, indexes: Sequence[_Index]) -> None:
        super().__init__()
        self._indexes = indexes
        self._by_next: dict[str, tuple[tuple[_Ranked, tuple[_Term, ...]], dict[str, _Ranked]]] = {}

    def __missing__(self, norm: str) -> tuple[_Term, ...]:
        found = tuple(term for index in self._indexes for term in index.starting_with(norm))
        if len(self) < _CACHE_LIMIT:
            self[norm] = found
        return found

    def __getstate__(self) -> dict:
        return {"_indexes": self._indexes}  # the caches are rebuilt on use

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._by_next = {}

    def followed_by(self, norm: str, following: tuple[str, ...]) -> tuple[_Term, ...]:
        """The terms starting with `norm` that can match when the next token reads as one of `following`
        (its norm, and its affirmative form if it has one), in the order of `self[norm]`."""
        split = self._by_next.get(norm)
        if split is None:
            split = self._split(norm)
        always, by_next = split
        ranked = [pair for word in following for pair in by_next.get(word, ())]
        if not ranked:
            return always[1]
        return tuple(term for _, term in sorted(always[0] + tuple(ranked), key=_RANK))

    def _split(self, norm: str) -> tuple[tuple[_Ranked, tuple[_Term, ...]], dict[str, _Ranked]]:
        """The terms of `norm` that need no next word or a prefix of it (always tried; ranked and bare),
        and the others keyed by the exact next word they need."""
        always: list[tuple[int, _Term]] = []
        by_next: dict[str, list[tuple[int, _Term]]] = {}
        for rank, term in enumerate(self[norm]):
            if not term.rest or term.rest[0][1]:
                always.append((rank, term))
            else:
                by_next.setdefault(term.rest[0][0], []).append((rank, term))
        bare = tuple(term for _, term in always)
        split = ((tuple(always), bare), {word: tuple(terms) for word, terms in by_next.items()})
        if len(self._by_next) < _CACHE_LIMIT:
            self._by_next[norm] = split
        return split


class Lexicon:
    """Weighted terms per language under arbitrary labels, and the longest-match matcher over tokens.

    Subclasses fix what a named lexicon file may contain (`labels`), what its label column is called in
    error messages, the hit type, and whether negative verbs match affirmative terms (`affirms_negations`).
    """

    hit_type: ClassVar[type[Hit]] = Hit
    label_column: ClassVar[str] = "label"
    affirms_negations: ClassVar[bool] = False
    """Negative verbs also match the term for their affirmative form, as a negated hit."""

    def __init__(self, entries: Iterable[tuple[str, str, float, str]]) -> None:
        """`entries` are (lang, label, weight, term) rows as in the lexicon TSV files."""
        self._indexes = {lang: _Index() for lang in LANGS}
        self._tables: dict[str | None, _FirstWords] = {}
        self.counts: Counter[tuple[str, str]] = Counter()
        """Number of terms per (lang, label)."""
        for lang, label, weight, term in entries:
            words, negated = _term_words(term, lang)
            self._indexes[lang].add(words, _Term(label, weight, tuple(words[1:]), negated, len(words)))
            self.counts[lang, label] += 1

    @classmethod
    def labels(cls) -> Collection[str] | None:
        """The labels a file of this lexicon may use; None allows any."""
        return None

    @classmethod
    def from_tsv(cls, text: str) -> Self:
        return cls(_parse_tsv(text, cls.label_column, cls.labels()))

    def hits(self, tokens: Sequence[Token], lang: str | None = None) -> list[Hit]:
        """Matches in `tokens`, longest term first at each position.

        `lang` picks the lexicon (`fa` and `fa-Latn` both read the Persian one); None or a language
        without a lexicon searches all of them. A multi-word term yields one hit at its first token; a
        term listed under several labels yields one hit per label. A hit is negated when the negation of its
        tokens (any of them) differs from the term's own, or when it matched a negative verb through its
        affirmative.
        """
        family = "fa" if lang and lang.startswith("fa") else lang
        first_words = self._first_words(family if family in self._indexes else None)
        norms = [_unjoined(norm, first_words) for norm in map(_NORM, tokens)]
        affirmed = _affirmative_forms(tokens) if self.affirms_negations and family != "en" else {}
        starts = [i for i, terms in enumerate(map(first_words.__getitem__, norms)) if terms]
        if affirmed:
            starts = sorted({*starts, *affirmed})
        out: list[Hit] = []
        free = 0  # the first token not inside an earlier match
        for i in starts:
            if i < free:
                continue
            best_length = 0
            best: dict[str, tuple[float, bool]] = {}  # label -> (weight, negated), among the longest terms
            first_negated = tokens[i].negated
            if i in affirmed:  # then the terms of its affirmative form too, after the word's own
                terms = first_words[norms[i]] + first_words[affirmed[i]]
            else:
                following = tuple(norms[i + 1 : i + 2])
                if i + 1 in affirmed:
                    following += (affirmed[i + 1],)
                terms = first_words.followed_by(norms[i], following)
            for term in terms:
                if term.length < best_length:
                    continue
                rest_affirmed = term.match_rest(norms, i + 1, affirmed) if term.rest else False
                if rest_affirmed is None:
                    continue
                if term.length > best_length:
                    best_length, best = term.length, {}
                if term.weight > best.get(term.label, (0.0, False))[0]:
                    span_negated = first_negated or any(
                        token.negated for token in tokens[i + 1 : i + term.length]
                    )
                    negated = span_negated != term.negated or rest_affirmed
                    best[term.label] = (term.weight, negated)
            for label, (weight, negated) in best.items():
                out.append(self.hit_type(i, label, weight, negated))
            free = i + max(best_length, 1)
        return out

    def _first_words(self, family: str | None) -> _FirstWords:
        """The first-word table of one language's lexicon, or of all of them (`family` None)."""
        table = self._tables.get(family)
        if table is None:
            indexes = [self._indexes[family]] if family is not None else list(self._indexes.values())
            table = self._tables[family] = _FirstWords(indexes)
        return table


class DriverLexicon(Lexicon):
    """Driver seed terms (`drivers.tsv`): labels are the default taxonomy's drivers."""

    hit_type = DriverHit
    label_column = "driver"

    @classmethod
    def labels(cls) -> Collection[str]:
        return Taxonomy.default().names


class SentimentLexicon(Lexicon):
    """Polarity words (`sentiment.tsv`): labels `positive` / `negative`, affirmative forms only."""

    label_column = "polarity"
    affirms_negations = True

    @classmethod
    def labels(cls) -> Collection[str]:
        return POLARITIES


_NAMED: dict[str, type[Lexicon]] = {"drivers": DriverLexicon, "sentiment": SentimentLexicon}
"""Lexicons shipped in `cxtext/lexicons/<name>.tsv`."""


def _affirmative_forms(tokens: Sequence[Token]) -> dict[int, str]:
    """Token index → affirmative form, for the negated Persian and Finglish negative verbs in `tokens`.

    «نمی‌ارزه» → «می‌ارزه», «نپسندیدم» → «پسندیدم», «نیومد» → «اومد», `nemiarze` → `miarze`,
    `nadare` → `dare`, `nayomad` → `omad`.
    """
    return {
        i: form
        for i in compress(range(len(tokens)), map(_NEGATED, tokens))
        if (form := _affirmative(tokens[i].norm)) is not None
    }


@lru_cache(maxsize=_CACHE_LIMIT)
def _affirmative(norm: str) -> str | None:
    """The affirmative form of a negated token's norm if it is a negative verb (see `_affirmative_forms`)."""
    if len(norm) < 3:
        return None
    if norm[0] == "ن":
        lemma = negative_verb_lemma(norm)
        if lemma is None:
            return None
        rest = norm[1:]
        if rest.startswith("می"):
            return rest
        if lemma[0] in "اآ" and rest[0] == "ی":  # «نیومد», «نیامد»: the «ی» stands for the vowel
            return lemma[0] + rest[2:] if rest.startswith("یا") else "ا" + rest[1:]
        return rest
    if norm.startswith(("nemi", "nmi", "na")) and norm.isascii():
        rest = norm[1:] if norm[1] == "m" else norm[2:]
        return rest[1:] if rest[0] == "y" and len(rest) > 1 and rest[1] in "aeiou" else rest
    return None


def _unjoined(norm: str, first_words: _FirstWords) -> str:
    """A verb the tokenizer joined with its auxiliary («مونده_بود», «شکسته_بودند»), as its first part when no
    term starts with the joined form: «مونده» (stale) is listed once, not once per auxiliary and person."""
    if "_" not in norm or first_words[norm]:
        return norm
    return norm.split("_", 1)[0] or norm


def _term_words(term: str, lang: str) -> tuple[list[tuple[str, bool]], bool]:
    """A term's words as (normalised form, is prefix), and whether any of its words is negated in the term.

    Latin-script Persian terms are read as Finglish. The whole term is tokenised at once, as it would be
    inside a text, so spaced compounds the normaliser joins («بی ادب» → «بی‌ادب», «بسته بود» → «بسته_بود»)
    match what customers wrote.
    """
    prefix = term.endswith("*")
    words = term[:-1] if prefix else term
    if "*" in words:
        raise LexiconError(f"term {term!r}: '*' is only allowed at the end")
    tokenizer_lang = "fa-Latn" if lang == "fa" and words.isascii() else lang
    tokens = tokenize(words, tokenizer_lang)
    if not tokens:
        raise LexiconError(f"term {term!r} normalises to nothing")
    norms = [token.norm for token in tokens]
    return [(norm, False) for norm in norms[:-1]] + [(norms[-1], prefix)], any(t.negated for t in tokens)


def _parse_tsv(text: str, column: str, labels: Collection[str] | None) -> list[tuple[str, str, float, str]]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 4:
            raise LexiconError(f"line {number}: expected lang, {column}, weight, term separated by tabs")
        lang, label, weight, term = fields
        if lang not in LANGS:
            raise LexiconError(f"line {number}: unknown language {lang!r}")
        if labels is not None and label not in labels:
            raise LexiconError(f"line {number}: unknown {column} {label!r}")
        try:
            value = float(weight)
        except ValueError:
            raise LexiconError(f"line {number}: weight {weight!r} is not a number") from None
        if not 0.0 < value <= 1.0:
            raise LexiconError(f"line {number}: weight {value} is outside (0, 1]")
        rows.append((lang, label, value, term.strip()))
    return rows


_LOADED: dict[str, Lexicon] = {}


def load_lexicon(name: str = "drivers") -> Lexicon:
    """The lexicon shipped as `cxtext/lexicons/<name>.tsv` (`drivers`, `sentiment`), built once per process
    (or adopted ready-built from a model artifact, see `adopt_lexicons`)."""
    if name not in _NAMED:
        raise ValueError(f"unknown lexicon {name!r}; shipped: {', '.join(_NAMED)}")
    if name not in _LOADED:
        _LOADED[name] = _NAMED[name].from_tsv(_source(name))
    return _LOADED[name]


def built_lexicons() -> dict[str, tuple[str, Lexicon]]:
    """Every shipped lexicon, built, with the digest of the file it was built from: what a model artifact
    stores so that loading it does not rebuild them (building tokenises every term)."""
    return {name: (_digest(_source(name)), load_lexicon(name)) for name in _NAMED}


def adopt_lexicons(stored: Mapping[str, tuple[str, Lexicon]]) -> None:
    """Use lexicons built earlier (`built_lexicons`) for those whose file is unchanged; others are built
    from their file on first use as usual."""
    for name, (digest, lexicon) in stored.items():
        if name in _NAMED and name not in _LOADED and digest == _digest(_source(name)):
            _LOADED[name] = lexicon


def _source(name: str) -> str:
    return resources.files("cxtext.lexicons").joinpath(f"{name}.tsv").read_text(encoding="utf-8")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def lexicon_hits(tokens: Sequence[Token], name: str, lang: str | None = None) -> list[Hit]:
    """Matches of the named lexicon in a tokenised text (see `Lexicon.hits`)."""
    return load_lexicon(name).hits(tokens, lang)


def driver_hits(tokens: Sequence[Token], lang: str | None = None) -> list[DriverHit]:
    """Driver lexicon matches in a tokenised text (see `Lexicon.hits`)."""
    return cast(list[DriverHit], lexicon_hits(tokens, "drivers", lang))  # DriverLexicon.hit_type
