"""API keys with scopes, kept only as SHA-256 digests and compared in constant time.

`CXTEXT_API_KEYS='k1=classify|read,k2=admin'` gives each key its scopes; an entry may give the digest
instead of the key (`sha256:<hex>=read`) so that the plain key never sits in the configuration.
`admin` grants every scope. Clients send `Authorization: Bearer <key>`. `label` lets an analyst write labels
from the review queue; who labelled is recorded as the key's name (`ApiKey.key_id`, never the key).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.problems import Problem

SCOPES = ("classify", "ingest", "read", "label", "train", "admin")
# Declares the scheme in OpenAPI (the docs' Authorize button); the check itself is `authenticate`.
_bearer = HTTPBearer(auto_error=False, description="an API key from CXTEXT_API_KEYS")
_DIGEST_PREFIX = "sha256:"


class KeyConfigError(ValueError):
    """A malformed `CXTEXT_API_KEYS` entry (the message never repeats the key itself)."""


@dataclass(frozen=True)
class ApiKey:
    digest: bytes
    scopes: frozenset[str]

    @property
    def key_id(self) -> str:
        """A short, non-secret name for logs: the start of the digest."""
        return self.digest.hex()[:8]

    def allows(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes


def digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


def parse_keys(spec: str) -> list[ApiKey]:
    """`KEY=scope|scope,...` (or `sha256:HEX=scope|...`) into hashed keys."""
    keys = []
    for number, entry in enumerate((e.strip() for e in spec.split(",")), start=1):
        if not entry:
            continue
        key, equals, scope_text = entry.rpartition("=")
        if not equals or not key:
            raise KeyConfigError(f"CXTEXT_API_KEYS entry {number}: expected KEY=scope|scope")
        scopes = frozenset(s.strip() for s in scope_text.split("|") if s.strip())
        unknown = sorted(scopes - set(SCOPES))
        if unknown or not scopes:
            raise KeyConfigError(
                f"CXTEXT_API_KEYS entry {number}: unknown or missing scope "
                f"{', '.join(unknown) or '(none)'} (known: {', '.join(SCOPES)})"
            )
        if key.startswith(_DIGEST_PREFIX):
            try:
                value = bytes.fromhex(key[len(_DIGEST_PREFIX) :])
            except ValueError:
                value = b""
            if len(value) != hashlib.sha256().digest_size:
                raise KeyConfigError(f"CXTEXT_API_KEYS entry {number}: sha256: needs 64 hex digits")
        else:
            value = digest(key)
        keys.append(ApiKey(value, scopes))
    return keys


class KeyRing:
    """The configured keys; `find` checks a presented key against every one in constant time."""

    def __init__(self, keys: list[ApiKey]) -> None:
        self.keys = keys

    def find(self, presented: str) -> ApiKey | None:
        presented_digest = digest(presented)
        found = None
        for key in self.keys:
            if hmac.compare_digest(key.digest, presented_digest):
                found = key
        return found


def _unauthorized(detail: str) -> Problem:
    return Problem(401, detail, slug="unauthorized", headers={"WWW-Authenticate": 'Bearer realm="cxtext"'})


def key_from_header(keys: KeyRing, header: str) -> ApiKey:
    """The key an `Authorization` header presents, or a 401 problem."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("send an API key as 'Authorization: Bearer <key>'")
    key = keys.find(token.strip())
    if key is None:
        raise _unauthorized("unknown API key")
    return key


def authenticate(request: Request) -> ApiKey:
    """The key of this request, or a 401 problem."""
    key = key_from_header(request.app.state.keys, request.headers.get("authorization", ""))
    request.state.key_id = key.key_id
    return key


def require(scope: str) -> Callable[[Request], Awaitable[ApiKey]]:
    """A dependency admitting keys with `scope` (or admin): 401 without a valid key, 403 without the scope."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")

    async def check(  # async: a sync dependency would cost a thread hop per request
        request: Request, _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
    ) -> ApiKey:
        key = authenticate(request)
        if not key.allows(scope):
            raise Problem(403, f"this API key lacks the '{scope}' scope", slug="forbidden")
        return key

    return check
