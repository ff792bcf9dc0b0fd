"""Service settings from the environment, and API keys with scopes kept as digests."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from api.auth import KeyConfigError, KeyRing, parse_keys
from api.settings import DEFAULT_DATABASE_URL, Settings, SettingsError


def test_defaults_are_sqlite_and_the_issue_limits() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == DEFAULT_DATABASE_URL and settings.database_url.startswith("sqlite:///")
    assert (settings.max_batch, settings.max_text_chars) == (1000, 5000)
    assert settings.cors_origins == () and not settings.store_raw_text and not settings.public_docs


def test_environment_variables_are_read() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgres://u:p@db:5432/cx",
            "CXTEXT_MAX_BATCH": "20",
            "CXTEXT_MAX_TEXT_CHARS": "300",
            "CXTEXT_CORS_ORIGINS": "https://a.example, https://b.example",
            "CXTEXT_STORE_RAW_TEXT": "true",
            "CXTEXT_MODELS_DIR": "/srv/models",
            "CXTEXT_LOG_LEVEL": "debug",
        }
    )
    assert settings.database_url == "postgresql+psycopg://u:p@db:5432/cx"
    assert (settings.max_batch, settings.max_text_chars) == (20, 300)
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert (
        settings.store_raw_text
        and settings.models_dir == Path("/srv/models")
        and settings.log_level == "DEBUG"
    )


def test_flags_override_the_environment() -> None:
    settings = Settings.from_env({"CXTEXT_MODEL": "/a"}, model_path="/b")
    assert settings.model_path == Path("/b")


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"CXTEXT_MAX_BATCH": "many"}, "CXTEXT_MAX_BATCH"),
        ({"CXTEXT_MAX_BATCH": "0"}, "CXTEXT_MAX_BATCH"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"CXTEXT_STORE_RAW_TEXT": "perhaps"}, "CXTEXT_STORE_RAW_TEXT"),
        ({"CXTEXT_LOG_LEVEL": "LOUD"}, "CXTEXT_LOG_LEVEL"),
    ],
)
def test_a_bad_value_names_its_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError, match=f"^{variable}: "):
        Settings.from_env(env)


def test_keys_are_kept_as_digests_with_their_scopes() -> None:
    keys = parse_keys("k1=classify|read, k2=admin")
    assert [sorted(k.scopes) for k in keys] == [["classify", "read"], ["admin"]]
    assert keys[0].digest == hashlib.sha256(b"k1").digest()
    assert all(b"k1" not in k.digest and b"k2" not in k.digest for k in keys)
    ring = KeyRing(keys)
    assert ring.find("k1") is keys[0] and ring.find("k2") is keys[1]
    assert ring.find("k3") is None and ring.find("") is None


def test_admin_allows_every_scope_and_others_only_their_own() -> None:
    reader, admin = parse_keys("r=read,a=admin")
    assert reader.allows("read") and not reader.allows("classify") and not reader.allows("admin")
    assert all(admin.allows(scope) for scope in ("classify", "ingest", "read", "train", "admin"))


def test_a_key_may_be_configured_by_its_digest() -> None:
    digest = hashlib.sha256(b"secret-key").hexdigest()
    ring = KeyRing(parse_keys(f"sha256:{digest}=ingest"))
    assert ring.find("secret-key") is not None and ring.find(f"sha256:{digest}") is None


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("k1", "expected KEY=scope"),
        ("=read", "expected KEY=scope"),
        ("k1=write", "unknown or missing scope write"),
        ("k1=", "missing scope"),
        ("sha256:abc=read", "64 hex digits"),
    ],
)
def test_malformed_key_entries_are_rejected_without_echoing_the_key(spec: str, message: str) -> None:
    with pytest.raises(KeyConfigError, match=message) as caught:
        parse_keys(spec)
    assert "k1" not in str(caught.value)


def test_empty_key_list_means_no_keys() -> None:
    assert parse_keys("") == [] and parse_keys(" , ") == []
