"""Tokens: spans in the original text, normalised forms, negation scopes, the classifier's token stream."""

from __future__ import annotations

import csv

import pytest

from cxtext.normalize import normalize
from cxtext.paths import shared_data_dir
from cxtext.text.persian_verbs import negative_verb_lemma
from cxtext.tokens import Token, model_tokens, tokenize

ZWNJ = "\u200c"


def _texts(lang: str, pattern: str = "*.csv") -> list[str]:
    texts = []
    for path in sorted(shared_data_dir().glob(f"*/{pattern}")):
        with path.open(encoding="utf-8", newline="") as handle:
            texts += [row["text"] for row in csv.DictReader(handle) if row["lang"] == lang]
    return texts


def _negated(text: str, lang: str) -> list[str]:
    return [token.norm for token in tokenize(text, lang) if token.negated]


# -- spans and forms ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "pattern"), [("fa", "*.csv"), ("en", "*_test.csv")])
def test_spans_are_ordered_and_inside_the_original_text(lang: str, pattern: str) -> None:
    texts = _texts(lang, pattern)
    assert len(texts) > 2000
    for text in texts:
        end = 0
        for token in tokenize(text, lang):
            assert end <= token.start < token.end <= len(text), (text[:60], token)
            assert token.norm and not text[token.start : token.end].isspace()
            end = token.end


def test_persian_tokens_are_the_normalised_text() -> None:
    """Gluing every token's norm gives the normalised text without its spaces, on all Persian data."""
    for text in _texts("fa"):
        glued = "".join(token.norm for token in tokenize(text, "fa")).replace("_", "")
        assert glued == normalize(text, "fa").replace(" ", "").replace("\n", "").replace("_", ""), text[:60]


@pytest.mark.parametrize(
    ("text", "norms", "surfaces"),
    [
        ("نمی‌خوام", [f"نمی{ZWNJ}خوام"], ["نمی‌خوام"]),
        ("اینو نمی خوام", ["اینو", f"نمی{ZWNJ}خوام"], ["اینو", "نمی خوام"]),
        ("نمیخوام", [f"نمی{ZWNJ}خوام"], ["نمیخوام"]),
        ("كيفيت خيلييي خوب", ["کیفیت", "خیلی", "خوب"], ["كيفيت", "خيلييي", "خوب"]),
        ("کتاب ها رو", [f"کتاب{ZWNJ}ها", "رو"], ["کتاب ها", "رو"]),
        ("شماره‌ام ۰۹۱۲۳۴۵۶۷۸۹ است", ["شماره‌ام", "<phone>", "است"], ["شماره‌ام", "۰۹۱۲۳۴۵۶۷۸۹", "است"]),
        ("عالی😍😍", ["عالی", "😍", "😍"], ["عالی", "😍", "😍"]),
        (
            "اپلیکیشن Crash میکنه!!",
            ["اپلیکیشن", "crash", f"می{ZWNJ}کنه", "!!"],
            ["اپلیکیشن", "Crash", "میکنه", "!!"],
        ),
        ("گفته خواهد شد", ["گفته_خواهد_شد"], ["گفته خواهد شد"]),
        ("قیمت ۱۰ . خوب", ["قیمت", "10.", "خوب"], ["قیمت", "۱۰ .", "خوب"]),
    ],
)
def test_persian_tokens(text: str, norms: list[str], surfaces: list[str]) -> None:
    tokens = tokenize(text, "fa")
    assert [token.norm for token in tokens] == norms
    assert [text[token.start : token.end] for token in tokens] == surfaces


def test_english_tokens_follow_spacy() -> None:
    text = "I don't like it, can't wait http://t.co/x1"
    assert [token.norm for token in tokenize(text, "en")] == [
        "i",
        "do",
        "n't",
        "like",
        "it",
        ",",
        "ca",
        "n't",
        "wait",
        "<url>",
    ]
    assert tokenize("Hi", "en") == [Token("hi", 0, 2, False)]


def test_language_is_detected_when_not_given() -> None:
    assert [t.norm for t in tokenize("نمی خوام")] == [f"نمی{ZWNJ}خوام"]
    assert [t.norm for t in tokenize("Don't")] == ["do", "n't"]
    assert [t.norm for t in tokenize("kheili KHOOB")] == ["kheili", "khoob"]


