"""Theme discovery: what customers talk about beyond the trained drivers, per language, and what is new.

`find_themes(frame, ...)` returns the JSON-ready dict `cxtext themes` writes and `GET /v1/themes` serves;
its keys are documented in README ("Themes"). Each language is factored on its own (`ThemeFinder`), so a
Persian theme is named in Persian words and an English one in English. A theme's NPS, impact with its
bootstrap interval, sentiment mix, churn and trend come from the driver analysis's own code: the theme's
membership is laid out as a driver column whose polarity is the comment's sentiment, and handed to
`driver_statistics` and `trends` unchanged, so a theme's impact means exactly what a driver's does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import zlib
from collections import Counter
from collections.abc import Sequence

import numpy as np

import cxtext
from cxtext.analysis import uses_scores
from cxtext.analysis.drivers import driver_statistics
from cxtext.analysis.frame import ABSENT, LABEL, NONE, STATE_CODE, UNKNOWN, Frame
from cxtext.analysis.quotes import display_text
from cxtext.analysis.rounding import num, ratio
from cxtext.analysis.summary import nps_cells, nps_rows, summarize
from cxtext.analysis.themes.emerging import TEST, Windows, emerging_flags
from cxtext.analysis.themes.finder import ThemeFinder
from cxtext.analysis.themes.terms import content_terms
from cxtext.analysis.trends import PERIODS, trends
from cxtext.language import detect_language
from cxtext.schema import SENTIMENTS
from cxtext.tokens import tokenize

__all__ = ["MIN_COMMENTS", "ThemeError", "Windows", "find_themes"]

SCHEMA_VERSION = 1
MIN_COMMENTS = 30  # per language: fewer cannot show a theme shared by several customers
NAME_PHRASES = 3
TOP_PHRASES = 10
SPELLING_SAMPLE = 100  # comments read per theme for the customers' spelling of its phrases
MATCH_F1 = 0.5  # a theme whose members overlap a driver's mentions at least this well *is* that driver
LANGS = ("fa", "en", "fa-Latn")
# a comment's sentiment as the polarity of its theme "mention"
_SENTIMENT_STATE = np.array([STATE_CODE[s] for s in SENTIMENTS] + [UNKNOWN], dtype=np.int8)


class ThemeError(ValueError):
    """The input cannot give themes (too few comments, no shared words): a user error, not an empty result."""


@dataclasses.dataclass
class _Language:
    """One language's comments (rows of the frame) and their fitted themes."""

    lang: str
    rows: np.ndarray
    finder: ThemeFinder
    ids: list[str]
    order: np.ndarray  # theme index of the finder, by size


def find_themes(
    frame: Frame,
    *,
    n_themes: int | None = None,
    seed: int = 0,
    since: dt.date | None = None,
    until: dt.date | None = None,
    period: str = "week",
    nps_source: str = "auto",
    confidence: float = 0.95,
    min_n: int = 30,
    bootstrap: int = 1000,
    quotes: int = 3,
) -> tuple[dict, list[dict]]:
    """The themes of `frame` (labels and predictions already in it) and every row's assignment.

    `since` (and `until`, default the last date) flag themes whose share grew against the previous
    period of the same length. Raises `ThemeError` when no language has `MIN_COMMENTS` comments with
    shared content words.
    """
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r} (known: {', '.join(PERIODS)})")
    langs = _languages(frame)
    use_scores = uses_scores(frame, nps_source)
    windows = _windows(frame, since, until)
    rng = np.random.default_rng(seed)
    warnings: list[str] = []
    languages: dict[str, dict] = {}
    themes: list[dict] = []
    fitted: list[_Language] = []
    for lang in LANGS:
        rows = np.flatnonzero(langs == lang)
        if len(rows) == 0:
            continue
        languages[lang] = {"n": len(rows), "themes": 0}
        if len(rows) < MIN_COMMENTS:
            warnings.append(f"{len(rows)} {lang} comments are too few for themes (at least {MIN_COMMENTS})")
            continue
        docs = [[key for key, _, _ in content_terms(tokenize(text, lang), lang)] for text in frame.text[rows]]
        finder = ThemeFinder(n_themes, seed=seed)
        try:
            finder.fit(docs)
        except ValueError as exc:
            warnings.append(f"no themes in the {len(rows)} {lang} comments: {exc}")
            continue
        sizes = finder.membership_.sum(axis=0)
        order = np.argsort(-sizes, kind="stable")
        language = _Language(lang, rows, finder, [f"{lang}-{i + 1}" for i in range(len(order))], order)
        fitted.append(language)
        found = _language_themes(
            frame.take(rows), language, use_scores, windows,
            period=period, confidence=confidence, min_n=min_n, bootstrap=bootstrap, quotes=quotes, rng=rng,
        )  # fmt: skip
        languages[lang]["themes"] = len(found)
        themes += found
    if not fitted:
        counts = ", ".join(f"{v['n']} {k}" for k, v in languages.items()) or "no comments"
        raise ThemeError(
            f"too few comments to find themes ({counts}): at least {MIN_COMMENTS} in one language "
            "(fa, en or fa-Latn) sharing content words are needed"
        )
    if (langs == "unknown").any():
        warnings.append(
            f"{int((langs == 'unknown').sum())} comments have no recognisable language (left out)"
        )
    result = {
        "schema_version": SCHEMA_VERSION,
        "generated_by": f"cxtext {cxtext.__version__}",
        "n": len(frame),
        "languages": languages,
        "themes": themes,
        "emerging": (
            {**windows.as_dict(), "test": TEST, "alpha": round(1 - confidence, 4)} if windows else None
        ),
        "settings": {
            "method": "NMF over TF-IDF of content words and word pairs (per language), c-TF-IDF names",
            "n_themes": n_themes,
            "seed": seed,
            "period": period,
            "nps_source": nps_source,
            "confidence": confidence,
            "min_n": min_n,
            "bootstrap": bootstrap,
        },
        "warnings": warnings,
    }
    return result, _assignments(frame, langs, fitted)


