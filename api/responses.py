"""JSON responses built straight from our own dicts.

Why not FastAPI's `response_model` serialisation: the model's output is already plain JSON types, and a
second validation pass over every nested prediction costs more than the classification of a short text.
The response models still document each route in OpenAPI.
"""

from __future__ import annotations

import json

from starlette.responses import Response


def json_response(payload: object, status_code: int = 200) -> Response:
    return Response(
        json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
        status_code=status_code,
        media_type="application/json",
    )
