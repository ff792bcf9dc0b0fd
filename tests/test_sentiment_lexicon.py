"""Sentiment lexicon: polarity, negation, the generic lexicon API, speed, and lexicon-only accuracy on real data.

`python -m tests.test_sentiment_lexicon` prints the coverage/accuracy table quoted in `cxtext/lexicons/README.md`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import NamedTuple

import pytest

from cxtext.io.records import load_records
from cxtext.lexicon import (
    DriverLexicon,
    Hit,
    Lexicon,
    LexiconError,
    SentimentLexicon,
    driver_hits,
    lexicon_hits,
    load_lexicon,
)
from cxtext.schema import Record
from cxtext.tokens import tokenize
from tests.conftest import shared_file
from training.train import corpus_files

# Labelled test splits: never used to write terms or set weights.
BENCHMARKS = {
    "semeval14_restaurants_test": "en/semeval14_restaurants_test.csv",
    "airline_tweets_test": "en/airline_tweets_test.csv",
    "parsinlu_food_test": "fa/parsinlu_food_test.csv",
    "parsinlu_movie_test": "fa/parsinlu_movie_test.csv",
}
CORPUS_LANGS = ("en", "fa", "fa-Latn")

# (coverage, accuracy) floors, a little under the measured values (see the README table).
FLOORS = {
    "semeval14_restaurants_test": (0.7, 0.85),
    "airline_tweets_test": (0.65, 0.8),
    "parsinlu_food_test": (0.8, 0.85),
    "parsinlu_movie_test": (0.75, 0.75),
    "corpus en": (0.65, 0.85),
    "corpus fa": (0.55, 0.85),
    "corpus fa-Latn": (0.55, 0.85),
}


def polarity(hit: Hit) -> int:
    """+1 when the hit says positive, -1 when negative, after the text's negation flips it."""
    sign = 1 if hit.label == "positive" else -1
    return -sign if hit.negated else sign


def score(text: str, lang: str) -> float:
    """The lexicon-only polarity score: sum of weight x polarity over the text's hits."""
    return sum(hit.weight * polarity(hit) for hit in lexicon_hits(tokenize(text, lang), "sentiment", lang))


def hits(text: str, lang: str) -> list[tuple[str, str, bool]]:
    """(matched token, polarity label, negated) triples, so assertions read like the text."""
    tokens = tokenize(text, lang)
    return [
        (tokens[hit.token].norm, hit.label, hit.negated) for hit in lexicon_hits(tokens, "sentiment", lang)
    ]


class Scores(NamedTuple):
    texts: int  # gold positive or negative
    coverage: float  # share with at least one hit
    accuracy: float  # on texts whose score is not 0
    accuracy_all: float  # on all texts, a score of 0 counted wrong
    positive: float  # accuracy on gold positive texts whose score is not 0
    negative: float  # accuracy on gold negative texts whose score is not 0
    majority: float  # share of the larger class, for context


def evaluate(records: Sequence[Record]) -> Scores:
    texts = covered = 0
    decided = {"positive": 0, "negative": 0}
    correct = {"positive": 0, "negative": 0}
    gold = {"positive": 0, "negative": 0}
    for record in records:
        label = record.sentiment
        if label not in gold:
            continue
        lang = record.lang or "en"
        found = lexicon_hits(tokenize(record.text, lang), "sentiment", lang)
        total = sum(hit.weight * polarity(hit) for hit in found)
        texts += 1
        gold[label] += 1
        covered += bool(found)
        decided[label] += total != 0
        correct[label] += total != 0 and (total > 0) == (label == "positive")
    right = sum(correct.values())
    return Scores(
        texts,
        covered / texts,
        right / max(sum(decided.values()), 1),
        right / texts,
        correct["positive"] / max(decided["positive"], 1),
        correct["negative"] / max(decided["negative"], 1),
        max(gold.values()) / texts,
    )


@cache
def all_scores() -> dict[str, Scores]:
    scores = {name: evaluate(load_records([shared_file(path)]).records) for name, path in BENCHMARKS.items()}
    corpus = load_records(corpus_files()).records
    for lang in CORPUS_LANGS:
        scores[f"corpus {lang}"] = evaluate([r for r in corpus if r.lang == lang])
    return scores


# -- polarity and negation --------------------------------------------------------------------------------


