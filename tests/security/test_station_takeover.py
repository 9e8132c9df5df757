"""An operator cannot take a station over: credentials and security profiles are the admin's,
a rotated password reaches the charger and nobody else, and every security operation is in the
audit log with who did it."""

from __future__ import annotations

import httpx

from steppe.app import Steppe
from tests.security.pki_files import LocalPki
from tests.security.test_certificates import PASSWORD, charger

HASH = {
    "hash_algorithm": "SHA256",
    "issuer_name_hash": "ab" * 32,
    "issuer_key_hash": "cd" * 32,
    "serial_number": "1f",
}


async def operator_client(app: Steppe, api: httpx.AsyncClient) -> httpx.AsyncClient:
    created = await api.post("/api/v1/keys", json={"name": "ops", "role": "operator"})
    assert created.status_code == 201
    key = created.json()["key"]
    return httpx.AsyncClient(
        base_url=app.http_url, headers={"Authorization": f"Bearer {key}"}, timeout=10
    )


async def test_an_operator_cannot_set_credentials_or_downgrade_a_profile(
    tls_steppe: Steppe, api_for: object
) -> None:
    """The operator may register a station and change its location, but not give it a
    password, choose or change its security profile, or set its password."""
    async with api_for(tls_steppe) as api:  # type: ignore[operator]
        assert await api.post("/api/v1/stations", json={"id": "CP-P3", "security_profile": 3})
        async with await operator_client(tls_steppe, api) as ops:
            for body in (
                {"id": "CP-NEW", "password": "operator-chosen-pw1"},
                {"id": "CP-NEW", "security_profile": 1},
            ):
                refused = await ops.post("/api/v1/stations", json=body)
                assert refused.status_code == 403, refused.text
                assert "admin" in refused.json()["error"]["message"]
            assert (await ops.post("/api/v1/stations", json={"id": "CP-NEW"})).status_code == 201
            downgrade = await ops.patch("/api/v1/stations/CP-P3", json={"security_profile": 1})
            assert downgrade.status_code == 403
            moved = await ops.patch("/api/v1/stations/CP-P3", json={"location": {"city": "Almaty"}})
            assert moved.status_code == 200
            assert (await api.get("/api/v1/stations/CP-P3")).json()["security_profile"] == 3
            password = await ops.put(
                "/api/v1/stations/CP-P3/password", json={"password": "operator-chosen-pw1"}
            )
            assert password.status_code == 403


async def test_rotation_and_certificates_are_admin_only_and_audited(
    tls_steppe: Steppe, pki: LocalPki, api_for: object
) -> None:
    """With a charger connected, the operator may read its certificates (audited under the
    operator's key) but not rotate its password, install or delete certificates, or set its
    AuthorizationKey or security variables by hand. The admin's rotation answers without the
    password; the audit log has each operation, the password as ***."""
    root_pem = pki.authority.certificate_pem.decode()
    async with api_for(tls_steppe) as api:  # type: ignore[operator]
        await api.post("/api/v1/stations", json={"id": "CP-SEC", "password": PASSWORD})
        async with (
            await operator_client(tls_steppe, api) as ops,
            charger(tls_steppe, pki, "CP-SEC", PASSWORD) as cp,
        ):
            base = "/api/v1/stations/CP-SEC"
            assert (await ops.get(f"{base}/certificates")).status_code == 200
            for path, body in (
                ("password-rotation", {}),
                (
                    "certificates/install",
                    {"certificate_type": "csms_root", "certificate": root_pem},
                ),
                ("certificates/delete", HASH),
                ("commands/set-configuration", {"key": "AuthorizationKey", "value": "00" * 16}),
                ("commands/set-configuration", {"key": "SecurityProfile", "value": "0"}),
            ):
                refused = await ops.post(f"{base}/{path}", json=body)
                assert refused.status_code == 403, (path, refused.text)
            assert cp.config_seen == [] and cp.installed == []
            fine = await ops.post(
                f"{base}/commands/set-configuration",
                json={"key": "HeartbeatInterval", "value": "60"},
            )
            assert fine.status_code == 200

            rotated = await api.post(f"{base}/password-rotation", json={})
            assert rotated.status_code == 200 and rotated.json() == {
                "outcome": "accepted",
                "station_answer": "Accepted",
            }
            new_password = bytes.fromhex(cp.config_seen[-1][1]).decode()
            installed = await api.post(
                f"{base}/certificates/install",
                json={"certificate_type": "csms_root", "certificate": root_pem},
            )
            assert installed.status_code == 200
            assert (await api.post(f"{base}/certificates/delete", json=HASH)).status_code == 200

        entries = (await api.get("/api/v1/audit", params={"station_id": "CP-SEC"})).json()["items"]
        by_command = {entry["command"]: entry for entry in entries}
        assert by_command["certificate-read"]["actor"].startswith("key:")
        assert by_command["certificate-read"]["actor"].endswith(" ops")
        for command in ("password-rotation", "certificate-install", "certificate-delete"):
            assert by_command[command]["actor"] == "admin-token", command
            assert by_command[command]["outcome"] == "answered", command
        assert by_command["password-rotation"]["params"]["password"] == "***"
        assert by_command["certificate-install"]["params"]["certificate_type"] == "csms_root"
        everything = (await api.get("/api/v1/audit")).text
        assert new_password not in everything
