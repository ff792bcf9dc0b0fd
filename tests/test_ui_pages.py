"""The web interface's server side: pages without credentials, data fragments only with a key, the
dashboard drawing exactly the `/v1/drivers/summary` numbers, static files named one by one."""

from __future__ import annotations

import re

import pytest

from cxtext.analysis.formatting import fmt
from cxtext.io.records import load_records
from tests.conftest import every_nth, shared_file


@pytest.fixture
def stored(client, auth) -> list[dict]:
    """About 40 real Persian and English comments with dates, two channels and 0–10 scores."""
    records = every_nth(load_records([shared_file("fa/parsinlu_food_test.csv")]).records, 12)[:20]
    records += every_nth(load_records([shared_file("en/semeval14_restaurants_test.csv")]).records, 20)[:20]
    items = [
        {
            "id": f"u{i}",
            "text": record.text[:900],
            "score": (2, 5, 7, 9, 10)[i % 5],
            "date": f"2025-{1 + i % 2:02d}-{1 + i % 27:02d}",
            "segments": {"channel": ("app", "web")[i % 2]},
        }
        for i, record in enumerate(records)
    ]
    for first in range(0, len(items), 25):
        response = client.post(
            "/v1/feedback", json={"items": items[first : first + 25]}, headers=auth("ingest")
        )
        assert response.status_code == 200, response.text
    return items


@pytest.mark.parametrize(("lang", "direction"), [("fa", "rtl"), ("en", "ltr")])
@pytest.mark.parametrize("path", ["/ui/", "/ui/review", "/ui/models"])
def test_pages_load_without_a_key_in_both_languages(client, path: str, lang: str, direction: str) -> None:
    response = client.get(path, params={"lang": lang})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert f'<html lang="{lang}" dir="{direction}">' in response.text
    assert 'id="sign-in"' in response.text and "sessionStorage" not in response.text
    assert not re.search(r"""(src|href)=["']https?:""", response.text)  # nothing from a CDN


def test_an_unknown_interface_language_is_a_clear_error(client) -> None:
    response = client.get("/ui/", params={"lang": "de"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "lang"


def test_fragments_need_a_key_with_the_read_scope(client, auth) -> None:
    for path in ("/ui/fragments/en/dashboard", "/ui/fragments/fa/models", "/ui/fragments/fa/review-form"):
        assert client.get(path).status_code == 401
        assert client.get(path, headers=auth("classify")).status_code == 403
        assert client.get(path, headers=auth("read")).status_code == 200


def test_dashboard_fragment_shows_the_summary_numbers(client, auth, stored: list[dict]) -> None:
    for params in ({}, {"segment": "channel:web", "period": "month"}, {"lang": "en", "min_n": 5}):
        summary = client.get("/v1/drivers/summary", params=params, headers=auth("read")).json()["analysis"]
        html = client.get("/ui/fragments/en/dashboard", params=params, headers=auth("read")).text
        big = re.search(r'id="nps-card">.*?<div class="big">([^<]+)</div>', html, re.S)
        assert big and big.group(1) == fmt(summary["nps"]["value"], sign=True)
        assert f"{summary['n']} responses" in html
        for name, stats in summary["drivers"].items():
            row = re.search(rf'data-driver="{name}">(.*?)</tr>', html, re.S)
            assert row and f"<strong>{fmt(stats['impact'], sign=True)}</strong>" in row.group(1)
    persian = client.get("/ui/fragments/fa/dashboard", headers=auth("read")).text
    assert "شاخص خالص مروجان" in persian and 'aria-label="اثر عامل‌ها بر NPS"' in persian
    assert '<option value="channel:web">web</option>' in persian


def test_dashboard_quotes_mark_the_models_evidence(client, auth, stored: list[dict]) -> None:
    html = client.get("/ui/fragments/en/dashboard", headers=auth("read")).text
    quotes = re.findall(r"<blockquote.*?</blockquote>", html, re.S)
    assert quotes and any('<mark class="evidence">' in quote for quote in quotes)
    texts = {re.sub(r"\s+", " ", item["text"]) for item in stored}
    for quote in quotes:
        shown = re.sub(r"<[^>]+>", "", quote.split('<span class="quote-meta"')[0])
        shown = shown.replace("&#39;", "'").replace("&amp;", "&").replace("&quot;", '"').removesuffix("…")
        assert any(shown in text for text in texts)  # highlighting never changes the words


def test_a_bad_dashboard_filter_is_a_problem_naming_it(client, auth) -> None:
    response = client.get("/ui/fragments/en/dashboard", params={"segment": "channel"}, headers=auth("read"))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] in ("segment", "segment[0]")


def test_models_fragment_lists_versions_and_offers_activation(client, auth) -> None:
    listing = client.get("/v1/models", headers=auth("read")).json()
    html = client.get("/ui/fragments/en/models", headers=auth("read")).text
    versions = re.findall(r'<tr data-version="([^"]+)"', html)
    assert sorted(versions) == sorted(m["version"] for m in listing["models"])
    assert re.search(rf'<tr data-version="{re.escape(listing["active"])}" class="active">', html)
    buttons = re.findall(r'class="activate" data-version="([^"]+)"', html)
    assert sorted(buttons) == sorted(m["version"] for m in listing["models"] if not m["active"])
    for metric, label in (("sentiment_macro_f1", "sentiment F1"), ("drivers_micro_f1", "drivers F1")):
        assert f'<th title="{metric}">{label}</th>' in html
    for model in listing["models"]:  # metrics side by side: one cell per headline metric and version
        row = re.search(rf'<tr data-version="{re.escape(model["version"])}".*?</tr>', html, re.S).group(0)
        assert f'<td class="num">{fmt(model["metrics"].get("sentiment_macro_f1"), 3)}</td>' in row


def test_static_files_are_served_by_name_only(client) -> None:
    assert client.get("/ui/static/ui.js").status_code == 200
    css = client.get("/ui/static/cxtext.css")
    assert css.status_code == 200 and "Vazirmatn, Tahoma" in css.text  # the report's stylesheet
    for name in ("report.html.j2", "x.js"):
        assert client.get(f"/ui/static/{name}").status_code == 404
    # a path climbing out of the static folder is no longer a public path: refused before any route
    assert client.get("/ui/static/../main.py").status_code == 401
