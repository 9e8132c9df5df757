"""What a simulated charger draws under the profiles it holds: its TxProfile for the running
transaction, else its default, under any station maximum; in amperes per phase or watts."""

from __future__ import annotations

from typing import Any

from steppe.simulator.limits import ChargingLimits


def v16(
    number: int,
    purpose: str,
    limit: float,
    *,
    unit: str = "A",
    tx: int | None = None,
    stack: int = 0,
) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "chargingProfileId": number,
        "stackLevel": stack,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": "Relative",
        "chargingSchedule": {
            "chargingRateUnit": unit,
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
        },
    }
    if tx is not None:
        profile["transactionId"] = tx
    return profile


def test_the_composite_limit_is_the_tx_profile_else_the_default_under_the_maximum() -> None:
    """Default 10 A on the station; a TxProfile of 20 A for transaction 7 on connector 1 wins
    for that transaction only; a 16 A station maximum caps both; clearing it lifts the cap."""
    limits = ChargingLimits()
    assert limits.limit_a(1, "7", 3) is None
    assert limits.set(0, v16(1, "TxDefaultProfile", 10))
    assert limits.limit_a(1, "7", 3) == 10
    assert limits.set(1, v16(2, "TxProfile", 20, tx=7))
    assert limits.limit_a(1, "7", 3) == 20
    assert limits.limit_a(1, "8", 3) == 10  # another transaction: the default
    assert limits.set(0, v16(3, "ChargePointMaxProfile", 16))
    assert limits.limit_a(1, "7", 3) == 16
    assert limits.clear(purpose="ChargePointMaxProfile") == 1
    assert limits.limit_a(1, "7", 3) == 20
    limits.transaction_ended(1)
    assert limits.limit_a(1, None, 3) == 10


def test_watts_and_amperes_convert_on_the_cars_phases() -> None:
    """11,040 W is 16 A on three phases, 48 A on one; 16 A is 3,680 W on one phase."""
    limits = ChargingLimits()
    limits.set(0, v16(1, "TxDefaultProfile", 11_040, unit="W"))
    assert limits.limit_a(1, None, 3) == 16 and limits.limit_a(1, None, 1) == 48
    limits.set(0, v16(1, "TxDefaultProfile", 16))
    assert limits.limit_w(1, None, 1) == 3680


def test_a_profile_replaces_one_with_its_id_or_its_purpose_and_stack_level() -> None:
    """Same id: replaced. Same purpose and stack level on the connector: replaced. A TxProfile
    on the whole station, or one that cannot be read, is refused."""
    limits = ChargingLimits()
    limits.set(0, v16(1, "TxDefaultProfile", 10))
    limits.set(0, v16(1, "TxDefaultProfile", 12))
    limits.set(0, v16(2, "TxDefaultProfile", 14))
    assert len(limits.held) == 1 and limits.limit_a(1, None, 3) == 14
    assert not limits.set(0, v16(3, "TxProfile", 20, tx=1))
    assert not limits.set(1, {"chargingProfileId": 4, "chargingSchedule": {}})
