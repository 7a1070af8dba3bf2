"""Decoded bearer tokens, cached per token until they expire (every request's auth).

A token is a signed JWT: what it says and when it expires never change, so checking its
signature once per app is enough. A :class:`TokenCache` belongs to one app (part of its
``app.state.auth_cache``, :class:`gis.auth.identity.AuthCache`), never to the module: it
holds at most ``MAX_TOKENS`` entries and forgets a token at its ``exp``; an invalid token
is never cached. Whether the user it names may still use it (active, same role, same
token version, not signed out) is :mod:`gis.auth.identity`'s question, asked on every
request.
"""

from __future__ import annotations

import time

from gis.auth.service import Principal, TokenClaims, claims_from_token

MAX_TOKENS = 10_000


class TokenCache:
    """One app's decoded tokens (token -> claims), until each expires."""

    def __init__(self, max_tokens: int = MAX_TOKENS) -> None:
        self.max_tokens = max_tokens
        self.entries: dict[str, TokenClaims] = {}

    def claims(self, token: str, now: float | None = None) -> TokenClaims:
        """What ``token`` says, checked as ``gis.auth.service.claims_from_token`` does."""
        now = time.time() if now is None else now
        hit = self.entries.get(token)
        if hit is not None:
            if now < hit.expires:
                return hit
            del self.entries[token]
        said = claims_from_token(token)  # raises BadCredentials on a bad or expired token
        if len(self.entries) >= self.max_tokens:
            self.entries.clear()
        self.entries[token] = said
        return said

    def principal(self, token: str, now: float | None = None) -> Principal:
        """Who ``token`` names, by its signature alone (see :meth:`claims`)."""
        return self.claims(token, now).principal

    def forget(self) -> None:
        """Drop every cached token (tests; a changed signing key)."""
        self.entries.clear()
