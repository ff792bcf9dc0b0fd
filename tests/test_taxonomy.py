import json
from pathlib import Path

import pytest

from cxtext.taxonomy import TAXONOMY_ENV, Driver, Taxonomy, TaxonomyError


def write_config(path: Path, config: object) -> Path:
    path.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    return path


def test_default_has_the_four_drivers_in_order_with_both_languages() -> None:
    taxonomy = Taxonomy.default()
    assert taxonomy.names == ("quality", "price", "access", "staff")
    assert [driver.label_fa for driver in taxonomy] == ["کیفیت", "قیمت", "دسترسی", "کارکنان"]
    for driver in taxonomy:
        assert not driver.custom
        assert driver.label_en and driver.description_en and driver.description_fa


def test_default_descriptions_cover_the_agreed_scope() -> None:
    taxonomy = Taxonomy.default()
    for name, words in {
        "quality": ["taste", "freshness", "reliability"],
        "price": ["value for money", "fees", "discounts"],
        "access": ["stock", "delivery", "waiting", "opening hours", "queues", "website", "booking"],
        "staff": ["staff", "agents", "couriers", "support"],
    }.items():
        description = taxonomy.get(name).description_en
        assert all(word in description for word in words), (name, description)


def test_membership_and_lookup() -> None:
    taxonomy = Taxonomy.default()
    assert "price" in taxonomy
    assert "packaging" not in taxonomy
    assert taxonomy.get("staff").label_fa == "کارکنان"
    assert taxonomy.get("packaging") is None
    assert len(taxonomy) == 4


def test_from_file_extends_the_defaults_with_custom_topics(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "topics.json",
        {
            "topics": [
                {
                    "name": "packaging",
                    "label_en": "Packaging",
                    "label_fa": "بسته‌بندی",
                    "description_en": "Boxes, wrapping, damage in transit.",
                },
                {"name": "app_bugs"},
            ]
        },
    )
    taxonomy = Taxonomy.from_file(config)
    assert taxonomy.names == ("quality", "price", "access", "staff", "packaging", "app_bugs")
    packaging = taxonomy.get("packaging")
    assert packaging == Driver(
        "packaging", "Packaging", "بسته‌بندی", "Boxes, wrapping, damage in transit.", "", custom=True
    )
    assert taxonomy.get("app_bugs") == Driver("app_bugs", "App bugs", "App bugs", custom=True)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"topics": [{"name": "Packaging"}]}, "invalid driver name 'Packaging'"),
        ({"topics": [{"name": "2fast"}]}, "invalid driver name '2fast'"),
        ({"topics": [{"name": "app-bugs"}]}, "invalid driver name 'app-bugs'"),
        ({"topics": [{"name": "price"}]}, "topic 'price' clashes with an existing driver"),
        ({"topics": [{"name": "wifi"}, {"name": "wifi"}]}, "driver 'wifi' is defined twice"),
        ({"topics": [{"name": "wifi", "label": "x"}]}, "topic 'wifi': unknown keys ['label']"),
        ({"topics": [{"label_en": "Wifi"}]}, "topic without a name"),
        ({"topics": [{"name": "wifi", "label_en": 3}]}, "topic 'wifi': label_en must be a string"),
        ({"topics": ["wifi"]}, "each topic must be an object"),
        ({"topics": {"name": "wifi"}}, 'expected an object {"topics": [...]}'),
        ({"topics": [], "version": 2}, 'expected an object {"topics": [...]}'),
    ],
)
def test_from_file_rejects_bad_topics(tmp_path: Path, config: object, message: str) -> None:
    path = write_config(tmp_path / "topics.json", config)
    with pytest.raises(TaxonomyError) as caught:
        Taxonomy.from_file(path)
    assert str(caught.value).startswith(f"{path}: {message}")


def test_from_file_reports_unreadable_configs(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="taxonomy config not found"):
        Taxonomy.from_file(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"topics": [', encoding="utf-8")
    with pytest.raises(TaxonomyError, match="cannot read taxonomy config"):
        Taxonomy.from_file(broken)


def test_from_env_uses_the_configured_file_else_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(tmp_path / "topics.json", {"topics": [{"name": "packaging"}]})
    monkeypatch.setenv(TAXONOMY_ENV, str(config))
    assert "packaging" in Taxonomy.from_env()
    monkeypatch.setenv(TAXONOMY_ENV, "")
    assert Taxonomy.from_env() == Taxonomy.default()
    monkeypatch.delenv(TAXONOMY_ENV)
    assert Taxonomy.from_env() == Taxonomy.default()


def test_to_dict_round_trips_through_json(tmp_path: Path) -> None:
    taxonomy = Taxonomy.default().with_topics([{"name": "packaging", "label_fa": "بسته‌بندی"}])
    stored = json.loads(json.dumps(taxonomy.to_dict(), ensure_ascii=False))
    assert Taxonomy.from_dict(stored) == taxonomy
    assert Taxonomy.from_dict(stored).get("packaging").custom


@pytest.mark.parametrize(
    "stored",
    [{}, {"drivers": {}}, {"drivers": [{"name": "price"}]}, {"drivers": ["price"]}],
)
def test_from_dict_rejects_malformed_stored_taxonomies(stored: dict) -> None:
    with pytest.raises(TaxonomyError):
        Taxonomy.from_dict(stored)


def test_with_topics_marks_added_drivers_as_custom() -> None:
    taxonomy = Taxonomy.default().with_topics([Driver("wifi", "Wi-Fi", "وای‌فای")])
    assert taxonomy.get("wifi").custom
    assert taxonomy.names[-1] == "wifi"
