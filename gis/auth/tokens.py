"""Decoded bearer tokens, cached per token until they expire (every request's auth).

A token is a signed JWT: what it says and when it expires never change, so checking its
signature once per process is enough. The cache holds at most ``MAX_TOKENS`` entries
and forgets a token at its ``exp``; an invalid token is never cached. Whether the user it
names may still use it (active, same role, same token version, not signed out) is
:mod:`gis.auth.identity`'s question, asked on every request.
"""

from __future__ import annotations

import time

from gis.auth.service import Principal, TokenClaims, claims_from_token

MAX_TOKENS = 10_000
_cache: dict[str, TokenClaims] = {}


def claims(token: str, now: float | None = None) -> TokenClaims:
    """What ``token`` says, checked as ``gis.auth.service.claims_from_token`` does (cached)."""
    now = time.time() if now is None else now
    hit = _cache.get(token)
    if hit is not None:
        if now < hit.expires:
            return hit
        del _cache[token]
    said = claims_from_token(token)  # raises BadCredentials on a bad or expired token
    if len(_cache) >= MAX_TOKENS:
        _cache.clear()
    _cache[token] = said
    return said


def principal(token: str, now: float | None = None) -> Principal:
    """Who ``token`` names, by its signature alone (see :func:`claims`)."""
    return claims(token, now).principal


def forget() -> None:
    """Drop every cached token (tests; a changed signing key)."""
    _cache.clear()
