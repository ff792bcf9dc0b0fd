"""Driver lexicon: term normalisation, longest match, language choice, speed, and hit quality on real data.

`python -m tests.test_lexicon` prints the precision/recall table quoted in `cxtext/lexicons/README.md`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import pytest

from cxtext.io.records import load_records
from cxtext.lexicon import DriverLexicon, LexiconError, driver_hits, load_lexicon
from cxtext.schema import Record
from cxtext.taxonomy import Taxonomy
from cxtext.tokens import tokenize
from tests.conftest import shared_file
from training.train import corpus_files

DRIVERS = Taxonomy.default().names

# Labelled test splits (never used to set weights) and the drivers each one annotates.
BENCHMARKS = {
    "semeval14_restaurants_test": ("en/semeval14_restaurants_test.csv", ("quality", "price", "staff")),
    "mams_acsa_test": ("en/mams_acsa_test.csv", ("quality", "price", "staff")),
    "parsinlu_food_test": ("fa/parsinlu_food_test.csv", ("quality", "price", "access")),
}
CORPUS_LANGS = ("en", "fa", "fa-Latn")

# (precision, recall) floors of "any lexicon hit => driver", a little under the measured values.
FLOORS = {
    "semeval14_restaurants_test": {"quality": (0.8, 0.85), "price": (0.75, 0.95), "staff": (0.8, 0.85)},
    "mams_acsa_test": {"quality": (0.8, 0.75), "price": (0.35, 0.8), "staff": (0.85, 0.85)},
    "parsinlu_food_test": {"quality": (0.72, 0.9), "price": (0.7, 0.95)},
    "corpus en": {"quality": (0.65, 0.5), "price": (0.75, 0.9), "access": (0.5, 0.75), "staff": (0.7, 0.8)},
    "corpus fa": {"quality": (0.65, 0.6), "price": (0.72, 0.9), "access": (0.5, 0.7), "staff": (0.75, 0.85)},
    "corpus fa-Latn": {
        "quality": (0.7, 0.5),
        "price": (0.75, 0.85),
        "access": (0.6, 0.7),
        "staff": (0.75, 0.85),
    },
}


def norms(text: str, lang: str) -> list[str]:
    return [token.norm for token in tokenize(text, lang)]


def hits(text: str, lang: str | None) -> list[tuple[str, str]]:
    """(matched token, driver) pairs, so assertions read like the text."""
    tokens = tokenize(text, lang)
    return [(tokens[hit.token].norm, hit.driver) for hit in driver_hits(tokens, lang)]


def driver_scores(records: Sequence[Record], drivers: Sequence[str]) -> dict[str, tuple[float, float, int]]:
    """Per driver: precision, recall and number of gold texts for "any lexicon hit => driver"."""
    tp = dict.fromkeys(drivers, 0)
    fp = dict.fromkeys(drivers, 0)
    gold_count = dict.fromkeys(drivers, 0)
    for record in records:
        lang = record.lang or "en"
        predicted = {hit.driver for hit in driver_hits(tokenize(record.text, lang), lang)}
        gold = set(record.drivers or ())
        for driver in drivers:
            tp[driver] += driver in predicted and driver in gold
            fp[driver] += driver in predicted and driver not in gold
            gold_count[driver] += driver in gold
    return {d: (tp[d] / max(tp[d] + fp[d], 1), tp[d] / max(gold_count[d], 1), gold_count[d]) for d in drivers}


@cache
def all_scores() -> dict[str, dict[str, tuple[float, float, int]]]:
    scores = {
        name: driver_scores(load_records([shared_file(path)]).records, drivers)
        for name, (path, drivers) in BENCHMARKS.items()
    }
    corpus = load_records(corpus_files()).records
    for lang in CORPUS_LANGS:
        scores[f"corpus {lang}"] = driver_scores([r for r in corpus if r.lang == lang], DRIVERS)
    return scores


# -- matching ---------------------------------------------------------------------------------------------


def test_prefix_terms_match_inflected_forms() -> None:
    assert ("deliveries", "access") in hits("Deliveries were always late", "en")
    assert ("تحویلش", "access") in hits("تحویلش سه روز طول کشید", "fa")
    # hazm joins «قیمت ها» with a ZWNJ, the prefix term «قیمت*» still matches
    assert ("قیمت\u200cها", "price") in hits("قیمت ها خیلی بالا رفته", "fa")


def test_longest_term_wins_and_yields_one_hit() -> None:
    assert hits("Customer service was useless", "en") == [("customer", "staff")]
    assert hits("the delivery fee doubled", "en") == [("delivery", "price")]
    # «هزینه ارسال» is the delivery fee (price), not the delivery itself (access)
    assert ("هزینه", "price") in hits("هزینه ارسال دو برابر شده", "fa")
    assert all(driver != "access" for _, driver in hits("هزینه ارسال دو برابر شده", "fa"))


def test_persian_terms_match_every_spelling_the_normaliser_unifies() -> None:
    # Arabic letters, a missing ZWNJ, a spaced compound and Persian digits all reach the same terms
    assert ("کیفیت", "quality") in hits("كيفيت غذا عالي بود", "fa")
    assert ("بی\u200cادب", "staff") in hits("پیک خیلی بی ادب بود", "fa")
    assert ("پشتیبانی", "staff") in hits("پشتیبانی آنلاین جواب نداد", "fa")
    assert norms("۴۵ تومن", "fa")[0] == "45" and ("تومن", "price") in hits("۴۵ تومن", "fa")


def test_finglish_terms() -> None:
    found = set(hits("gheymatesh kheili geroone vali peyk ba adab bood, ersal ham zood", "fa-Latn"))
    assert {("gheymatesh", "price"), ("geroone", "price"), ("peyk", "staff"), ("ersal", "access")} <= found


def test_language_picks_the_lexicon() -> None:
    # Finglish «pool» is money; in English a pool is part of the hotel
    assert ("pool", "price") in hits("pool was dirty", None)
    assert ("pool", "price") not in hits("pool was dirty", "en")
    assert ("dirty", "quality") in hits("pool was dirty", "en")
    assert hits("", "fa") == []


def test_a_term_under_two_drivers_hits_both() -> None:
    lexicon = DriverLexicon([("en", "quality", 0.6, "service"), ("en", "staff", 0.8, "service*")])
    found = lexicon.hits(tokenize("Service was slow", "en"), "en")
    assert sorted((hit.token, hit.driver, hit.weight) for hit in found) == [
        (0, "quality", 0.6),
        (0, "staff", 0.8),
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("en\tquality\t0.5", "expected lang, driver, weight, term"),
        ("de\tquality\t0.5\tQualität", "unknown language"),
        ("en\tvibes\t0.5\tvibe", "unknown driver"),
        ("en\tprice\thigh\tprice", "not a number"),
        ("en\tprice\t1.5\tprice", "outside (0, 1]"),
        ("en\tprice\t0.5\tde*livery", "only allowed at the end"),
        ("en\tprice\t0.5\t*", "normalises to nothing"),
    ],
)
def test_malformed_lexicon_lines_are_rejected(line: str, message: str) -> None:
    with pytest.raises(LexiconError, match=message.replace("(", r"\(").replace(")", r"\)")):
        DriverLexicon.from_tsv(f"# header\n{line}\n")


def test_shipped_lexicon_has_a_hundred_terms_per_driver_and_language() -> None:
    counts = load_lexicon().counts
    assert {(lang, driver) for lang, driver in counts} == {
        (lang, d) for lang in ("en", "fa") for d in DRIVERS
    }
    assert min(counts.values()) >= 100


# -- quality on real labelled data ------------------------------------------------------------------------


@pytest.mark.parametrize("dataset", list(FLOORS))
def test_hit_precision_and_recall_floors(dataset: str) -> None:
    scores = all_scores()[dataset]
    for driver, (min_precision, min_recall) in FLOORS[dataset].items():
        precision, recall, support = scores[driver]
        assert support > 0
        assert precision >= min_precision, f"{dataset} {driver}: precision {precision:.3f}"
        assert recall >= min_recall, f"{dataset} {driver}: recall {recall:.3f}"


def main() -> None:
    print("| data | " + " | ".join(f"{d} P / R (n)" for d in DRIVERS) + " |")
    print("|---|" + "---|" * len(DRIVERS))
    for name, scores in all_scores().items():
        cells = [
            f"{scores[d][0]:.2f} / {scores[d][1]:.2f} ({scores[d][2]})"
            if d in scores and scores[d][2]
            else "–"
            for d in DRIVERS
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
