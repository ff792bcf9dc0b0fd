"""Theme discovery: naming in both languages, emerging and new themes on a constructed series with a known
jump, the driver analysis's impact reused, promotion, and clear errors for inputs too small to have themes."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from pathlib import Path

import numpy as np
import pytest

from cli import main
from cxtext.analysis import analyze, frame_from_records
from cxtext.analysis.themes import MIN_COMMENTS, ThemeError, find_themes
from cxtext.analysis.themes.emerging import holm, share_growth_p
from cxtext.analysis.themes.promote import PromotionError, promotion_records
from cxtext.analysis.themes.terms import content_terms
from cxtext.schema import Record
from cxtext.tokens import tokenize

# Comments customers write about three subjects, with varied wording around a stable core phrase.
EN_TOPICS = {
    "fee": [
        "the delivery fee is far too high now",
        "why did the delivery fee go up again",
        "a delivery fee of five dollars for a sandwich",
        "stop charging me a delivery fee on each order",
        "the new delivery fee makes ordering pointless",
    ],
    "app": [
        "the app crashes every time I open the menu",
        "since the update the app crashes at checkout",
        "app crashes on my phone after login",
        "the app crashes and loses my basket",
        "your app crashes constantly, please fix the update",
    ],
    "waiter": [
        "our waiter was friendly and attentive",
        "the waiter was rude and ignored our table",
        "a very friendly waiter recommended the wine",
        "the waiter forgot our order twice",
        "lovely waiter, quick and friendly service",
    ],
}
FA_TOPICS = {
    "fee": [
        "هزینه ارسال خیلی گران شده",
        "چرا هزینه ارسال دوباره بالا رفت",
        "هزینه ارسال از قیمت غذا بیشتر بود",
        "برای هزینه ارسال این همه پول دادم",
        "هزینه ارسال جدید منصفانه نیست",
    ],
    "courier": [
        "پیک خیلی دیر رسید و غذا سرد شد",
        "پیک بی ادب بود و زنگ نزد",
        "پیک آدرس را پیدا نکرد و دیر رسید",
        "پیک مودب بود و سریع رسید",
        "پیک غذا را کج آورد و دیر رسید",
    ],
    "package": [
        "بسته بندی پاره بود و سس ریخته بود",
        "بسته بندی غذا خیلی ضعیف بود",
        "بسته بندی تمیز و مرتب بود",
        "بسته بندی نوشابه باز شده بود",
        "بسته بندی بد بود و غذا ریخت",
    ],
}


def _comments(topics: dict[str, list[str]], per_topic: int, lang: str, seed: int = 1) -> list[Record]:
    rng = random.Random(seed)
    out = []
    for topic, templates in topics.items():
        for i in range(per_topic):
            text = templates[i % len(templates)] + (f" #{rng.randint(1, 999)}" if i >= len(templates) else "")
            out.append(Record(text=text, id=f"{topic}-{i}", lang=lang, extra={"topic": topic}))
    return out


def _theme_of(result: dict, assignments: list[dict], records: list[Record], topic: str) -> dict:
    """The theme holding most comments of `topic`."""
    counts: dict[str, int] = {}
    for record, assignment in zip(records, assignments, strict=True):
        if record.extra["topic"] == topic and assignment["theme"]:
            counts[assignment["theme"]] = counts.get(assignment["theme"], 0) + 1
    best = max(counts, key=counts.get)
    return next(theme for theme in result["themes"] if theme["id"] == best)


@pytest.mark.parametrize(
    ("topics", "lang", "expected"),
    [
        (EN_TOPICS, "en", {"fee": "delivery fee", "app": "app crashes", "waiter": "waiter"}),
        (FA_TOPICS, "fa", {"fee": "هزینه ارسال", "courier": "پیک", "package": "بسته"}),
    ],
)
def test_themes_are_named_in_the_customers_words(topics, lang, expected) -> None:
    records = _comments(topics, 40, lang)
    result, assignments = find_themes(frame_from_records(records), n_themes=3, bootstrap=50)
    assert {theme["lang"] for theme in result["themes"]} == {lang}
    for topic, phrase in expected.items():
        theme = _theme_of(result, assignments, records, topic)
        assert phrase in theme["name"], (topic, theme["name"])
        members = [a for r, a in zip(records, assignments, strict=True) if a["theme"] == theme["id"]]
        assert sum(1 for a in members if a["id"].startswith(topic)) >= 0.9 * len(members)
        quote = theme["quotes"][0]
        marked = [quote["text"][start:end] for start, end in quote["highlights"]]
        assert marked and all(part.strip() for part in marked)


@pytest.mark.parametrize(
    "spellings",
    [
        ["قیمت", "قیمتش", "قیمتشم"],  # inflected: the stemmer once made «قیم» and «قیمت» of these
        ["گران", "گرون", "گرونه"],  # written, spoken, spoken + copula
        ["ارزان", "ارزون", "ارزونه"],
        ["می‌ارزه", "نمی‌ارزه", "می‌ارزد"],  # a spoken verb ending, negated or not
        ["خوب", "خوبه"],
    ],
)
def test_persian_spellings_of_one_word_are_one_term(spellings: list[str]) -> None:
    keys = {key for word in spellings for key, _, _ in content_terms(tokenize(word, "fa"), "fa")}
    assert len(keys) == 1, keys


def test_a_spoken_rewrite_needs_an_unseen_spelling() -> None:
    """«خون» (blood) is a written word of its own: it is not read as «خان»."""
    (key,) = [key for key, _, _ in content_terms(tokenize("خون", "fa"), "fa")]
    assert key == "خون"


def test_each_language_gets_its_own_themes() -> None:
    records = _comments(EN_TOPICS, 30, "en") + _comments(FA_TOPICS, 30, "fa")
    result, assignments = find_themes(frame_from_records(records), n_themes=3, bootstrap=50)
    assert set(result["languages"]) == {"en", "fa"}
    for record, assignment in zip(records, assignments, strict=True):
        if assignment["theme"]:
            assert assignment["theme"].startswith(record.lang + "-")


SERIES_WORDS = {
    "app": (["the app", "your app", "the android app", "the iphone app"],
            ["crashes at checkout", "crashes after the update", "keeps crashing on login", "crashed twice"]),
    "fee": (["the delivery fee", "delivery fees", "the service fee"],
            ["is too high", "went up again", "costs more than the food", "is not fair"]),
    "waiter": (["our waiter", "the waiter", "the waitress"],
               ["was friendly", "was rude to us", "forgot our drinks", "was quick and helpful"]),
    "parking": (["parking", "the parking lot", "finding a parking spot"],
                ["was impossible", "is always full", "took twenty minutes", "was easy"]),
    "music": (["the music", "the live band", "the background music"],
              ["was way too loud", "was lovely", "made it hard to talk", "was great fun"]),
}  # fmt: skip
FILLERS = ["", " today", " again", " last night", " honestly", " this week"]


def _series(jump: bool, weeks: int = 8, per_week: int = 120, seed: int = 3) -> list[Record]:
    """Weekly comments on stable subjects; from week 5 on, app crashes go from 2% to 25% (if `jump`)."""
    rng = random.Random(seed)
    start = dt.date(2025, 1, 6)
    out = []
    for week in range(weeks):
        for i in range(per_week):
            crash_rate = 0.25 if jump and week >= 4 else 0.02
            topic = "app" if rng.random() < crash_rate else rng.choice(["fee", "waiter", "parking", "music"])
            subjects, predicates = SERIES_WORDS[topic]
            text = f"{rng.choice(subjects)} {rng.choice(predicates)}{rng.choice(FILLERS)}"
            day = start + dt.timedelta(days=7 * week + i % 7)
            score = rng.choice([2, 4, 6]) if topic == "app" else rng.choice([6, 8, 9, 10])
            out.append(
                Record(text=text, id=f"w{week}-{i}", lang="en", score=score, score_scale="0-10",
                       extra={"date": day.isoformat(), "topic": topic})
            )  # fmt: skip
    return out


def test_a_known_jump_is_flagged_emerging_with_its_test() -> None:
    records = _series(jump=True)
    since = dt.date(2025, 2, 3)  # week 5
    result, assignments = find_themes(frame_from_records(records), since=since, bootstrap=50)
    assert result["emerging"]["from"] == "2025-02-03"
    assert result["emerging"]["previous"] == {"from": "2025-01-06", "to": "2025-02-02"}
    crash = _theme_of(result, assignments, records, "app")
    assert crash["emerging"]["emerging"] is True
    assert crash["emerging"]["p_adjusted"] < 0.001
    assert crash["emerging"]["share"] > 3 * crash["emerging"]["previous_share"]
    assert "z-test" in result["emerging"]["test"]
    for theme in result["themes"]:
        if theme["id"] != crash["id"]:
            assert theme["emerging"]["emerging"] is False, theme["name"]
    assert crash["impact"] < 0 and crash["impact_ci"][1] < 0  # detractors' theme costs NPS points
    weekly = [p["mentions"] for p in crash["trend"]]
    assert weekly[4] > 5 * weekly[0]


def test_no_jump_flags_nothing() -> None:
    result, _ = find_themes(frame_from_records(_series(jump=False)), since=dt.date(2025, 2, 3), bootstrap=50)
    assert not any(theme["emerging"]["emerging"] or theme["emerging"]["new"] for theme in result["themes"])


def test_a_theme_absent_before_is_new() -> None:
    records = [
        r for r in _series(jump=True) if not (r.extra["topic"] == "app" and r.extra["date"] < "2025-02-03")
    ]
    result, assignments = find_themes(frame_from_records(records), since=dt.date(2025, 2, 3), bootstrap=50)
    crash = _theme_of(result, assignments, records, "app")
    assert crash["emerging"]["new"] is True and crash["emerging"]["previous_mentions"] == 0


def test_share_growth_test_and_holm() -> None:
    p = share_growth_p(np.array([50, 10]), 500, np.array([10, 10]), 500)
    assert p[0] < 1e-6 and p[1] == pytest.approx(0.5)
    assert np.isnan(share_growth_p(np.array([3]), 0, np.array([1]), 10)).all()
    adjusted = holm(np.array([0.01, 0.04, np.nan, 0.03]))
    assert adjusted[0] == pytest.approx(0.03) and adjusted[3] == pytest.approx(0.06)
    assert adjusted[1] == pytest.approx(0.06) and np.isnan(adjusted[2])


def test_theme_impact_is_the_driver_analysis_impact() -> None:
    """Labelling the theme's members as a driver gives the driver analysis the same impact and interval."""
    records = _series(jump=True)
    result, assignments = find_themes(frame_from_records(records), n_themes=3, bootstrap=200, seed=7)
    theme = result["themes"][0]
    relabelled = [
        Record(text=r.text, id=r.id, score=r.score, score_scale=r.score_scale,
               drivers=("quality",) if theme["id"] in a["themes"] else ())
        for r, a in zip(records, assignments, strict=True)
    ]  # fmt: skip
    driver = analyze(relabelled, bootstrap=200, seed=7)["drivers"]["quality"]
    assert theme["size"] == driver["mentions"]
    assert theme["impact"] == driver["impact"]
    assert theme["nps"] == driver["nps"] and theme["nps_ci"] == driver["nps_ci"]


