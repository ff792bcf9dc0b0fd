"""Token-anchored TF-IDF features: word uni/bigrams and character n-grams, each tied to its tokens.

Why not sklearn's `TfidfVectorizer`: its analyzers lose the link between a feature and the characters of the
original text. Here every feature of a document is generated *by* one or two tokens, so a linear model's logit
splits exactly into per-token contributions (`contributions`), which is what explanations point at. Token
features are cached per (form, negated) pair and bigram indices per pair of word forms, which makes
`transform` fast on real feedback, where most tokens and word pairs repeat.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import chain
from operator import itemgetter

import numpy as np
import scipy.sparse as sp

from cxtext.lexicon import Hit, driver_hits, lexicon_hits
from cxtext.tokens import NEGATION_PREFIX, Token

WINDOW = 3  # tokens either side of a driver term that count as "near" it
BLOCKS = {"c": 1, "n": 1, "S": 2, "L": 2}  # feature-string tag → block (0 = words)
_TOKEN_KEY = itemgetter(0, 3)  # (norm, negated): all a token's own features depend on
_CACHE_LIMIT = 500_000  # entries per word cache
TRANSFORM_CHUNK = 8192  # documents per chunk of `TokenFeaturizer.transform`


@lru_cache(maxsize=200_000)
def _token_strings(form: str, negated: bool, char_min: int, char_max: int) -> tuple[str, ...]:
    """Feature strings one token generates: its word form and the character n-grams of `<form>`."""
    tag = "n" if negated else "c"
    word = f"w|{_form(form, negated)}"
    padded = f"<{form}>"
    grams = [
        f"{tag}|{padded[i : i + n]}"
        for n in range(char_min, char_max + 1)
        for i in range(len(padded) - n + 1)
    ]
    return (word, *grams)


def _polarity(hit: Hit) -> str:
    """`positive`, `negative`, or `NOT_positive` for a negated one ("not good" is not simply "bad")."""
    return _form(hit.label, hit.negated)


def _form(norm: str, negated: bool) -> str:
    """A token as word features spell it: `NOT_<norm>` when negated."""
    return NEGATION_PREFIX + norm if negated else norm


def _bigram(left_form: str, right_form: str) -> str:
    return f"b|{left_form} {right_form}"


class _AdmitAll(dict[str, int]):
    """A vocabulary that gives every string it is asked about the next id: `fit_transform` counts a corpus
    with it through `transform`'s own code, and then keeps the frequent strings."""

    def __missing__(self, key: str) -> int:
        self[key] = index = len(self)
        return index

    def __contains__(self, key: object) -> bool:
        return True

    def get(self, key: str, default: int | None = None) -> int:
        return self[key]


class _NearWords(dict[str, int]):
    """word form → vocabulary index (-1: unknown) of the feature "that word near a term of this driver",
    filled as words are met: the string is built once per word, not once per occurrence."""

    def __init__(self, vocabulary: dict[str, int], driver: str) -> None:
        super().__init__()
        self._vocabulary = vocabulary
        self._prefix = f"D|{driver}|"

    def __missing__(self, form: str) -> int:
        index = self._vocabulary.get(self._prefix + form, -1)
        if len(self) < _CACHE_LIMIT:
            self[form] = index
        return index


