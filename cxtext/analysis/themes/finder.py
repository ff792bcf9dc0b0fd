"""`ThemeFinder`: themes as non-negative factors of a comment × term TF-IDF matrix, named by class-based
TF-IDF.

Why NMF: each theme is a weighted set of terms and each comment a non-negative mix of themes, so a
comment about the food *and* the waiter belongs to both (hard clusters force one); it is deterministic
with NNDSVDa initialisation and a seed, and fits 100,000 comments in seconds on one core. The
Kullback-Leibler loss (multiplicative updates) rather than the squared error: squared error spends its
themes splitting the biggest subject by wording and left a distinct subject of 13% of the comments (an
app that crashes) without a theme of its own in the tests' constructed series; KL gave it one. Measured
against the alternatives in `bench/themes.py` (bench/results/themes.md).

Membership: a comment is in theme t when its weight on t is at least `member_ratio` of its largest theme
weight and at least `min_weight` of the largest weight any comment has on t (so a faint trace of a theme
in a long comment does not count). Its primary theme is the one it weighs most.

Names (class-based TF-IDF, Grootendorst 2022): a term's frequency within the theme's comments, times
log(1 + A / f), where f is its frequency over all comments and A the mean number of terms per theme. A
term frequent in the theme and rare elsewhere ranks first; a phrase that contains a higher-ranked word
takes its place when it scores at least half as much ("delivery fee" over "fee": it is how customers say
it), otherwise both are shown ("waiter", then "friendly waiter").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

MIN_THEMES, MAX_THEMES = 3, 20
PHRASE_SHARE = 0.5  # a phrase replaces its word when it scores at least this share of the word's score


def default_n_themes(n_docs: int) -> int:
    """n^¼ themes, between 3 and 20 (≈ 7 for 2,000 comments, 18 for 100,000): measured on SemEval-14
    and ParsiNLU food, more themes split a driver over several of them."""
    return int(np.clip(round(n_docs**0.25), MIN_THEMES, MAX_THEMES))


def _identity(doc: Sequence[str]) -> Sequence[str]:
    return doc


class ThemeFinder:
    """Fit on documents given as lists of term keys (`cxtext.analysis.themes.terms.content_terms`)."""

    def __init__(
        self,
        n_themes: int | None = None,
        *,
        seed: int = 0,
        min_df: int = 2,
        max_df: float = 0.5,
        member_ratio: float = 0.1,
        min_weight: float = 0.05,
        loss: str = "kullback-leibler",
        max_iter: int = 400,
        fit_sample: int = 10_000,
    ) -> None:
        self.n_themes = n_themes
        self.seed = seed
        self.min_df = min_df
        self.max_df = max_df
        self.member_ratio = member_ratio
        self.min_weight = min_weight
        self.loss = loss
        self.max_iter = max_iter
        self.fit_sample = fit_sample

    def fit(self, docs: Sequence[Sequence[str]]) -> ThemeFinder:
        """Learn the themes; raises ValueError when the documents share too few terms to factor."""
        self.vectorizer_ = CountVectorizer(
            analyzer=_identity, min_df=min(self.min_df, len(docs)), max_df=self.max_df
        )
        try:
            counts = self.vectorizer_.fit_transform(docs)
        except ValueError:  # sklearn: every term pruned, or no terms at all
            raise ValueError("the comments share no content words") from None
        self.terms_ = np.asarray(self.vectorizer_.get_feature_names_out(), dtype=object)
        k = self.n_themes or default_n_themes(len(docs))
        k = min(k, counts.shape[1], max(1, (counts.getnnz(axis=1) > 0).sum() - 1))
        if k < 2:
            raise ValueError("the comments share too few content words to tell themes apart")
        self.tfidf_ = TfidfTransformer(sublinear_tf=True)
        x = self.tfidf_.fit_transform(counts)
        self.weights_, self.components_ = self._factorise(x, k)
        self.scale_ = self.weights_.max(axis=0)
        self.membership_ = self.members(self.weights_)
        self.term_scores_ = class_tfidf(counts, self.membership_)
        return self

    def _factorise(self, x: sp.csr_matrix, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(documents × themes) weights and (themes × terms) components of the TF-IDF matrix.

        Beyond `fit_sample` documents the themes are learnt from a seeded sample of that many and every
        document's weights are then fitted against them: a theme shared by 1 % of the comments has 100 of
        them in the sample. Measured on 54,000 English comments: learning from 10,000 costs 6.8 CPU s,
        from 20,000 15.8 s, fitting every comment's weights 2.8 s.
        """
        solver = "cd" if self.loss == "frobenius" else "mu"
        nmf = NMF(
            k,
            init="nndsvda",
            solver=solver,
            beta_loss=self.loss,
            random_state=self.seed,
            max_iter=self.max_iter,
        )
        if x.shape[0] <= self.fit_sample:
            return nmf.fit_transform(x), nmf.components_
        sample = np.sort(np.random.default_rng(self.seed).choice(x.shape[0], self.fit_sample, replace=False))
        nmf.fit(x[sample])
        return nmf.transform(x), nmf.components_

    def members(self, weights: np.ndarray) -> np.ndarray:
        """(docs × themes) booleans: which themes each document belongs to (see the module doc)."""
        top = weights.max(axis=1, keepdims=True)
        return (
            (weights > 0) & (weights >= self.member_ratio * top) & (weights >= self.min_weight * self.scale_)
        )

    def primary(self) -> np.ndarray:
        """Each training document's main theme, −1 for none."""
        return np.where(self.membership_.any(axis=1), self.weights_.argmax(axis=1), -1)

    def top_terms(self, theme: int, n: int) -> list[tuple[str, float]]:
        """The theme's `n` most distinctive term keys with their c-TF-IDF score, phrases folded in."""
        scores = self.term_scores_[theme]
        order = np.argsort(-scores, kind="stable")[: 4 * n]
        picked: list[tuple[str, float]] = []
        for i in order:
            if scores[i] <= 0:
                break
            term, score = self.terms_[i], float(scores[i])
            words = set(term.split(" "))
            if any(set(p.split(" ")) >= words for p, _ in picked):
                continue  # a phrase already shown says this word
            inside = [k for k, (p, s) in enumerate(picked) if set(p.split(" ")) <= words]
            if inside and all(score >= PHRASE_SHARE * picked[k][1] for k in inside):
                # the phrase is how the customers say the word(s): it takes the first one's place
                picked[inside[0]] = (term, score)
                picked = [item for k, item in enumerate(picked) if k not in inside[1:]]
                continue
            picked.append((term, score))
            if len(picked) == n:
                break
        return picked


def class_tfidf(counts: sp.csr_matrix, membership: np.ndarray) -> np.ndarray:
    """(themes × terms) class-based TF-IDF of raw term counts, each theme's comments as one document."""
    per_theme = np.asarray((sp.csr_matrix(membership.T.astype(np.float64)) @ counts).todense())
    tf = per_theme / np.maximum(per_theme.sum(axis=1, keepdims=True), 1.0)
    frequency = np.asarray(counts.sum(axis=0)).ravel()
    average = per_theme.sum() / max(1, len(per_theme))
    idf = np.log1p(average / np.maximum(frequency, 1.0))
    return tf * idf