def test_same_seed_same_themes() -> None:
    frame = frame_from_records(_comments(EN_TOPICS, 40, "en"))
    first = find_themes(frame, bootstrap=50, seed=3)
    second = find_themes(frame, bootstrap=50, seed=3)
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


@pytest.mark.parametrize("n", [0, 1, MIN_COMMENTS - 1])
def test_too_few_comments_is_an_error_not_an_empty_result(n: int) -> None:
    records = _comments(EN_TOPICS, 40, "en")[:n]
    with pytest.raises(ThemeError, match="too few comments"):
        find_themes(frame_from_records(records))


def test_comments_without_shared_words_are_an_error() -> None:
    records = [Record(text=f"{i} !!", lang="en") for i in range(50)]
    with pytest.raises(ThemeError):
        find_themes(frame_from_records(records))


def test_promoted_theme_rows_are_labelled_examples() -> None:
    records = [
        Record(text=r.text, id=r.id, lang="en", sentiment="negative", drivers=(), extra=r.extra)
        for r in _comments(EN_TOPICS, 40, "en")
    ]
    frame = frame_from_records(records)
    result, assignments = find_themes(frame, n_themes=3, bootstrap=50)
    theme = _theme_of(result, assignments, records, "app")
    examples = promotion_records(frame, assignments, theme["id"], "app_crash")
    members = [e for e in examples if e.extra["theme_member"] == "1"]
    assert len(members) == theme["size"] and len(examples) == 2 * len(members)
    assert all(
        e.drivers == ("app_crash",) and e.driver_sentiment == {"app_crash": "negative"} for e in members
    )
    assert all("app_crash" not in e.drivers for e in examples if e.extra["theme_member"] == "0")
    with pytest.raises(PromotionError, match="no theme"):
        promotion_records(frame, assignments, "en-99", "app_crash")
    with pytest.raises(PromotionError, match="topic"):
        promotion_records(frame, assignments, theme["id"], "price")