def _languages(frame: Frame) -> np.ndarray:
    """Each row's language: as given, else detected (`unknown` for digits, emoji, empty)."""
    given = frame.lang.values()
    return np.array(
        [lang or detect_language(text) for lang, text in zip(given, frame.text, strict=True)], dtype=object
    )


def _windows(frame: Frame, since: dt.date | None, until: dt.date | None) -> Windows | None:
    if since is None:
        return None
    dated = frame.date[~np.isnat(frame.date)]
    if until is None:
        if len(dated) == 0:
            raise ThemeError("--since needs dates: no row has an ISO date in the date column")
        until = max(dt.date.fromisoformat(str(dated.max())), since)
    if until < since:
        raise ThemeError(f"the period ends ({until}) before it starts ({since})")
    return Windows(since, until)


def _language_themes(
    sub: Frame,
    language: _Language,
    use_scores: bool,
    windows: Windows | None,
    *,
    period: str,
    confidence: float,
    min_n: int,
    bootstrap: int,
    quotes: int,
    rng: np.random.Generator,
) -> list[dict]:
    """The themes of one language, largest first, with the driver analysis's statistics."""
    finder, order = language.finder, language.order
    membership = finder.membership_[:, order]
    weights = (finder.weights_ / np.maximum(finder.scale_, 1e-12))[:, order]
    sentiment_state = _SENTIMENT_STATE[sub.sentiment.astype(np.intp)]  # −1 (unknown) → the last entry
    themed = dataclasses.replace(
        sub,
        drivers=tuple(language.ids),
        state=np.where(membership, sentiment_state[:, None], ABSENT).astype(np.int8),
        confidence=weights.astype(np.float32),
        drivers_source=np.full(len(sub), LABEL, dtype=np.int8),
    )
    summary = summarize(themed, quotes=0, min_quote_confidence=0.0)
    cells = nps_cells(summary, use_scores)
    stats = driver_statistics(
        summary, cells, confidence=confidence, replicates=bootstrap, rng=rng, min_n=min_n
    )
    has_dates = bool((~np.isnat(sub.date)).any())
    dated_base = nps_rows(summary.dates, use_scores)
    trend = trends(summary, dated_base, period, confidence=confidence, min_n=min_n) if has_dates else None
    flags = _emerging(themed, membership, windows, 1 - confidence) if windows else None
    out = []
    for t, theme_id in enumerate(language.ids):
        phrases = _phrases(sub, language, order[t], weights[:, t])
        entry = {
            "id": theme_id,
            "lang": language.lang,
            "name": " · ".join(p["phrase"] for p in phrases[:NAME_PHRASES]),
            "phrases": phrases,
            "size": stats[theme_id]["mentions"],
            **{k: v for k, v in stats[theme_id].items() if k != "mentions"},
            "primary": int((weights.argmax(axis=1) == t)[membership.any(axis=1)].sum()),
            **_known_driver(sub, membership[:, t]),
            "trend": _trend(trend, theme_id),
            "emerging": flags[t] if flags else None,
            "quotes": _quotes(sub, language, t, weights[:, t], membership[:, t], phrases, quotes),
        }
        out.append(entry)
    return out


def _phrases(sub: Frame, language: _Language, theme: int, weight: np.ndarray) -> list[dict]:
    """The theme's top terms in the customers' most frequent spelling (read from the comments that weigh
    most on it), with their c-TF-IDF score."""
    top = language.finder.top_terms(theme, TOP_PHRASES)
    spellings: dict[str, Counter[str]] = {key: Counter() for key, _ in top}
    for i in np.argsort(-weight, kind="stable")[:SPELLING_SAMPLE]:
        if weight[i] <= 0:
            break
        tokens = tokenize(sub.text[i], language.lang)
        for key, first, last in content_terms(tokens, language.lang):
            if key in spellings:
                spellings[key][" ".join(token.norm for token in tokens[first:last]).replace("_", " ")] += 1
    return [
        {
            "phrase": spellings[key].most_common(1)[0][0] if spellings[key] else key,
            "key": key,
            "score": round(score, 5),
        }
        for key, score in top
    ]


