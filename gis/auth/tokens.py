"""Decoded bearer tokens, cached per token until they expire (every request's auth).

A token is a signed JWT: what it says and when it expires never change, so checking its
signature once per process is enough. The cache holds at most ``MAX_TOKENS`` entries
and forgets a token at its ``exp``; an invalid token is never cached.
"""

from __future__ import annotations

import time

import jwt

from gis.auth.service import Principal, principal_from_token

MAX_TOKENS = 10_000
_cache: dict[str, tuple[Principal, float]] = {}


def principal(token: str, now: float | None = None) -> Principal:
    """Who ``token`` names, as ``gis.auth.service.principal_from_token`` says (cached)."""
    now = time.time() if now is None else now
    hit = _cache.get(token)
    if hit is not None:
        if now < hit[1]:
            return hit[0]
        del _cache[token]
    who = principal_from_token(token)  # raises BadCredentials on a bad or expired token
    expires = float(jwt.decode(token, options={"verify_signature": False})["exp"])
    if len(_cache) >= MAX_TOKENS:
        _cache.clear()
    _cache[token] = (who, expires)
    return who


def forget() -> None:
    """Drop every cached token (tests; a changed signing key)."""
    _cache.clear()
