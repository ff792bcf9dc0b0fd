"""Service settings, read from the environment once at start-up (twelve-factor style).

Every setting has one environment variable (table in README); a bad value stops the service with a
message that names the variable, instead of surfacing later as a confusing request failure.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cxtext.paths import PROJECT_ROOT, models_dir

DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'cxtext.sqlite3'}"

# field name -> environment variable
ENV_VARS: dict[str, str] = {
    "database_url": "DATABASE_URL",
    "models_dir": "CXTEXT_MODELS_DIR",
    "model_path": "CXTEXT_MODEL",
    "api_keys": "CXTEXT_API_KEYS",
    "max_batch": "CXTEXT_MAX_BATCH",
    "max_text_chars": "CXTEXT_MAX_TEXT_CHARS",
    "max_body_mb": "CXTEXT_MAX_BODY_MB",
    "max_upload_mb": "CXTEXT_MAX_UPLOAD_MB",
    "max_train_rows": "CXTEXT_MAX_TRAIN_ROWS",
    "max_running_jobs_per_key": "CXTEXT_MAX_RUNNING_JOBS_PER_KEY",
    "max_queued_jobs_per_key": "CXTEXT_MAX_QUEUED_JOBS_PER_KEY",
    "store_raw_text": "CXTEXT_STORE_RAW_TEXT",
    "cors_origins": "CXTEXT_CORS_ORIGINS",
    "public_docs": "CXTEXT_PUBLIC_DOCS",
    "log_level": "CXTEXT_LOG_LEVEL",
    "model_check_seconds": "CXTEXT_MODEL_CHECK_SECONDS",
    "dask_scheduler": "CXTEXT_DASK_SCHEDULER",
}


class SettingsError(ValueError):
    """An environment variable with an unusable value; the message names the variable."""


class Settings(BaseModel):
    """What the service needs to know; `Settings.from_env()` is what `cxtext serve` uses."""

    model_config = ConfigDict(frozen=True, extra="forbid", protected_namespaces=())

    database_url: str = DEFAULT_DATABASE_URL
    models_dir: Path = Field(default_factory=models_dir)
    model_path: Path | None = None  # serve this model folder instead of the registry's active one
    api_keys: str = ""
    max_batch: int = Field(1000, ge=1)
    max_text_chars: int = Field(5000, ge=1)
    max_body_mb: int = Field(50, ge=1)
    # Training uploads, after decompression. All of ../shared/data is 21 MB and 76k rows and trains in
    # 4 min at 2.7 GB peak RSS on 2 cores; 128 MB and 250k rows keep one job near 10 GB and 15 minutes,
    # inside a 2-core / 24 GB machine that also serves requests.
    max_upload_mb: int = Field(128, ge=1)
    max_train_rows: int = Field(250_000, ge=1)
    # Background jobs (training, re-scoring) per API key: running at once, and waiting behind those.
    max_running_jobs_per_key: int = Field(1, ge=1)
    max_queued_jobs_per_key: int = Field(1, ge=0)
    store_raw_text: bool = False
    cors_origins: tuple[str, ...] = ()
    public_docs: bool = False
    log_level: str = "INFO"
    model_check_seconds: float = Field(1.0, gt=0)
    dask_scheduler: str | None = None  # bulk re-scoring runs on this Dask cluster when set

    @field_validator("database_url")
    @classmethod
    def _driver(cls, url: str) -> str:
        """`postgresql://` and `postgres://` mean psycopg 3, the driver cxtext installs."""
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        if not url.startswith(("sqlite://", "postgresql+psycopg://")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return url

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, level: str) -> str:
        if level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return level.upper()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from `env` (default `os.environ`); `overrides` (e.g. from command-line flags) win."""
        env = os.environ if env is None else env
        values: dict[str, object] = {field: env[var] for field, var in ENV_VARS.items() if env.get(var)}
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls(**values)
        except ValidationError as exc:
            error = exc.errors()[0]
            field = str(error["loc"][0])
            raise SettingsError(f"{ENV_VARS.get(field, field)}: {error['msg']}") from None

    @property
    def max_body_bytes(self) -> int:
        return self.max_body_mb * 1024 * 1024

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024
