"""Firmware updates, firmware publications and log uploads as jobs, one per station, and
firmware rollouts to many stations in waves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class JobKind(StrEnum):
    FIRMWARE = "firmware"  # UpdateFirmware (1.6 also SignedUpdateFirmware)
    LOG = "log"  # GetLog, 1.6 GetDiagnostics
    PUBLISH = "publish"  # 2.0.1 PublishFirmware (a local controller serving firmware)


class JobStatus(StrEnum):
    QUEUED = "queued"  # waiting for its rollout wave
    SENT = "sent"  # the request is on its way
    ACCEPTED = "accepted"  # the station accepted it; its notifications tell the rest
    SUCCEEDED = "succeeded"  # installed, uploaded, published
    FAILED = "failed"  # refused, or a failure notified, or no news in time
    OFFLINE = "offline"  # the station was not connected when its turn came
    SKIPPED = "skipped"  # its rollout stopped before its wave


FINISHED = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.OFFLINE, JobStatus.SKIPPED})

# What the stations' notifications mean for a job (others are progress).
SUCCESS = {
    JobKind.FIRMWARE: frozenset({"Installed"}),
    JobKind.LOG: frozenset({"Uploaded"}),
    JobKind.PUBLISH: frozenset({"Published"}),
}
FAILURE = {
    JobKind.FIRMWARE: frozenset(
        {"DownloadFailed", "InstallationFailed", "InstallVerificationFailed", "InvalidSignature"}
    ),
    JobKind.LOG: frozenset(
        {"UploadFailed", "UploadFailure", "BadMessage", "NotSupportedOperation", "PermissionDenied"}
    ),
    JobKind.PUBLISH: frozenset({"DownloadFailed", "InvalidChecksum", "PublishFailed"}),
}


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    kind: JobKind
    station_id: str
    request_id: int | None
    rollout_id: str | None
    wave: int | None
    location: str | None
    status: JobStatus
    station_status: str | None
    detail: str | None
    created_at: datetime
    sent_at: datetime | None
    updated_at: datetime
    finished_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> Job:
        values = {name: row[name] for name in cls.__dataclass_fields__}
        values["kind"] = JobKind(row["kind"])
        values["status"] = JobStatus(row["status"])
        return cls(**values)


class RolloutStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"  # every wave went out and ended
    HALTED = "halted"  # failures passed the threshold: the waves left were not sent
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Rollout:
    id: str
    location: str
    retrieve_at: datetime | None
    wave_size: int
    max_failures: int
    wave_timeout: int
    status: RolloutStatus
    wave: int
    reason: str | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    counts: dict[str, int]

    @classmethod
    def from_row(cls, row: Any, counts: dict[str, int]) -> Rollout:
        values = {name: row[name] for name in cls.__dataclass_fields__ if name != "counts"}
        values["status"] = RolloutStatus(row["status"])
        return cls(**values, counts=counts)
