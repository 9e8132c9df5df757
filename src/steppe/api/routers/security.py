"""Station security: security events, certificates on the station, password rotation."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from steppe.api.deps import Admin, Context, Operator, Viewer
from steppe.api.errors import ApiError
from steppe.api.schemas.security import (
    CertificateHash,
    CertificateInstall,
    IssuedCertificateOut,
    PasswordRotation,
    RotationOut,
    SecurityEventOut,
    SecurityEventPage,
    StationAnswer,
)
from steppe.api.schemas.values import BigId
from steppe.domain.security.service import SecurityService
from steppe.errors import StationNotConnected

router = APIRouter(prefix="/api/v1/stations", tags=["security"])
StationPath = Annotated[str, Path(max_length=48)]

# API certificate kinds -> each version's InstallCertificate / GetInstalledCertificateIds names.
CERTIFICATE_TYPES = {
    "1.6": {
        "csms_root": "CentralSystemRootCertificate",
        "manufacturer_root": "ManufacturerRootCertificate",
    },
    "2.0.1": {
        "csms_root": "CSMSRootCertificate",
        "manufacturer_root": "ManufacturerRootCertificate",
        "v2g_root": "V2GRootCertificate",
        "mo_root": "MORootCertificate",
    },
}


def _security(context: Context) -> SecurityService:
    return context.services.security


def _version(context: Context, station_id: str) -> str:
    version = context.connections.version_of(station_id)
    if version is None:
        raise StationNotConnected(f"station {station_id!r} is not connected")
    return version


def _answer(answer: dict[str, Any]) -> StationAnswer:
    return StationAnswer(status=str(answer.get("status")), answer=answer)


@router.get(
    "/{station_id}/security-events",
    response_model=SecurityEventPage,
    summary="Security events a station reported, newest first",
)
async def security_events(
    station_id: StationPath,
    context: Context,
    _: Viewer,
    before: Annotated[BigId | None, Query(description="cursor: the last id seen")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> SecurityEventPage:
    events = await _security(context).events(station_id, before=before, limit=limit)
    return SecurityEventPage(
        items=[SecurityEventOut.of(e) for e in events],
        next=events[-1].id if len(events) == limit else None,
    )


@router.get(
    "/{station_id}/certificates",
    response_model=StationAnswer,
    summary="Ask the station which certificates it has installed (GetInstalledCertificateIds)",
    description="Audited as `certificate-read`.",
)
async def installed_certificates(
    station_id: StationPath,
    context: Context,
    who: Operator,
    certificate_type: Annotated[
        str, Query(pattern="^(csms_root|manufacturer_root|v2g_root|mo_root)$")
    ] = "csms_root",
) -> StationAnswer:
    version = _version(context, station_id)
    name = _type_name(version, certificate_type)
    payload: dict[str, Any] = (
        {"certificateType": name} if version == "1.6" else {"certificateType": [name]}
    )
    answer = await _security(context).station_call(
        who.actor,
        station_id,
        "certificate-read",
        "GetInstalledCertificateIds",
        payload,
        shown={"certificate_type": certificate_type},
    )
    return _answer(answer)


@router.get(
    "/{station_id}/certificates/issued",
    response_model=list[IssuedCertificateOut],
    summary="Certificates Steppe signed for the station (SignCertificate)",
)
async def issued_certificates(
    station_id: StationPath, context: Context, _: Viewer
) -> list[IssuedCertificateOut]:
    await context.services.stations.get(station_id)
    records = await _security(context).certificates(station_id)
    return [IssuedCertificateOut.of(r) for r in records]


@router.post(
    "/{station_id}/certificates/issued/{serial}/revoke",
    status_code=204,
    summary="Revoke a certificate Steppe issued: OCSP answers REVOKED for it from now on",
)
async def revoke_certificate(
    station_id: StationPath,
    serial: Annotated[str, Path(max_length=64, pattern="^[0-9A-Fa-f]+$")],
    context: Context,
    _: Operator,
) -> Response:
    await _security(context).revoke(station_id, serial)
    return Response(status_code=204)


@router.post(
    "/{station_id}/certificates/install",
    response_model=StationAnswer,
    summary="Install a root certificate on the station (InstallCertificate)",
    description="Admin only: a root certificate decides whom the station trusts. Audited as "
    "`certificate-install`.",
)
async def install_certificate(
    station_id: StationPath, body: CertificateInstall, context: Context, who: Admin
) -> StationAnswer:
    version = _version(context, station_id)
    payload = {
        "certificateType": _type_name(version, body.certificate_type),
        "certificate": body.certificate,
    }
    fingerprint = hashlib.sha256(body.certificate.encode()).hexdigest()
    answer = await _security(context).station_call(
        who.actor,
        station_id,
        "certificate-install",
        "InstallCertificate",
        payload,
        shown={"certificate_type": body.certificate_type, "pem_sha256": fingerprint},
    )
    return _answer(answer)


@router.post(
    "/{station_id}/certificates/delete",
    response_model=StationAnswer,
    summary="Delete a certificate from the station (DeleteCertificate)",
    description="Admin only. Audited as `certificate-delete`.",
)
async def delete_certificate(
    station_id: StationPath, body: CertificateHash, context: Context, who: Admin
) -> StationAnswer:
    _version(context, station_id)
    payload = {"certificateHashData": body.as_ocpp()}
    answer = await _security(context).station_call(
        who.actor,
        station_id,
        "certificate-delete",
        "DeleteCertificate",
        payload,
        shown=body.model_dump(),
    )
    return _answer(answer)


@router.post(
    "/{station_id}/password-rotation",
    response_model=RotationOut,
    summary="Give the station a new Basic-auth password; stored only if the station accepts",
    description="Admin only. A password Steppe makes up is sent to the station and stored "
    "hashed, and shown to nobody. Audited as `password-rotation` (the password as `***`).",
)
async def rotate_password(
    station_id: StationPath, body: PasswordRotation, context: Context, who: Admin
) -> RotationOut:
    rotation = await _security(context).rotate_password(who.actor, station_id, body.password)
    return RotationOut(outcome=rotation.outcome.value, station_answer=rotation.station_answer)


def _type_name(version: str, kind: str) -> str:
    names = CERTIFICATE_TYPES.get(version, CERTIFICATE_TYPES["2.0.1"])
    if kind not in names:
        raise ApiError(
            422, "invalid_input", f"certificate_type: {kind} does not exist in OCPP {version}"
        )
    return names[kind]
