"""The example theme report in docs/: `docs/example-themes.html` and its screenshot `example-themes.png`.

    .venv/bin/python scripts/example_themes.py

Why constructed comments: the report shows quotes, and the shared data's texts stay out of the project. The
series is eight weeks of Persian and English comments on stable subjects, into which English app crashes
arrive from 2025-02-03 on (a `new` theme) and Persian delivery-fee complaints grow (`emerging`). The page
is written by `cxtext themes --html` (the current templates) and photographed by Debian's Chromium.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
START = dt.date(2025, 1, 6)
SINCE = "2025-02-03"  # week 5
WEEKS, PER_WEEK = 8, 160
# subject -> (openings, endings, sentiment, scores on 0-10, share before week 5, share from week 5)
SUBJECTS = {
    "en": {
        "app": (["the app", "your app", "the iphone app"], ["crashes at checkout", "crashed after the update",
                "keeps crashing on login"], "negative", (1, 2, 3, 4), 0.0, 0.25),
        "fee": (["the service fee", "the delivery fee"], ["is too high", "went up again"], "negative",
                (3, 5, 6), 0.15, 0.15),
        "waiter": (["our waiter", "the waitress"], ["was friendly and quick", "recommended a great wine"],
                   "positive", (9, 10), 0.45, 0.35),
        "parking": (["parking", "the parking lot"], ["was impossible", "is always full"], "negative",
                    (5, 6, 7), 0.40, 0.25),
    },
    "fa": {
        "fee": (["هزینه ارسال", "هزینه ارسالش"], ["خیلی گرون شده", "دوباره بالا رفته", "از قیمت غذا بیشتره"],
                "negative", (1, 3, 5), 0.08, 0.35),
        "courier": (["پیک", "پیک رستوران"], ["خیلی مودب بود", "سریع رسید و غذا گرم بود"], "positive",
                    (9, 10), 0.42, 0.30),
        "package": (["بسته بندی", "بسته بندی غذا"], ["تمیز و مرتب بود", "پاره بود و سس ریخته بود"], "mixed",
                    (6, 7, 8), 0.25, 0.20),
        "taste": (["طعم غذا", "مزه پیتزا"], ["عالی بود", "مثل همیشه خوشمزه بود"], "positive", (9, 10), 0.25, 0.15),
    },
}  # fmt: skip


def write_series(path: Path, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "lang", "text", "sentiment", "score", "score_scale", "date"])
        for week in range(WEEKS):
            for i in range(PER_WEEK):
                lang = ("en", "fa")[i % 2]
                subjects = SUBJECTS[lang]
                shares = [entry[5 if week >= 4 else 4] for entry in subjects.values()]
                name = rng.choices(list(subjects), weights=shares)[0]
                openings, endings, sentiment, scores, _, _ = subjects[name]
                text = f"{rng.choice(openings)} {rng.choice(endings)}"
                day = START + dt.timedelta(days=7 * week + i % 7)
                writer.writerow(
                    [f"{lang}-{week}-{i}", lang, text, sentiment, rng.choice(scores), "0-10", day]
                )


def screenshot(html: Path, png: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page(viewport={"width": 1200, "height": 900}, device_scale_factor=1)
        page.goto(html.as_uri())
        page.screenshot(path=str(png), full_page=True)
        browser.close()


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from cli import main as cxtext

    html = DOCS / "example-themes.html"
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "series.csv"
        write_series(data)
        code = cxtext(["themes", "--data", str(data), "--out", str(Path(tmp) / "themes.json"),
                       "--since", SINCE, "--html", str(html)])  # fmt: skip
    if code != 0:
        return code
    screenshot(html, DOCS / "example-themes.png")
    print(f"wrote {html} and {DOCS / 'example-themes.png'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
