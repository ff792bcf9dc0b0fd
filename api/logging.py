"""JSON log lines, each carrying the id of the request it belongs to.

One object per line so log shippers need no parsing rules. Logs hold ids, lengths and counts only:
never feedback text and never API keys (customers' words may contain personal data).
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

request_id: ContextVar[str] = ContextVar("request_id", default="-")


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "logger", "message", "request_id", ...fields}`; `fields` comes from `extra`."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id.get(),
        }
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def log_config(level: str = "INFO") -> dict:
    """`logging.dictConfig` for uvicorn (applied in every worker): everything as JSON lines on stderr.

    uvicorn's own access log is left off (`cxtext serve` passes `access_log=False`): the request
    middleware writes one line per request with its id, route, status and duration instead.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"level": level},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"level": "WARNING"},
        },
    }