class TokenFeaturizer:
    """Sparse TF-IDF features over tokenised documents, with exact token attribution.

    Parameters mirror `TfidfVectorizer` where they mean the same thing (`min_df`, `sublinear_tf`).
    Features form three blocks, each L2-normalised on its own and then scaled: words (uni/bigrams and
    words near driver terms), character n-grams (`char_weight`) and lexicon hits (`lexicon_weight`). A word
    yields a dozen n-grams, which would otherwise drown the word features in one shared norm (measured:
    −1.5 driver F1 on SemEval-14), and lexicon hits keep the same weight in long and short texts.
    """

    def __init__(
        self,
        char_ngram_range: tuple[int, int] = (2, 5),
        min_df: int = 2,
        sublinear_tf: bool = True,
        char_weight: float = 1.0,
        lexicon_weight: float = 1.0,
        max_features: int | None = 400_000,
        lexicon: bool = True,
    ) -> None:
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf
        self.char_weight = char_weight
        self.lexicon_weight = lexicon_weight
        self.max_features = max_features
        self.lexicon = lexicon

    # -- vocabulary -------------------------------------------------------------------------------------
    def _lexicon_features(self, tokens: Sequence[Token], forms: Sequence[str]) -> tuple[list[int], list[int]]:
        """Vocabulary indices (-1: unknown) of the features of lexicon hits and of the words near them, with
        the position of the token owning each.

        Bigrams (token k and k + 1 own bigram k) are the only other features that need neighbours. A
        lexicon hit ("L|price") belongs to the token it starts at, so the hand-written prior is explained
        like any other feature. `forms` are the tokens' word forms (`_form`); a word near a driver term is
        looked up in that driver's cache, not spelt out as a string each time.
        """
        ids: list[int] = []
        owners: list[int] = []
        if not self.lexicon:
            return ids, owners
        vocab_get = self.vocabulary_.get
        polarity = [(hit.token, _polarity(hit)) for hit in lexicon_hits(tokens, "sentiment")]
        for token, tag in polarity:
            ids.append(vocab_get(f"S|{tag}", -1))
            owners.append(token)
        for hit in driver_hits(tokens):
            ids.append(vocab_get(f"L|{hit.driver}", -1))
            owners.append(hit.token)
            # words and polar terms near a driver term, tagged with the driver: what is said *about* it
            low, high = max(0, hit.token - WINDOW), min(len(tokens), hit.token + WINDOW + 1)
            near = self._near_cache.get(hit.driver)
            if near is None:
                near = self._near_cache[hit.driver] = _NearWords(self.vocabulary_, hit.driver)
            ids += map(near.__getitem__, forms[low:high])
            owners += range(low, high)
            for i, tag in polarity:
                if low <= i < high:
                    ids.append(vocab_get(f"D|{hit.driver}|S|{tag}", -1))
                    owners.append(i)
        return ids, owners

    def fit(self, docs: Iterable[Sequence[Token]]) -> TokenFeaturizer:
        self.fit_transform(list(docs))
        return self

    def fit_transform(self, docs: Sequence[Sequence[Token]]) -> sp.csr_matrix:
        """Learn the vocabulary and return the TF-IDF rows of `docs` in one pass over the texts.

        Features are first counted under provisional ids, with the same code `transform` maps known ones
        with (a vocabulary that admits every string), so the lexicon is matched once per text, not once
        to count document frequencies and again to transform; the counts of the kept features are then
        those `transform` would compute, and the rows the same. Half the time of fit-then-transform.
        """
        self.vocabulary_ = _AdmitAll()
        self._new_caches()
        chunks = [
            self._raw_counts(docs[i : i + TRANSFORM_CHUNK]) for i in range(0, len(docs), TRANSFORM_CHUNK)
        ]
        strings = list(self.vocabulary_)  # in order of provisional id
        for chunk in chunks:
            chunk.resize(chunk.shape[0], len(strings))
        counts = sp.vstack(chunks, format="csr") if chunks else sp.csr_matrix((0, 0), dtype=np.float32)
        df = np.bincount(counts.indices, minlength=len(strings))  # a row holds each feature at most once
        kept = [(strings[i], int(df[i]), i) for i in np.flatnonzero(df >= self.min_df)]
        kept.sort(key=lambda item: (-item[1], item[0]))
        if self.max_features is not None:
            kept = kept[: self.max_features]
        kept.sort()
        self.vocabulary_ = {s: i for i, (s, _, _) in enumerate(kept)}
        self.block_ = np.array([BLOCKS.get(s[0], 0) for s, _, _ in kept], dtype=np.int64)
        frequency = np.array([c for _, c, _ in kept], dtype=np.float64)
        self.weights_ = (np.log((1 + len(docs)) / (1 + frequency)) + 1.0).astype(np.float32)
        self._new_caches()  # they hold provisional ids
        kept_counts = counts[:, [i for _, _, i in kept]]  # the kept columns, in vocabulary order
        kept_counts.sort_indices()
        return self._weigh(kept_counts)[0]

    def _raw_counts(self, docs: Sequence[Sequence[Token]]) -> sp.csr_matrix:
        """Feature counts of `docs` under the current vocabulary (before TF-IDF weighting).

        scipy sums the duplicate (document, feature) cells row by row: 16 µs a text where the global sort
        `_counts` makes for attribution took 26. Shares are halves, so float32 sums are exact and the rows
        equal those of `_counts`.
        """
        doc, _, feat, share, _ = self._occurrences(docs)
        counts = sp.csr_matrix((share, (doc, feat)), shape=(len(docs), self.n_features))
        counts.sum_duplicates()
        return counts

    def _new_caches(self) -> None:
        self._token_cache: dict[tuple[str, bool], tuple[np.ndarray, str, int]] = {}
        self._bigram_cache: dict[int, int] = {}
        self._near_cache: dict[str, _NearWords] = {}

    def __getstate__(self) -> dict:
        """The word caches are rebuilt on demand and must not bloat the saved artifact; an empty token
        cache stays in it, so artifacts are byte for byte what they were (and earlier cxtext reads them)."""
        state = self.__dict__.copy()
        state["_token_cache"] = {}
        state.pop("_bigram_cache", None)
        state.pop("_near_cache", None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._new_caches()

    @property
    def n_features(self) -> int:
        return len(self.vocabulary_)

    def feature_names(self) -> list[str]:
        names = [""] * len(self.vocabulary_)
        for s, i in self.vocabulary_.items():
            names[i] = s
        return names

    def _token_entry(self, key: tuple[str, bool]) -> tuple[np.ndarray, str, int]:
        """A token's own feature indices (word, character n-grams), its word form and its cache id, cached
        per key. The id (-1 once the cache is full) names the form in `_bigram_cache`'s integer keys.

        The indices are sorted: a batch's occurrences are then runs of sorted keys, which the stable sort
        in `_counts` merges a third faster than the same keys in string order.
        """
        if (entry := self._token_cache.get(key)) is not None:  # a new word met twice in one batch
            return entry  # (a second id for it would be the next word's id too)
        norm, negated = key
        low, high = self.char_ngram_range
        vocab = self.vocabulary_
        indices = np.sort(
            np.fromiter(
                (vocab[s] for s in _token_strings(norm, negated, low, high) if s in vocab), dtype=np.int32
            )
        )
        cached = len(self._token_cache) < _CACHE_LIMIT
        entry = (indices, _form(norm, negated), len(self._token_cache) if cached else -1)
        if cached:
            self._token_cache[key] = entry
        return entry

    def _bigram_ids(self, forms: Sequence[str], ids: np.ndarray, doc_ends: np.ndarray) -> np.ndarray:
        """Per token occurrence, the vocabulary index of the bigram it starts with the next token of its
        text: -1 for the last token of a text and for a bigram out of vocabulary.

        A pair is looked up as one integer, its two forms' cache ids side by side, in one pass over the
        batch; only pairs not seen before build their feature string. A key with an uncached form (id -1)
        is negative and never stored, so it cannot stand for another pair.
        """
        bigram = np.full(ids.size, -1, dtype=np.int32)
        inner = np.ones(max(ids.size - 1, 0), dtype=bool)  # token k and k + 1 are in the same text
        inner[doc_ends[(doc_ends > 0) & (doc_ends < ids.size)] - 1] = False
        left = np.flatnonzero(inner)
        keys = ((ids[left] << 32) | ids[left + 1]).tolist()
        found = list(map(self._bigram_cache.get, keys))
        if None in found:
            found = [
                self._bigram_id(forms[k], forms[k + 1], key) if j is None else j
                for k, key, j in zip(left.tolist(), keys, found, strict=True)
            ]
        bigram[left] = found
        return bigram

    def _bigram_id(self, left_form: str, right_form: str, key: int) -> int:
        """The vocabulary index of a bigram (-1 if unknown), cached under its integer key."""
        index = self.vocabulary_.get(_bigram(left_form, right_form), -1)
        if key >= 0 and len(self._bigram_cache) < _CACHE_LIMIT:
            self._bigram_cache[key] = index
        return index

    # -- transform --------------------------------------------------------------------------------------
    def _occurrences(self, docs: Sequence[Sequence[Token]]) -> tuple[np.ndarray, ...]:
        """Every feature occurrence in the batch as parallel arrays (doc, token, feature, share).

        `token` is the global index of the owning token occurrence (documents laid end to end). A feature
        owned by several tokens is split evenly, so shares always add up to the feature's count. Token
        entries and bigrams are looked up for the whole batch at once, only lexicon matching runs per
        text; owners are laid out with numpy.
        """
        doc_lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        doc_ends = np.cumsum(doc_lengths)
        keys = list(map(_TOKEN_KEY, chain.from_iterable(docs)))
        entries = list(map(self._token_cache.get, keys))
        if None in entries:
            entries = [entry or self._token_entry(key) for key, entry in zip(keys, entries, strict=True)]
        indices, forms, ids = zip(*entries, strict=True) if entries else ((), (), ())
        bigram = self._bigram_ids(forms, np.asarray(ids, dtype=np.int64), doc_ends)
        single_ids: list[int] = []
        single_owners: list[int] = []  # positions within their text
        single_counts: list[int] = []  # per text
        start = 0
        for tokens, end in zip(docs, doc_ends.tolist(), strict=True):
            lexicon_ids, owners = self._lexicon_features(tokens, forms[start:end])
            single_ids += lexicon_ids
            single_owners += owners
            single_counts.append(len(lexicon_ids))
            start = end
        token_doc = np.repeat(np.arange(len(docs), dtype=np.int64), doc_lengths)
        sizes = np.fromiter(map(len, indices), dtype=np.int64, count=len(indices))
        unigram_feats = np.concatenate(indices) if indices else np.zeros(0, dtype=np.int32)
        unigram_owners = np.repeat(np.arange(len(indices), dtype=np.int64), sizes)
        left = np.flatnonzero(bigram >= 0)
        single = np.asarray(single_ids, dtype=np.int32)
        doc_starts = doc_ends - doc_lengths
        single_owner = np.asarray(single_owners, dtype=np.int64) + np.repeat(doc_starts, single_counts)
        known = single >= 0
        feat = np.concatenate([unigram_feats, bigram[left], bigram[left], single[known]])
        owner = np.concatenate([unigram_owners, left, left + 1, single_owner[known]])
        share = np.concatenate(
            [
                np.ones(unigram_owners.size, np.float32),
                np.full(2 * left.size, 0.5, np.float32),
                np.ones(int(known.sum()), np.float32),
            ]
        )
        return token_doc[owner], owner, feat, share, doc_lengths

    def _tf(self, counts: np.ndarray) -> np.ndarray:
        return 1.0 + np.log(counts) if self.sublinear_tf else counts

    def _weigh(self, counts: sp.csr_matrix) -> tuple[sp.csr_matrix, np.ndarray]:
        """TF-IDF rows, and per (row, block) the factor each value was multiplied by (n_docs × 3)."""
        weighted = counts.copy()
        weighted.data = self._tf(weighted.data) * self.weights_[weighted.indices]
        rows = np.repeat(np.arange(weighted.shape[0]), np.diff(weighted.indptr))
        cell = rows * 3 + self.block_[weighted.indices]
        squares = np.bincount(
            cell, weights=weighted.data.astype(np.float64) ** 2, minlength=3 * weighted.shape[0]
        )
        norms = np.sqrt(squares.reshape(-1, 3))
        norms[norms == 0] = 1.0
        factors = np.array([1.0, self.char_weight, self.lexicon_weight]) / norms
        weighted.data = (weighted.data * factors.ravel()[cell]).astype(np.float32)
        return weighted, factors

    def _counts(
        self, doc: np.ndarray, feat: np.ndarray, share: np.ndarray, n_docs: int
    ) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
        """Feature counts per document (CSR), each occurrence's (document, feature) cell, and cell totals.

        One stable sort of the occurrences yields both the canonical rows (sorted, duplicates summed) and
        the cells attribution needs, where a COO conversion plus `np.unique` sorted them twice. Shares are
        halves, so the float64 totals are exact and the float32 counts are the ones scipy would sum.
        """
        key = doc * self.n_features + feat
        order = np.argsort(key, kind="stable")
        ordered = key[order]
        first = np.ones(ordered.size, dtype=bool)
        np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
        cell = np.empty(ordered.size, dtype=np.int64)
        cell[order] = np.cumsum(first) - 1
        totals = np.bincount(cell, weights=share, minlength=int(first.sum()))
        keys = ordered[first]
        indptr = np.searchsorted(keys, np.arange(n_docs + 1) * self.n_features)
        counts = sp.csr_matrix(
            (totals.astype(np.float32), keys % self.n_features, indptr), shape=(n_docs, self.n_features)
        )
        return counts, cell, totals

    def transform(self, docs: Sequence[Sequence[Token]]) -> sp.csr_matrix:
        """TF-IDF rows; large inputs go in chunks of `TRANSFORM_CHUNK` documents, since every feature
        occurrence takes ~40 bytes of working arrays (a 4 GB peak on the 76,000 shared texts, 1.5 GB in
        chunks); rows do not depend on each other, so the result is the same matrix."""
        if len(docs) > TRANSFORM_CHUNK:
            return sp.vstack(
                [self.transform(docs[i : i + TRANSFORM_CHUNK]) for i in range(0, len(docs), TRANSFORM_CHUNK)],
                format="csr",
            )
        return self._weigh(self._raw_counts(docs))[0]

    # -- attribution ------------------------------------------------------------------------------------
    def transform_with_attribution(
        self, docs: Sequence[Sequence[Token]]
    ) -> tuple[sp.csr_matrix, sp.csr_matrix, np.ndarray]:
        """Features plus a (token occurrence × feature) matrix whose rows add up to each document's row.

        `attribution @ W.T` gives every token its exact share of each linear score; `offsets` (length
        n_docs + 1) mark where each document's tokens start.
        """
        doc, owner, feat, share, doc_lengths = self._occurrences(docs)
        counts, cell, totals = self._counts(doc, feat, share, len(docs))
        x, factors = self._weigh(counts)
        # each occurrence's share of its feature's weighted value in the owning document
        count_at = totals[cell]
        x_at = self._tf(count_at) * self.weights_[feat] * factors[doc, self.block_[feat]]
        offsets = np.concatenate([[0], np.cumsum(doc_lengths)])
        attribution = sp.csr_matrix(
            (x_at * share / count_at, (owner, feat)),
            shape=(int(offsets[-1]), self.n_features),
            dtype=np.float32,
        )
        return x, attribution, offsets
