"""The web interface in a real browser (Debian's Chromium driven by Playwright): sign in, read the
dashboard in Persian and English with its themes (those of `GET /v1/themes` for the same filters),
label five comments from the review queue with the keyboard, train on
top of the default model and find the new version on the models page; a screenshot of each page goes to
docs/. The service runs in a thread on a free port with SQLite and the small test models."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from api.background import serving
from api.main import create_app
from api.settings import Settings
from cxtext.analysis.formatting import fmt
from cxtext.io.records import load_records, write_records
from tests.conftest import every_nth, shared_file
from training.base import BASE_CORPUS_ENV

CHROMIUM = Path("/usr/bin/chromium")
DOCS = Path(__file__).resolve().parent.parent / "docs"
KEY = "browser-key"


@pytest.fixture
def live(models_root: Path, tmp_path: Path, api_training_records, monkeypatch: pytest.MonkeyPatch):
    """The service with 120 stored real comments (60 Persian, 60 English: enough for themes in each
    language), dated over three months, in two channels; yields (base URL, an HTTP client with an admin
    key, the stored items)."""
    # the `default` base stands for the starter corpus; its slice the test models learned keeps training quick
    base = tmp_path / "base"
    base.mkdir()
    write_records(base / "corpus.csv", api_training_records)
    monkeypatch.setenv(BASE_CORPUS_ENV, str(base))
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'ui.sqlite3'}",
        models_dir=models_root,
        api_keys=f"{KEY}=admin",
        model_check_seconds=0.05,
    )
    records = every_nth(load_records([shared_file("fa/parsinlu_food_test.csv")]).records, 4)[:60]
    records += every_nth(load_records([shared_file("en/semeval14_restaurants_test.csv")]).records, 6)[:60]
    items = [
        {
            "id": f"c{i}",
            "text": record.text,
            "date": f"2025-{1 + i % 3:02d}-{1 + i % 28:02d}",
            "segments": {"channel": ("app", "web")[i % 2]},
        }
        for i, record in enumerate(records)
    ]
    with (
        serving(create_app(settings)) as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {KEY}"}, timeout=60) as client,
    ):
        client.post("/v1/feedback", json={"items": items}).raise_for_status()
        yield url, client, items


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "Chromium is missing: run scripts/setup_browser.sh (make test does)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
        yield context.new_page()
        browser.close()


def sign_in(page, url: str, path: str) -> None:
    page.goto(url + path)
    page.fill("#api-key", KEY)
    page.press("#api-key", "Enter")


def test_dashboard_shows_the_summary_numbers_in_persian_and_english(live, page) -> None:
    url, client, items = live
    page.goto(url + "/ui/?lang=en")
    assert page.is_visible("#sign-in") and not page.is_visible("#page")
    page.fill("#api-key", "wrong-key")
    page.press("#api-key", "Enter")
    page.wait_for_selector("#sign-in-error:has-text('unauthorized')")
    sign_in(page, url, "/ui/?lang=en")
    page.wait_for_selector("#drivers-table")
    summary = client.get("/v1/drivers/summary").json()["analysis"]
    assert page.inner_text("#nps-card .big") == fmt(summary["nps"]["value"], sign=True)
    for name, stats in summary["drivers"].items():
        impact = page.inner_text(f'#drivers-table tr[data-driver="{name}"] td:nth-child(7) strong')
        assert impact == fmt(stats["impact"], sign=True)
    assert page.evaluate("sessionStorage.getItem('cxtext.key')") == KEY
    assert page.evaluate("document.cookie") == "" and page.evaluate("localStorage.length") == 0
    page.screenshot(path=str(DOCS / "ui-dashboard-en.png"), full_page=True)

    page.select_option("#segment-filter", "channel:app")
    page.click("#filters button[type=submit]")
    page.wait_for_selector("#drivers-table")
    segment = client.get("/v1/drivers/summary", params={"segment": "channel:app"}).json()["analysis"]
    in_app = sum(item["segments"]["channel"] == "app" for item in items)
    assert segment["n"] == in_app < len(items) and page.inner_text("#nps-card .big") == fmt(
        segment["nps"]["value"], sign=True
    )
    assert "segment=channel%3Aapp" in page.url

    page.goto(url + "/ui/?lang=fa")  # the key stays in this tab's session storage
    page.wait_for_selector("#drivers-table")
    assert page.get_attribute("html", "dir") == "rtl" and page.get_attribute("html", "lang") == "fa"
    assert page.inner_text("#nps-card .label") == "شاخص خالص مروجان (NPS)"
    assert page.inner_text("#nps-card .big") == fmt(summary["nps"]["value"], sign=True)
    page.screenshot(path=str(DOCS / "ui-dashboard-fa.png"), full_page=True)


def test_label_five_with_the_keyboard_train_on_the_default_and_roll_back(live, page) -> None:
    url, client, items = live
    sign_in(page, url, "/ui/review?lang=en")
    page.wait_for_selector("#review-form:not([hidden])")
    remaining = int(page.inner_text("#remaining-count"))
    assert remaining == len(items)
    chosen = {}
    for i in range(5):
        item_id = page.inner_text("#item-id")
        sentiment = ("negative", "positive")[i % 2]
        page.keyboard.press("1" if sentiment == "negative" else "3")
        price = page.is_checked('input[name="drivers"][value="price"]')
        page.keyboard.press("w")  # toggles the second driver, price
        page.keyboard.press("9" if sentiment == "positive" else "7")
        if i == 0:
            page.screenshot(path=str(DOCS / "ui-review.png"), full_page=True)
        page.keyboard.press("Enter")
        page.wait_for_function(f"document.querySelector('#labelled-count').textContent === '{i + 1}'")
        chosen[item_id] = (sentiment, not price)
        assert page.inner_text("#item-id") != item_id  # the count moves once the next comment is shown
    assert page.inner_text("#remaining-count") == str(remaining - 5)
    assert page.inner_text("#item-id") not in chosen

    exported = [
        json.loads(line)
        for line in client.get("/v1/feedback/labels", params={"format": "jsonl"}).text.splitlines()
    ]
    labelled = {row["id"]: row for row in exported}
    assert set(labelled) == set(chosen)
    for item_id, (sentiment, price) in chosen.items():
        row = labelled[item_id]
        drivers = row["drivers"] if isinstance(row["drivers"], list) else (row["drivers"] or "").split(";")
        assert row["sentiment"] == sentiment and ("price" in drivers) == price
        assert row["nps_category"] == ("promoter" if sentiment == "positive" else "detractor")

    page.goto(url + "/ui/models?lang=en")
    page.wait_for_selector("#models-table")
    before = client.get("/v1/models").json()
    assert page.locator("#models-table tbody tr").count() == len(before["models"])
    page.select_option("#train-base", "default")
    page.click("#train-button")
    page.wait_for_selector("#train-status[data-done]", timeout=300_000)
    assert page.get_attribute("#train-status", "data-done") == "succeeded", page.inner_text("#train-status")
    page.wait_for_selector(f"#models-table tbody tr:nth-child({len(before['models']) + 1})")
    after = client.get("/v1/models").json()
    new = {m["version"] for m in after["models"]} - {m["version"] for m in before["models"]}
    assert len(new) == 1
    (version,) = new
    row = page.locator(f'#models-table tr[data-version="{version}"]')
    assert row.count() == 1 and row.locator(".badge.base").inner_text() == "Base: default"
    gate = after["models"][[m["version"] for m in after["models"]].index(version)]["gate"]
    assert gate is not None and row.locator("td.gate .badge").count() == 1
    page.screenshot(path=str(DOCS / "ui-models.png"), full_page=True)

    # the job promotes only on the gate's pass; five labels may leave it no evaluation row (no-data), in
    # which case the analyst activates the version by hand from the same page
    replaced = gate["active_version"]
    assert (after["active"] == version) == (gate["verdict"] == "pass"), gate
    if after["active"] != version:
        assert after["active"] == replaced
        page.locator(f'button.activate[data-version="{version}"]').click()
        page.wait_for_selector(f'#models-table tr.active[data-version="{version}"]')
        assert client.get("/v1/models").json()["active"] == version
    button = page.locator(f'button.activate[data-version="{replaced}"]')
    assert button.inner_text() == "Roll back"
    button.click()
    page.wait_for_selector(f'#models-table tr.active[data-version="{replaced}"]')
    assert client.get("/v1/models").json()["active"] == replaced


def shown_themes(page) -> dict[str, dict]:
    """The themes table of the dashboard: id -> name, flags and whether a quote has a highlight."""
    rows = page.locator("#themes-table tbody tr")
    return {
        rows.nth(i).get_attribute("data-theme"): {
            "name": rows.nth(i).locator(".theme-name").inner_text(),
            "dir": rows.nth(i).locator(".theme-name").get_attribute("dir"),
            "emerging": rows.nth(i).locator(".flag.emerging").count() == 1,
            "new": rows.nth(i).locator(".flag.new").count() == 1,
            "marked": rows.nth(i).locator("blockquote mark").count() > 0,
        }
        for i in range(rows.count())
    }


def expected_themes(client, params: dict) -> dict[str, dict]:
    response = client.get("/v1/themes", params=params)
    assert response.status_code == 200, response.text
    return {
        theme["id"]: {
            "name": theme["name"],
            "dir": "rtl" if theme["lang"] == "fa" else "ltr",
            "emerging": bool(theme["emerging"] and theme["emerging"]["emerging"]),
            "new": bool(theme["emerging"] and theme["emerging"]["new"]),
            "marked": any(quote["highlights"] for quote in theme["quotes"]),
        }
        for theme in response.json()["themes"]
    }


def test_dashboard_themes_are_those_of_the_api_for_the_same_filters(live, page) -> None:
    url, client, _ = live
    sign_in(page, url, "/ui/?lang=en")
    page.wait_for_selector("#drivers-table")
    assert page.locator("#themes-table").count() == 0  # found on request only: they cost a minute per 100k
    page.click("#themes-load")
    page.wait_for_selector("#themes-table")
    shown = shown_themes(page)
    assert shown == expected_themes(client, {})
    assert {theme[:3] for theme in shown} == {"fa-", "en-"}  # each language has its own, in its own words
    assert all(theme["marked"] for theme in shown.values())  # the quotes show the theme's phrases

    page.fill('#filters input[name="from"]', "2025-02-15")
    page.click("#filters button[type=submit]")
    page.click("#themes-load")  # new filters offer the button again
    page.wait_for_selector("#themes-table")
    assert "from=2025-02-15" in page.url
    shown = shown_themes(page)
    assert shown == expected_themes(client, {"from": "2025-02-15"})
    assert page.locator("#themes .themes-section > p.muted").inner_text().count("2025-02-15") == 1

    page.select_option("#lang-filter", "fa")
    page.click("#filters button[type=submit]")
    page.click("#themes-load")
    page.wait_for_selector("#themes-table")
    shown = shown_themes(page)
    assert shown == expected_themes(client, {"from": "2025-02-15", "lang": "fa"})
    assert {theme[:3] for theme in shown} == {"fa-"}

    page.goto(url + "/ui/?lang=fa")
    page.wait_for_selector("#drivers-table")  # the button listens once the dashboard has loaded
    page.click("#themes-load")
    page.wait_for_selector("#themes-table")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.inner_text("#themes h2") == "موضوع‌ها"
    assert shown_themes(page) == expected_themes(client, {})
    page.locator("#themes").screenshot(path=str(DOCS / "ui-themes.png"))

    page.select_option("#segment-filter", "channel:app")
    page.select_option("#lang-filter", "fa")
    page.click("#filters button[type=submit]")  # one channel's Persian comments: too few for themes
    page.click("#themes-load")
    page.wait_for_selector("#themes-empty")
    problem = client.get("/v1/themes", params={"segment": "channel:app", "lang": "fa"})
    assert problem.status_code == 422 and problem.json()["detail"] in page.inner_text("#themes-empty")