def test_english_polarity_and_negation() -> None:
    assert hits("The food was great", "en") == [("great", "positive", False)]
    assert hits("The food was not good", "en") == [("good", "positive", True)]
    assert score("The food was not good", "en") < 0
    # "no complaints": a negated negative word; "never again": a negative idiom whose cue is not negated
    assert ("complaints", "negative", True) in hits("No complaints at all", "en")
    assert score("No complaints at all", "en") > 0
    assert hits("Never again.", "en") == [("never", "negative", False)]
    assert score("Total rip-off, waste of money", "en") < -1
    assert score("Would not recommend", "en") < 0 < score("Highly recommend", "en")


def test_persian_negative_verbs_match_their_affirmative_term_as_negated() -> None:
    assert hits("خوب نیست", "fa") == [("خوب", "positive", True)]
    assert hits("اصلا نمی ارزه", "fa") == [("نمی\u200cارزه", "positive", True)]
    assert ("نپسندیدم", "positive", True) in hits("طعمش رو نپسندیدم", "fa")
    assert hits("توصیه نمیکنم", "fa") == [("توصیه", "positive", True)]
    # «خرید» is negated but «ارزش» is not; the term's own verb «نداره» makes the hit negated
    assert hits("ارزش خرید نداره", "fa") == [("ارزش", "positive", True)]
    assert score("به هیچ وجه پیشنهاد نمیکنم", "fa") < 0 < score("پیشنهاد میکنم حتما بخرید", "fa")


def test_persian_idioms_keep_the_negation_they_are_written_with() -> None:
    assert hits("کیفیتش حرف نداره", "fa") == [("حرف", "positive", False)]
    assert hits("خسته نباشید", "fa") == [("خسته", "positive", False)]
    assert hits("دستتون درد نکنه", "fa") == [("دستتون", "positive", False)]
    assert score("هیچ مشکلی نداشتم", "fa") > 0
    assert score("غذا سرد و بی مزه بود، پیک هم بی ادب", "fa") < -1.5


def test_let_down_idioms_are_negative_in_every_form_customers_type() -> None:
    assert hits("این اصلا به درد نخوره", "fa") == [("به", "negative", False)]  # the subjunctive «نخوره» too
    assert hits("جنسش تعریفی نداره", "fa") == [("تعریفی", "negative", False)]
    assert score("طعمش چنگی به دل نمیزد", "fa") < 0
    assert score("میتونست خیلی بهتر باشه", "fa") < 0
    assert score("اصلا شبیه عکس نبود", "fa") < 0 < score("دقیقا مثل عکس بود", "fa")
    # the contraction is one token «'ve» in text, so a term must spell it attached to be matched
    assert hits("it could've been better", "en") == [("could", "negative", False)]
    assert score("could have been a lot better", "en") < 0
    # sworn off before "again", where "never again" cannot match
    assert score("Never flying with you again!", "en") < 0
    assert score("will never travel with you again", "en") < 0
    assert score("I would never recommend this hotel", "en") < 0


def test_low_quality_after_ba_and_decline_against_before_are_complaints() -> None:
    # «با کیفیت*» is praise, and the longest term at «با» would swallow the complaint «با کیفیت پایین»
    assert score("تابلو براق بود ولی با کیفیت پایین و عکس بد", "fa") < 0 < score("یه تابلوی با کیفیت", "fa")
    assert score("کیفیت ساخت بسیار پائین", "fa") < 0  # the older «ئ» spelling of «پایین»
    assert score("قبلا خیلی بهتر بود", "fa") < 0
    assert score("اندازه کیک نسبت به دفعه قبل کوچیکتر شده", "fa") < 0


def test_english_praise_idioms_and_common_misspellings() -> None:
    assert score("The smell alone makes your mouth water.", "en") > 0
    assert score("I thought I had died and gone to heaven.", "en") > 0
    assert score("exellent service, excelent food", "en") > 1


def test_no_effect_verdicts_are_complaints() -> None:
    assert score("تاثیر خاصی نداشت", "fa") < 0 < score("خیلی تاثیرگذار بود", "fa")
    assert score("دو هفته زدم ولی هیچ فرقی نکرد", "fa") < 0
    assert score("the serum made no difference at all", "en") < 0


def test_finglish_terms_and_negation() -> None:
    assert score("kheili khoshmaze bood, damet garm", "fa-Latn") > 1
    assert ("razi", "positive", True) in hits("aslan razi nistam", "fa-Latn")
    assert hits("nemiarze", "fa-Latn") == [("nemiarze", "positive", True)]
    assert score("geroone va peyk bi adab bood", "fa-Latn") < -1