# -- negation -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "negated"),
    [
        ("I don't like the food, but the staff was great", ["like", "the", "food"]),
        ("not good", ["good"]),
        ("No problem at all. Thanks", ["problem", "at", "all"]),
        ("never again!", ["again"]),
        ("We cannot recommend it; sorry", ["recommend", "it"]),
        ("arrived without delay and warm", ["delay", "and", "warm"]),
        ("nothing works but the wifi", ["works"]),
        ("the soup was hardly edible", ["edible"]),
        ("dont book here", ["book", "here"]),
        ("Good food and friendly staff", []),
    ],
)
def test_english_negation_scope(text: str, negated: list[str]) -> None:
    assert _negated(text, "en") == negated


@pytest.mark.parametrize(
    ("text", "negated"),
    [
        ("نخریدم", ["نخریدم"]),
        ("غذا خوب نیست", ["خوب", "نیست"]),
        ("اصلا راضی نبودم", ["اصلا", "راضی", "نبودم"]),
        ("اینو نمی خوام", [f"نمی{ZWNJ}خوام"]),
        ("پیک نیومد و غذا سرد بود", ["نیومد"]),
        ("کیفیت نداره ولی ارزونه", ["کیفیت", "نداره"]),
        ("غذا رو دوست نداشتم", ["دوست", "نداشتم"]),
        ("هیچ مشکلی نداشت، عالی بود", ["مشکلی", "نداشت"]),
        ("بدون شکر و خیلی خوشمزه", ["شکر"]),
        ("نه خوب بود نه بد", ["خوب", "بد"]),
        ("بدون هیچ مشکلی رسید", ["مشکلی"]),
        ("به درد نمی‌خوره", ["درد", f"نمی{ZWNJ}خوره"]),
        ("خوشم نیومد", ["خوشم", "نیومد"]),
        # «بی» typed apart is a prefix: it negates its own word only, even an unknown suffixed one
        ("بی کیفیته اصلا", ["کیفیته"]),
        ("بی کیفیتترین غذا بود", ["کیفیتترین"]),
        # «خوب» (well) before a negative verb or its predicate: a complaint, not praise
        ("کباب خوب نپخته بود", ["خوب", "نپخته_بود"]),
        ("قارچ ها خوب سوخاری نشده بود", ["خوب", "سوخاری", "نشده_بود"]),
        ("غذا خوب بود و پیک نیومد", ["نیومد"]),
        # words that merely start with «ن»
        ("نان و نوشابه و نمک تازه بود", []),
        ("نظرم نسبت به نمونه قبلی مثبته", []),
        ("غذا نیاز به نمک داشت و نرم بود", []),
        ("نتیجه خوب بود، نو و نزدیک", []),
    ],
)
def test_persian_negation_scope(text: str, negated: list[str]) -> None:
    assert _negated(text, "fa") == negated


@pytest.mark.parametrize(
    ("text", "negated"),
    [
        ("kheili khoob nist", ["kheili", "khoob", "nist"]),
        ("dige sefaresh nemidam", ["nemidam"]),
        ("hich moshkeli nadasht", ["moshkeli", "nadasht"]),
    ],
)
def test_finglish_negation_scope(text: str, negated: list[str]) -> None:
    assert _negated(text, "fa-Latn") == negated


