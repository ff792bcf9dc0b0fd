"""Per-request bookkeeping and the gate in front of every route.

`RequestContextMiddleware`: request id, latency and status metrics, one JSON log line, and the body
limit: an announced size over it is refused before anything is read, and every body (chunked uploads
included) is counted as its bytes arrive and cut off at the limit. `AuthenticationGate`: a request
without a valid API key is answered 401 before any of its body is read, so an anonymous client cannot
make the service buffer or spool an upload.

Plain ASGI middleware rather than Starlette's BaseHTTPMiddleware: no task or stream copy per request,
which matters at hundreds of requests per second, and the body stays unread until a route asks for it.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import metrics
from api.auth import KeyRing, key_from_header
from api.logging import request_id
from api.problems import Problem, problem_response
from api.route_table import RouteTable, method_label

log = logging.getLogger("cxtext.api.access")
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int, routes: RouteTable) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        given = headers.get("x-request-id", "")
        rid = given if _CLIENT_ID.match(given) else uuid.uuid4().hex
        request_id.set(rid)  # not reset: the 500 handler outside this middleware still quotes it
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                sent = message.get("headers", [])
                if not any(name.lower() == b"x-request-id" for name, _ in sent):
                    message["headers"] = [*sent, (b"x-request-id", rid.encode())]
            await send(message)

        received = 0

        async def receive_counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLargeError(self.max_body_bytes)
            return message

        try:
            if _too_large(headers.get("content-length", ""), self.max_body_bytes):
                await problem_response(body_too_large(self.max_body_bytes))(scope, receive, send_with_id)
                return
            await self.app(scope, receive_counted, send_with_id)
        except BodyTooLargeError:
            if status != 500:  # a response had started: nothing more can be said
                raise
            await problem_response(body_too_large(self.max_body_bytes))(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            # bounded label values: a known route template or "(unmatched)", a known method or "other"
            template = self.routes.template(scope["path"], scope["method"])
            method = method_label(scope["method"])
            metrics.REQUESTS.labels(method, template, str(status)).inc()
            metrics.LATENCY.labels(method, template).observe(elapsed)
            state = scope.get("state") or {}
            log.info(
                "request",
                extra={
                    "fields": {
                        "method": method,
                        "route": template,
                        "status": status,
                        "ms": round(elapsed * 1000, 2),
                        "key_id": state.get("key_id"),
                        "texts": state.get("texts"),
                    }
                },
            )


class AuthenticationGate:
    """401 for a request without a valid key to any path but `public`, before its body is read.

    Scopes are still checked by each route (`api.auth.require`): which scope a route needs is the
    route's business, whether the caller is anyone at all is decided here, first.
    """

    def __init__(
        self, app: ASGIApp, keys: KeyRing, public: frozenset[str], public_prefixes: tuple[str, ...] = ()
    ) -> None:
        self.app = app
        self.keys = keys
        self.public = public
        self.public_prefixes = public_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path in self.public or path.startswith(self.public_prefixes):
            await self.app(scope, receive, send)
            return
        try:
            key = key_from_header(self.keys, Headers(scope=scope).get("authorization", ""))
        except Problem as problem:
            await problem_response(problem)(scope, receive, send)
            return
        scope.setdefault("state", {})["key_id"] = key.key_id
        await self.app(scope, receive, send)


class BodyTooLargeError(HTTPException):
    """Raised from `receive` when the body passes the limit. An HTTPException, so that FastAPI passes it
    through its body parsing unchanged and the problem handler answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, body_too_large(limit).detail)


def body_too_large(limit: int) -> Problem:
    return Problem(413, f"the request body is larger than {limit} bytes (CXTEXT_MAX_BODY_MB)")


def _too_large(content_length: str, limit: int) -> bool:
    """Refuse before reading: a client announcing a huge body would otherwise be buffered whole."""
    return content_length.isdigit() and int(content_length) > limit
