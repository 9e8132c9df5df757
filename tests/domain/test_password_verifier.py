"""Station password checks: a storm of handshakes with one password pays the slow hash once."""

from __future__ import annotations

import asyncio

import pytest

from steppe.domain.stations import passwords
from steppe.domain.stations.passwords import PasswordVerifier, hash_password


@pytest.fixture
def hashed_count(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the real scrypt checks made."""
    calls = [0]
    real = passwords.check_password

    def counting(password: str, stored: str) -> bool:
        calls[0] += 1
        return real(password, stored)

    monkeypatch.setattr(passwords, "check_password", counting)
    return calls


async def test_concurrent_checks_of_one_password_hash_it_once(hashed_count: list[int]) -> None:
    stored = hash_password("right-password-123", cost=10)
    verifier = PasswordVerifier()
    results = await asyncio.gather(
        *(verifier.verify("right-password-123", stored) for _ in range(50))
    )
    assert results == [True] * 50
    assert hashed_count[0] == 1
    assert await verifier.verify("right-password-123", stored)  # remembered: no new hash
    assert hashed_count[0] == 1


async def test_a_wrong_password_is_refused_every_time_and_never_remembered(
    hashed_count: list[int],
) -> None:
    stored = hash_password("right-password-123", cost=10)
    verifier = PasswordVerifier()
    wrong = await asyncio.gather(*(verifier.verify("wrong", stored) for _ in range(10)))
    assert wrong == [False] * 10
    assert hashed_count[0] == 1  # the ten concurrent tries shared one check
    assert not await verifier.verify("wrong", stored)
    assert hashed_count[0] == 2  # a failure is not remembered
    assert await verifier.verify("right-password-123", stored)