# Written with the stem list (the first run missed «نگید»; «ید» was then allowed after «ن + گ»).
NEGATIVE_VERBS = [
    "نخریدم",
    "نمی\u200cخوام",
    "نمیخوام",
    "نداره",
    "نیومد",
    "نیامد",
    "نیست",
    "نبود",
    "نبودم",
    "نداشتم",
    "نداشت",
    "نکردم",
    "نکرد",
    "نشد",
    "نشده",
    "نمیشه",
    "نمی\u200cشه",
    "ندادن",
    "نداد",
    "نگرفتم",
    "نرسید",
    "نرسیده",
    "نخوردم",
    "نخورده",
    "نپسندیدم",
    "ندیدم",
    "نیاوردن",
    "نیارید",
    "نزد",
    "نزنید",
    "نگفت",
    "نگید",
    "نرفتم",
    "نرو",
    "نفرستادن",
    "نخواستم",
    "نخواهد",
    "نتونستم",
    "نمی\u200cتونم",
    "نتوانستم",
    "ندونستم",
    "نفهمیدم",
    "نمی\u200cارزه",
    "نیرزید",
    "نیفتاد",
    "نیوفتاده",
    "نباشه",
    "نباید",
    "نکنید",
    "نکن",
    "نده",
    "نشه",
    "نسازه",
    "نچسبید",
    "نپخته",
    "نریزید",
    "نبردم",
    "نمونده",
    "نموند",
    "نذاشتن",
    "نزاشت",
    "نگذاشتن",
    "نپوشیدم",
    "نکشید",
    "نشکنه",
    "نمی\u200cدونم",
    "نمیدونستم",
    "نمیکنه",
    "نخرید",
    "نیستم",
    "نیس",
    "نشدم",
    "نخوره",
]
WORDS_STARTING_WITH_NOON = [
    "نان",
    "نون",
    "نوشابه",
    "نظر",
    "نظرم",
    "نسبت",
    "نسبتا",
    "نیاز",
    "نمک",
    "نمکی",
    "نرم",
    "نرمه",
    "نو",
    "نزدیک",
    "نتیجه",
    "نمونه",
    "نمونش",
    "نوع",
    "نوشته",
    "نوشتن",
    "نوشیدنی",
    "نصف",
    "نکته",
    "نشان",
    "نشون",
    "نقش",
    "نامه",
    "نگاه",
    "نگه",
    "نگهداری",
    "نهایت",
    "نمایش",
    "نیمه",
    "نیم",
    "نمره",
    "نیز",
    "نوید",
    "نقطه",
    "نام",
    "نقد",
    "نقص",
    "نفر",
    "نعناع",
    "نازک",
    "نایلون",
    "نگران",
    "نخود",
    "نخ",
    "نشت",
    "نشتی",
    "نرخ",
    "نسخه",
    "نسل",
    "نوبت",
    "نور",
    "نیرو",
    "نیما",
    "نیوشا",
    "نشسته",
    "نشستن",
    "نمودیم",
    "ناراحت",
    "ناامید",
    "نارنجی",
    "نارگیل",
    "نبات",
    "نفت",
    "نما",
    "نقاشی",
    "نژاد",
    "نجومی",
    "نظارت",
    "نامناسب",
]


def test_negative_verb_rule_precision_and_recall() -> None:
    """Measured: precision 73/73, recall 73/73 on these lists; real data: see the module notes in
    `cxtext.text.persian_verbs` («نزد» and «نمونم» are the ambiguous ones)."""
    found = [word for word in NEGATIVE_VERBS if negative_verb_lemma(word) is not None]
    false = [word for word in WORDS_STARTING_WITH_NOON if negative_verb_lemma(word) is not None]
    precision = len(found) / (len(found) + len(false))
    recall = len(found) / len(NEGATIVE_VERBS)
    assert len(NEGATIVE_VERBS) >= 60 and len(WORDS_STARTING_WITH_NOON) >= 60
    assert precision >= 0.98, false
    assert recall >= 0.95, sorted(set(NEGATIVE_VERBS) - set(found))


@pytest.mark.parametrize(
    ("word", "lemma"),
    [
        ("نخریدم", "خرید"),
        ("نمی‌خوام", "خواست"),
        ("نداره", "داشت"),
        ("نیومد", "آمد"),
        ("نیست", "است"),
        ("نخورده_بودم", "خورد"),
        ("دیده_نشده_است", "شد"),
        ("رفته_است", None),
        ("نمی‌کروبه", "می‌کروبه"),
        ("نان", None),
        ("نرم", None),
        ("نگه", None),
    ],
)
def test_negative_verb_lemma(word: str, lemma: str | None) -> None:
    assert negative_verb_lemma(word) == lemma


# -- the classifier's stream --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang", "stream"),
    [
        ("not good", "en", ["not", "NOT_good"]),
        ("Great food, no complaints!", "en", ["great", "food", ",", "no", "NOT_complaints", "!"]),
        ("نخریدم", "fa", ["نخریدم", "NOT_خرید"]),
        ("خوب نیست", "fa", ["NOT_خوب", "نیست", "NOT_است"]),
        ("نمی خوام", "fa", [f"نمی{ZWNJ}خوام", "NOT_خواست"]),
        ("هیچ مشکلی نداشت", "fa", ["هیچ", "NOT_مشکلی", "نداشت", "NOT_داشت"]),
        ("kheili khoob nist", "fa-Latn", ["NOT_kheili", "NOT_khoob", "NOT_nist"]),
    ],
)
def test_model_tokens(text: str, lang: str, stream: list[str]) -> None:
    assert model_tokens(text, lang) == stream
    assert model_tokens(text) == stream
