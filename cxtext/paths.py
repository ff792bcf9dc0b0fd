"""Where cxtext finds things on disk; every location can be overridden from the environment."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path:
    """The third-party labelled data (read in place, never copied): `CXTEXT_DATA_DIR` or ../shared/data."""
    return Path(os.environ.get("CXTEXT_DATA_DIR", PROJECT_ROOT.parent / "shared" / "data"))


def models_dir() -> Path:
    """Root of the versioned model artifacts: `CXTEXT_MODELS_DIR` or ./models."""
    return Path(os.environ.get("CXTEXT_MODELS_DIR", PROJECT_ROOT / "models"))