def _known_driver(sub: Frame, members: np.ndarray) -> dict:
    """Which trained driver the theme is, if its members are (mostly) that driver's mentions."""
    known = sub.drivers_source != NONE
    in_theme = members & known
    best: dict | None = None
    for j, name in enumerate(sub.drivers):
        mentioned = (sub.state[:, j] > ABSENT) & known
        both = int((in_theme & mentioned).sum())
        precision = ratio(both, int(in_theme.sum())) or 0.0
        recall = ratio(both, int(mentioned.sum())) or 0.0
        f1 = 2 * precision * recall / (precision + recall) if both else 0.0
        if best is None or f1 > best["f1"]:
            best = {"driver": name, "precision": precision, "recall": recall, "f1": round(f1, 4)}
    return {
        "known_driver": best["driver"] if best and best["f1"] >= MATCH_F1 else None,
        "driver_overlap": best if best and best["f1"] > 0 else None,
    }


def _trend(trend: dict | None, theme_id: str) -> list[dict] | None:
    if trend is None:
        return None
    return [
        {
            "label": p["label"],
            "start": p["start"],
            "n": p["n"],
            "mentions": p["drivers"][theme_id]["mentions"],
            "share": p["drivers"][theme_id]["share"],
            "nps": p["drivers"][theme_id]["nps"],
        }
        for p in trend["periods"]
    ]


def _emerging(themed: Frame, membership: np.ndarray, windows: Windows, alpha: float) -> list[dict]:
    now, before = windows.masks(themed.date)
    return emerging_flags(
        membership[now].sum(axis=0), int(now.sum()), membership[before].sum(axis=0), int(before.sum()), alpha
    )


def _quotes(
    sub: Frame,
    language: _Language,
    t: int,
    weight: np.ndarray,
    members: np.ndarray,
    phrases: list[dict],
    limit: int,
) -> list[dict]:
    """The comments that weigh most on the theme, distinct, redacted, with its phrases highlighted."""
    rows = np.flatnonzero(members)
    if limit <= 0 or len(rows) == 0:
        return []
    checksum = np.fromiter(
        (zlib.crc32(sub.text[i].encode("utf-8")) for i in rows), dtype=np.int64, count=len(rows)
    )
    ranked = rows[np.lexsort((checksum, -np.round(weight[rows], 6)))]
    keys = {p["key"] for p in phrases}
    out: list[dict] = []
    seen: set[str] = set()
    for i in ranked:
        text = display_text(sub.text[i])
        folded = " ".join(text.casefold().split())
        if folded in seen:
            continue
        seen.add(folded)
        sentiment = int(sub.sentiment[i])
        out.append(
            {
                "text": text,
                "id": sub.id[i] or None,
                "sentiment": SENTIMENTS[sentiment] if sentiment >= 0 else None,
                "weight": round(float(weight[i]), 3),
                "highlights": highlights(text, language.lang, keys),
            }
        )
        if len(out) == limit:
            break
    return out


def highlights(text: str, lang: str, keys: set[str]) -> list[list[int]]:
    """[start, end) character spans of `text` where one of the theme's term `keys` occurs, merged."""
    tokens = tokenize(text, lang)
    spans = sorted(
        (tokens[first].start, tokens[last - 1].end)
        for key, first, last in content_terms(tokens, lang)
        if key in keys
    )
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def _assignments(frame: Frame, langs: np.ndarray, fitted: Sequence[_Language]) -> list[dict]:
    """One entry per row of the frame, in order: its primary theme (or None) and every theme it is in."""
    out = [
        {
            "row": i + 1,
            "id": frame.id[i] or None,
            "lang": langs[i],
            "theme": None,
            "themes": [],
            "weight": None,
        }
        for i in range(len(frame))
    ]
    for language in fitted:
        rank = np.empty(len(language.order), dtype=np.intp)
        rank[language.order] = np.arange(len(language.order))
        membership = language.finder.membership_
        weights = language.finder.weights_ / np.maximum(language.finder.scale_, 1e-12)
        for local, row in enumerate(language.rows):
            member = np.flatnonzero(membership[local])
            if len(member) == 0:
                continue
            best = member[np.argmax(weights[local, member])]
            entry = out[row]
            entry["theme"] = language.ids[rank[best]]
            entry["themes"] = [language.ids[rank[m]] for m in sorted(member, key=lambda m: rank[m])]
            entry["weight"] = num(float(weights[local, best]), 4)
    return out