def test_emoji_and_emoticons_are_terms() -> None:
    assert score("flight delayed again 😡", "en") < 0 < score("thanks 👍 :)", "en")
    assert score("ersal sari bood 😍", "fa-Latn") > 0 > score("پیک دیر اومد 😡", "fa")


def test_driver_lexicon_does_not_match_negative_verbs_by_their_affirmative() -> None:
    entries = [("fa", "access", 0.8, "رسید")]
    tokens = tokenize("بسته نرسید", "fa")
    assert DriverLexicon(entries).hits(tokens, "fa") == []
    assert SentimentLexicon([("fa", "positive", 0.8, "رسید")]).hits(tokens, "fa") == [
        Hit(1, "positive", 0.8, True)
    ]


# -- the generic lexicon API ------------------------------------------------------------------------------


def test_named_lexicons_and_arbitrary_labels() -> None:
    tokens = tokenize("Customer service was rude", "en")
    assert lexicon_hits(tokens, "drivers", "en") == driver_hits(tokens, "en")
    assert [(hit.token, hit.driver) for hit in driver_hits(tokens, "en")] == [(0, "staff"), (3, "staff")]
    assert [hit.label for hit in lexicon_hits(tokens, "sentiment", "en")] == ["negative"]
    custom = Lexicon([("en", "toxicity", 0.9, "idiot*")])
    assert custom.hits(tokenize("what idiots", "en"), "en") == [Hit(1, "toxicity", 0.9, False)]
    with pytest.raises(ValueError, match="unknown lexicon 'emotions'"):
        load_lexicon("emotions")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("en\tpositive\t0.5", "expected lang, polarity, weight, term"),
        ("en\tneutral\t0.5\tfine", "unknown polarity 'neutral'"),
        ("en\tquality\t0.5\tgreat", "unknown polarity 'quality'"),
        ("en\tpositive\t0\tgreat", r"outside \(0, 1\]"),
    ],
)
def test_malformed_sentiment_lines_are_rejected(line: str, message: str) -> None:
    with pytest.raises(LexiconError, match=message):
        SentimentLexicon.from_tsv(f"# header\n{line}\n")


def test_shipped_lexicon_covers_english_persian_and_finglish() -> None:
    text = resources.files("cxtext.lexicons").joinpath("sentiment.tsv").read_text(encoding="utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
    count = {"en": 0, "fa": 0, "fa-Latn": 0}
    for lang, _, _, term in rows:
        if any(char.isalpha() for char in term):  # emoji and emoticons are not counted
            count["fa-Latn" if lang == "fa" and term.isascii() else lang] += 1
    assert count["en"] >= 400 and count["fa"] >= 400 and count["fa-Latn"] >= 200
    counts = load_lexicon("sentiment").counts
    assert set(counts) == {(lang, label) for lang in ("en", "fa") for label in ("positive", "negative")}
    assert sum(counts.values()) == len(rows)


# -- lexicon-only polarity on real labelled data ----------------------------------------------------------


@pytest.mark.parametrize("dataset", list(FLOORS))
def test_lexicon_only_coverage_and_accuracy_floors(dataset: str) -> None:
    scores = all_scores()[dataset]
    min_coverage, min_accuracy = FLOORS[dataset]
    assert scores.texts > 50
    assert scores.coverage >= min_coverage, f"{dataset}: coverage {scores.coverage:.3f}"
    assert scores.accuracy >= min_accuracy, f"{dataset}: accuracy {scores.accuracy:.3f}"
    # neither polarity may be bought with the other: each class is at least 0.7 on its decided texts
    assert min(scores.positive, scores.negative) >= 0.7, (
        f"{dataset}: {scores.positive:.3f} / {scores.negative:.3f}"
    )


def main() -> None:
    print(
        "| data | texts | coverage | accuracy (score ≠ 0) | positive / negative | accuracy (all) | majority |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, s in all_scores().items():
        cells = (
            f"{s.texts}",
            f"{s.coverage:.3f}",
            f"{s.accuracy:.3f}",
            f"{s.positive:.3f} / {s.negative:.3f}",
            f"{s.accuracy_all:.3f}",
            f"{s.majority:.3f}",
        )
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