def _write(path: Path, records: list[Record]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "text", "score", "date"])
        for r in records:
            writer.writerow([r.id, r.text, r.score, r.extra.get("date", "")])
    return path


def test_cli_writes_themes_assignments_and_report(tmp_path: Path, capsys) -> None:
    data = _write(tmp_path / "series.csv", _series(jump=True))
    out, assigned, html = tmp_path / "themes.json", tmp_path / "assigned.csv", tmp_path / "themes.html"
    code = main(["themes", "--data", str(data), "--out", str(out), "--assignments", str(assigned),
                 "--html", str(html), "--since", "2025-02-03", "--bootstrap", "50"])  # fmt: skip
    assert code == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert any(theme["emerging"]["emerging"] for theme in result["themes"])
    rows = list(csv.DictReader(assigned.open(encoding="utf-8")))
    assert len(rows) == len(_series(jump=True)) and rows[0]["id"] == "w0-0"
    assert {row["theme"] for row in rows} <= {t["id"] for t in result["themes"]} | {""}
    page = html.read_text(encoding="utf-8")
    assert "<mark>" in page and "emerging" in page
    assert "EMERGING" in capsys.readouterr().err


def test_cli_tiny_input_exits_2_with_the_reason(tmp_path: Path, capsys) -> None:
    data = _write(tmp_path / "tiny.csv", _comments(EN_TOPICS, 40, "en")[:5])
    assert main(["themes", "--data", str(data), "--out", str(tmp_path / "t.json")]) == 2
    err = capsys.readouterr().err
    assert "tiny.csv" in err and "too few comments" in err
    assert not (tmp_path / "t.json").exists()


