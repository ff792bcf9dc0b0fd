"""Churn cues: look-alike guards, spans into the original text, and cue detection on real labelled data.

`python -m tests.test_churn_cues` prints the precision/recall table quoted in `cxtext/lexicons/README.md`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

import pytest

from cxtext.churn import find_cues, intent_strength, load_cues, required_strings
from cxtext.io.records import load_records
from cxtext.schema import Record
from cxtext.tokens import tokenize
from tests.conftest import shared_file
from training.train import corpus_files

CHURN_INTENT_FILES = [f"en/churn_intent_en_{split}.csv" for split in ("train", "dev", "test")]

# (precision, recall) floors of "an intent cue present and not guarded => churn", under the measured values.
# churn_intent_en was never used to write cues (out of sample); the starter corpus was (in sample).
FLOORS = {
    "churn_intent_en": (0.88, 0.6),
    "corpus en": (0.9, 0.85),
    "corpus fa": (0.9, 0.85),
    "corpus fa-Latn": (0.9, 0.8),
}


def has_intent(text: str, lang: str) -> bool:
    return intent_strength(find_cues(text, tokenize(text, lang), lang)) > 0


def cue_scores(records: Sequence[Record]) -> tuple[float, float, int]:
    """Precision, recall and number of churn texts of cue-based churn detection."""
    tp = fp = positives = 0
    for record in records:
        predicted = has_intent(record.text, record.lang or "en")
        tp += predicted and bool(record.churn)
        fp += predicted and not record.churn
        positives += bool(record.churn)
    return tp / max(tp + fp, 1), tp / max(positives, 1), positives


@cache
def all_scores() -> dict[str, tuple[float, float, int]]:
    scores = {
        "churn_intent_en": cue_scores(load_records([shared_file(n) for n in CHURN_INTENT_FILES]).records)
    }
    corpus = [r for r in load_records(corpus_files()).records if r.churn is not None]
    for lang in ("en", "fa", "fa-Latn"):
        scores[f"corpus {lang}"] = cue_scores([r for r in corpus if r.lang == lang])
    return scores


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "I'm cancelling my subscription today."),
        ("en", "Won't be ordering from you again."),
        ("en", "Switching to CityHop, your fares are a joke."),
        ("en", "Closing my account and moving everything to another bank."),
        ("en", "Never again."),
        ("fa", "دیگه ازتون خرید نمیکنم"),
        ("fa", "حسابمو می‌بندم و میرم یه بانک دیگه"),
        ("fa", "اشتراکمو تمدید نمی کنم"),
        ("fa", "اپ رو پاک کردم، خداحافظ"),
        ("fa-Latn", "dige azatun kharid nemikonam"),
        ("fa-Latn", "hesabamo mibandam, raftam ye bank dige"),
    ],
)
def test_intent_is_found(lang: str, text: str) -> None:
    assert has_intent(text, lang)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "I almost cancelled my subscription but you fixed it in a day."),
        ("en", "I cancelled my order because I typed the wrong address."),
        ("en", "I would never switch, you've been great."),
        ("en", "My friend left for Orbit but I'm staying with you."),
        ("en", "How do I cancel an appointment?"),
        ("en", "I switched to you from Hollin last year, best decision."),
        ("fa", "نزدیک بود اشتراکمو لغو کنم ولی پشتیبانی مشکلو حل کرد"),
        ("fa", "سفارشمو لغو کردم چون آدرس اشتباه بود"),
        ("fa", "دوستم حسابشو بست ولی من می‌مونم"),
        ("fa", "هیچوقت بانکمو عوض نمی‌کنم"),
        ("fa-Latn", "nazdik bood hesabamo bebandam vali modir shobe dorostesh kard"),
        ("fa-Latn", "sefareshamo cancel kardam chon adres eshtebah bood"),
    ],
)
def test_look_alikes_are_guarded(lang: str, text: str) -> None:
    assert not has_intent(text, lang)


def test_cue_spans_point_at_what_the_customer_wrote() -> None:
    text = "Food was cold AGAIN.  Never   again!"
    intents = [m for m in find_cues(text, tokenize(text, "en"), "en") if m.kind == "intent"]
    assert {text[m.start : m.end] for m in intents} == {"Never   again"}
    text = "ديگه ازتون خريد نميكنم"  # Arabic letters, no ZWNJ
    spans = {text[m.start : m.end] for m in find_cues(text, tokenize(text, "fa"), "fa")}
    assert "ديگه ازتون خريد نميكنم" in spans


def test_cue_file_is_well_formed() -> None:
    cues = load_cues()
    assert {cue.kind for cue in cues} == {"intent", "guard"}
    assert {cue.lang for cue in cues} <= {"en", "fa", "any"}
    assert all(0 < cue.weight <= 1 for cue in cues)
    # a cue matching nothing would point at no token: find_cues relies on every match having a token
    assert not [cue.pattern.pattern for cue in cues if cue.pattern.search("")]
    assert all(isinstance(cue.pattern, re.Pattern) for cue in cues)


def test_required_strings_name_what_every_match_contains() -> None:
    assert required_strings(re.compile(r"\b(cancel\w*|quit) (my|the) plan")) == {" plan"}
    assert required_strings(re.compile(r"(لغو|کنسل) (\S+ )?اشتراک|فسخ")) == {"اشتراک", "فسخ"}
    assert required_strings(re.compile(r"(bye)+|ciao")) == {"bye", "ciao"}
    assert required_strings(re.compile(r"(?i)cancel")) is None
    assert required_strings(re.compile(r"(x|\S+)y?")) is None


def test_every_real_cue_match_holds_a_string_find_cues_looks_for_first() -> None:
    """find_cues runs a cue only on a text holding one of its required strings: no real match may lack one."""
    records = (
        load_records(corpus_files()).records + load_records([shared_file(CHURN_INTENT_FILES[0])]).records
    )
    matches = 0
    for record in records:
        if not record.churn:
            continue
        joined = " ".join(token.norm for token in tokenize(record.text, record.lang or "en"))
        for cue in load_cues():
            for match in cue.pattern.finditer(joined):
                matches += 1
                assert cue.required is None or any(s in match.group() for s in cue.required), (
                    cue.pattern.pattern,
                    match.group(),
                )
    assert matches > 500


@pytest.mark.parametrize("dataset", list(FLOORS))
def test_cue_precision_and_recall_floors(dataset: str) -> None:
    precision, recall, positives = all_scores()[dataset]
    min_precision, min_recall = FLOORS[dataset]
    assert positives > 0
    assert precision >= min_precision, f"{dataset}: precision {precision:.3f}"
    assert recall >= min_recall, f"{dataset}: recall {recall:.3f}"


def main() -> None:
    print("| data | precision | recall | churn texts |")
    print("|---|---|---|---|")
    for name, (precision, recall, positives) in all_scores().items():
        print(f"| {name} | {precision:.3f} | {recall:.3f} | {positives} |")


if __name__ == "__main__":
    main()
