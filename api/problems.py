"""Every error the service returns is an RFC 9457 problem document (`application/problem+json`).

Clients get one shape for every failure: `type`, `title`, `status`, `detail`, `instance` (the request
id, to quote when reporting), and for bad input an `errors` list naming each offending field. A 5xx
says only that something failed and the request id: the traceback goes to the log, never to the client.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from api.logging import request_id

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("cxtext.api")


def field_error(field: str, message: str, location: str = "body") -> dict[str, str]:
    """One entry of a problem's `errors`: where (`body`, `query`, `path`, `file`), which field, what."""
    return {"location": location, "field": field, "message": message}


class Problem(Exception):
    """Raise anywhere in a request to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: Sequence[Mapping[str, str]] = (),
        title: str | None = None,
        slug: str | None = None,
        headers: Mapping[str, str] | None = None,
        extensions: Mapping[str, object] | None = None,
    ) -> None:
        """`extensions` are RFC 9457 extension members: more facts a client may act on (e.g. the labels
        that stay when a label is refused)."""
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = list(errors)
        self.title = title or HTTPStatus(status).phrase
        self.slug = slug
        self.headers = dict(headers or {})
        self.extensions = dict(extensions or {})


def invalid(field: str, message: str, location: str = "body", status: int = 422) -> Problem:
    """The problem for one bad field."""
    return Problem(
        status, f"{field}: {message}", errors=[field_error(field, message, location)], slug="invalid-input"
    )


def problem_response(problem: Problem) -> Response:
    body: dict[str, object] = {
        "type": f"urn:cxtext:problem:{problem.slug}" if problem.slug else "about:blank",
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "instance": f"urn:request:{request_id.get()}",
    }
    if problem.errors:
        body["errors"] = problem.errors
    body.update({k: v for k, v in problem.extensions.items() if k not in body})
    return Response(
        json.dumps(body, ensure_ascii=False),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        # a 500 is answered outside the request middleware, so the id is set here too
        headers={**problem.headers, "X-Request-ID": request_id.get()},
    )


def _field_path(loc: Sequence[str | int]) -> str:
    """("body", "items", 0, "text") -> "items[0].text"; a whole-body error is "body"."""
    path = ""
    for part in loc[1:]:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or str(loc[0])


def _validation_problem(exc: RequestValidationError) -> Problem:
    errors = []
    for error in exc.errors():
        loc = tuple(error.get("loc") or ("body",))
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "not valid JSON")
            return Problem(
                400,
                f"body: malformed JSON ({reason})",
                errors=[field_error("body", f"malformed JSON ({reason})")],
                slug="malformed-json",
            )
        errors.append(field_error(_field_path(loc), str(error.get("msg", "invalid")), str(loc[0])))
    first = errors[0] if errors else field_error("body", "invalid request")
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return Problem(422, f"{first['field']}: {first['message']}{more}", errors=errors, slug="invalid-input")


def install(app: FastAPI) -> None:
    """Register the handlers that turn every exception into a problem document."""

    async def on_problem(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Problem)
        return problem_response(exc)

    async def on_validation(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return problem_response(_validation_problem(exc))

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # every method served at this path, not only the first route's
            headers["Allow"] = ", ".join(app.state.routes.allowed(request.url.path))
        return problem_response(Problem(exc.status_code, detail, headers=headers))

    async def on_error(_request: Request, exc: Exception) -> Response:
        log.error("unhandled error", exc_info=exc)
        return problem_response(
            Problem(500, "the server failed to handle this request; quote the instance id when reporting it")
        )

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_error)
