"""Secrets Steppe checks but never keeps: API keys, people's session tokens, drivers' links and
app tokens, OCPI credentials tokens. Each is stored only as its SHA-256 digest; these secrets are
long random strings, so a fast digest is enough (passwords have their own slow hash)."""

from __future__ import annotations

import hashlib


def digest(secret: str) -> str:
    """The hex SHA-256 of a secret, as stored and looked up."""
    return hashlib.sha256(secret.encode()).hexdigest()