def test_cli_promotes_a_theme_to_training_rows_that_validate(tmp_path: Path, capsys) -> None:
    records = _series(jump=True, per_week=60)
    data = tmp_path / "labelled.csv"
    with data.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "text", "score", "date", "drivers"])
        writer.writerows([r.id, r.text, r.score, r.extra["date"], ""] for r in records)
    out = tmp_path / "themes.json"
    assert main(["themes", "--data", str(data), "--out", str(out), "--bootstrap", "50"]) == 0
    crash = next(t for t in json.loads(out.read_text(encoding="utf-8"))["themes"] if "app" in t["name"])
    examples = tmp_path / "app_crash.csv"
    code = main(["themes", "--data", str(data), "--out", str(out), "--bootstrap", "50",
                 "--promote", crash["id"], "--topic", "app_crash", "--examples", str(examples)])  # fmt: skip
    assert code == 0
    rows = list(csv.DictReader(examples.open(encoding="utf-8")))
    assert sum(row["drivers"] == "app_crash" for row in rows) == crash["size"]
    assert json.loads((tmp_path / "app_crash.csv.labels.json").read_text()) == {
        "empty_drivers": "none-mentioned"
    }
    taxonomy = tmp_path / "app_crash.taxonomy.json"
    capsys.readouterr()
    assert main(["validate", str(examples), "--taxonomy", str(taxonomy)]) == 0


def test_driver_report_gets_a_themes_section(tmp_path: Path) -> None:
    data = _write(tmp_path / "series.csv", _series(jump=True, per_week=60))
    html = tmp_path / "report.html"
    args = [
        "drivers",
        "--in",
        str(data),
        "--html",
        str(html),
        "--themes",
        "--no-progress",
        "--bootstrap",
        "100",
    ]
    assert main(args) == 0
    page = html.read_text(encoding="utf-8")
    assert "<h2>Themes</h2>" in page and "app crashes" in page and "<mark>" in page


def test_themes_learnt_from_a_sample_still_place_every_comment() -> None:
    """Beyond `fit_sample` comments the themes come from a seeded sample; every comment is then weighed."""
    from cxtext.analysis.themes.finder import ThemeFinder
    from cxtext.analysis.themes.terms import content_terms
    from cxtext.tokens import tokenize

    records = _comments(EN_TOPICS, 40, "en")
    docs = [[key for key, _, _ in content_terms(tokenize(r.text, "en"), "en")] for r in records]
    full = ThemeFinder(3, seed=0).fit(docs)
    sampled = ThemeFinder(3, seed=0, fit_sample=60).fit(docs)
    assert sampled.weights_.shape == full.weights_.shape
    assert sampled.membership_.any(axis=1).mean() > 0.95
    names = {" ".join(term for term, _ in sampled.top_terms(t, 2)) for t in range(3)}
    assert any("deliveri fee" in name for name in names) and any("app crash" in name for name in names)
