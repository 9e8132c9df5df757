"""Settings: one object, built once at start-up from `STEPPE_*` variables and command-line flags."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# Fewer characters than this is a token someone could guess or that was typed by hand.
MIN_ADMIN_TOKEN = 32


class Settings(BaseSettings):
    """Everything Steppe can be told. Each field is read from `STEPPE_<FIELD>`."""

    model_config = SettingsConfigDict(env_prefix="STEPPE_", extra="ignore", frozen=True)

    # Where to listen.
    host: str = "127.0.0.1"
    http_port: int = Field(8000, ge=0, le=65535)
    ocpp_port: int = Field(9000, ge=0, le=65535)

    # Storage.
    database_url: str = "sqlite+aiosqlite:///./steppe.db"
    migrate_on_start: bool = True
    commit_max_batch: int = Field(512, ge=1)
    database_timeout: float = Field(
        60.0, gt=0, description="seconds a PostgreSQL connect or statement may take"
    )

    # Who may come in.
    admin_token: SecretStr | None = Field(
        None, description="an admin API key given in the environment; at least 32 characters"
    )
    accept_unknown_stations: bool = False
    password_hash_cost: int = Field(12, ge=10, le=20, description="scrypt N as a power of two")

    # OCPP behaviour.
    heartbeat_interval: int = Field(300, ge=10, description="seconds, told to chargers at boot")
    call_timeout: float = Field(30.0, gt=0, description="seconds to wait for a charger's answer")
    ping_interval: float | None = Field(30.0, description="websocket keepalive; None disables")
    ping_timeout: float | None = 20.0
    max_frame_bytes: int = Field(65536, ge=1024)
    close_timeout: float = 5.0
    stale_transaction_after: float = Field(
        72 * 3600.0, ge=0, description="seconds without news before a transaction is closed; 0 off"
    )
    stale_check_interval: float = Field(600.0, gt=0, description="seconds between stale checks")
    reservation_check_interval: float = Field(
        30.0, gt=0, description="seconds between checks for expired reservations"
    )
    local_list_interval: float = Field(
        300.0, gt=0, description="seconds between checks of managed local lists"
    )
    local_list_chunk: int = Field(
        100, ge=1, le=10_000, description="id tokens per SendLocalList message"
    )
    site_allocation_interval: float = Field(
        30.0, gt=0, description="seconds between allocations of each managed site's capacity"
    )
    site_limit_threshold_a: float = Field(
        1.0, ge=0, le=32, description="amperes an increase must exceed to be sent to a charger"
    )
    rollout_tick: float = Field(
        5.0, gt=0, description="seconds between looks at running firmware rollouts"
    )
    data_transfer_vendors: list[str] = Field(
        default_factory=list,
        description="vendor ids whose DataTransfer messages are accepted, stored and published",
    )
    california_pricing: bool = Field(
        False, description="send 1.6 stations the OCA California Pricing cost messages"
    )
    last_seen_interval: float = Field(
        30.0, gt=0, description="seconds between writes of the stations' last_seen_at"
    )

    # Security profiles 2 and 3 (TLS) and limits; see docs/security.md.
    tls_cert_file: Path | None = Field(None, description="server certificate chain (PEM)")
    tls_key_file: Path | None = Field(None, description="server private key (PEM)")
    tls_ca_file: Path | None = Field(None, description="CA of station client certificates")
    tls_ca_key_file: Path | None = Field(None, description="CA key, to sign station CSRs")
    ocpp_plain_port: int | None = Field(
        None, ge=0, le=65535, description="with TLS on, a plain ws:// port for profile 1"
    )
    operator_name: str = Field("Steppe", description="O= of the certificates Steppe signs")
    v2g_root_file: Path | None = Field(None, description="ISO 15118 V2G root certificate (PEM)")
    v2g_ca_file: Path | None = Field(None, description="the CPO sub-CA that signs SECC certs")
    v2g_ca_key_file: Path | None = Field(None, description="the CPO sub-CA's key")
    handshake_timeout: float = Field(30.0, gt=0, description="seconds to finish the handshake")
    opening_request_timeout: float = Field(
        10.0, gt=0, description="seconds from accept to the whole opening request (and TLS)"
    )
    max_connections_per_ip: int = Field(1000, ge=1, description="counted from accept")
    auth_lockout_failures: int = Field(
        10, ge=1, description="failed logins of one station id from one address before a lockout"
    )
    auth_lockout_seconds: float = Field(60.0, ge=0)
    auth_unknown_ids_per_ip: int = Field(
        20, ge=1, description="failed logins with unregistered ids from one address per window"
    )
    auth_queued_checks_per_ip: int = Field(
        100, ge=1, description="password checks one address may have waiting"
    )
    auth_queued_checks: int = Field(1000, ge=1, description="password checks waiting in all")
    registrations_per_minute: int = Field(
        10, ge=1, description="tries one address may make a minute to register unknown stations"
    )
    max_pending_stations: int = Field(1000, ge=1, description="unknown stations pending at once")
    max_messages_per_second: float = Field(50.0, gt=0, description="per station, sustained")
    message_burst: int = Field(100, ge=1, description="per station, token bucket size")

    # Operator API: webhooks and the event stream; see docs/api.md.
    webhook_max_attempts: int = Field(8, ge=1, le=50, description="tries per webhook delivery")
    webhook_retry_delay: float = Field(
        2.0, gt=0, description="seconds before the first retry; doubles with each try"
    )
    webhook_timeout: float = Field(10.0, gt=0, description="seconds to wait for a receiver")
    events_heartbeat: float = Field(15.0, gt=0, description="seconds between SSE keepalives")
    webhook_allowed_networks: str = Field(
        "",
        description="comma-separated networks (CIDR) webhooks may reach although not public",
    )

    # The HTTP port's own limits; see docs/security.md.
    max_request_bytes: int = Field(1_048_576, ge=1024, description="largest request body")
    max_import_bytes: int = Field(
        16_777_216, ge=1024, description="largest body of POST /api/v1/stations/import"
    )
    http_max_concurrency: int = Field(
        500, ge=1, description="open HTTP connections and requests in progress; past it 503"
    )
    http_max_connections_per_ip: int = Field(200, ge=1)
    http_header_timeout: float = Field(
        10.0, gt=0, description="seconds a client has to send a request's headers"
    )
    http_body_timeout: float = Field(
        30.0, gt=0, description="seconds a client has to send a request's body"
    )
    api_auth_failures: int = Field(
        20, ge=1, description="failed API authentications from one address before a pause"
    )
    api_auth_lockout_seconds: float = Field(60.0, gt=0)
    pricing_budget: float = Field(
        5.0, gt=0, description="seconds one pricing (estimate, running cost, CDR) may take"
    )

    # Operator console: staff sign-in, sessions, the dashboard's days, the map; docs/console.md.
    user_password_hash_cost: int = Field(
        15, ge=10, le=16, description="scrypt N as a power of two for staff passwords"
    )
    console_idle_timeout: float = Field(1800.0, gt=0, description="seconds before sign-in again")
    console_session_max_age: float = Field(43200.0, gt=0, description="longest session, seconds")
    console_lockout_failures: int = Field(5, ge=1, description="wrong passwords before a lock")
    console_lockout_seconds: float = Field(60.0, ge=0, description="first lock; doubles after")
    console_time_zone: str = Field("UTC", description="IANA zone of the dashboard's days")
    console_tile_url: str = Field(
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png", description="map tiles; empty: none"
    )
    console_tile_attribution: str = "© OpenStreetMap contributors"

    # OCPI roaming (Steppe as a CPO); see docs/ocpi.md.
    ocpi_country_code: str = Field("KZ", pattern=r"^[A-Z]{2}$", description="ISO 3166 alpha-2")
    ocpi_party_id: str = Field("STP", pattern=r"^[A-Z0-9]{3}$", description="OCPI party id")
    public_url: str | None = Field(
        None,
        description="base URL the world reaches the HTTP port at (roaming partners, links in "
        "drivers' mails, QR codes); http://HOST:PORT if unset",
    )
    ocpi_authorize_timeout: float = Field(
        3.0, gt=0, le=30, description="seconds to wait for a partner's real-time authorization"
    )

    # Drivers: accounts, their mail, links in mails and QR codes; see docs/drivers.md.
    # (public_url, above, is the address in their links and QR codes)
    smtp_host: str | None = Field(None, description="mail server; unset: mails go to the log")
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_timeout: float = Field(30.0, gt=0, description="seconds for one mail's delivery")
    mail_from: str = Field("Steppe <noreply@localhost>", description="From: of drivers' mail")
    driver_password_hash_cost: int = Field(
        15, ge=10, le=16, description="scrypt N as a power of two for drivers' passwords"
    )
    driver_session_days: float = Field(30.0, gt=0, description="days signed in without a visit")

    # Cluster mode: one node of several on one PostgreSQL, routed over NATS; docs/scaling.md.
    cluster_url: str | None = Field(
        None, description="NATS server(s) with JetStream, e.g. nats://127.0.0.1:4222; unset: alone"
    )
    node_id: str | None = Field(
        None, description="this node's name in the cluster; unset: the host name and process id"
    )
    cluster_lease: float = Field(
        10.0, ge=1, le=300, description="seconds a node counts as alive after its last renewal"
    )
    reuse_port: bool = Field(
        False, description="listen with SO_REUSEPORT (set by `steppe serve --workers N`)"
    )
    cluster_connect_timeout: float = Field(
        10.0, gt=0, description="seconds to reach NATS at start-up before giving up"
    )

    # Operations.
    log_level: LogLevel = "INFO"
    log_frames: bool = False
    use_uvloop: bool = True
    demo: bool = False
    demo_stations: int = Field(3, ge=1, le=100)

    @field_validator("admin_token")
    @classmethod
    def _long_admin_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_ADMIN_TOKEN:
            raise ValueError(
                f"STEPPE_ADMIN_TOKEN needs at least {MIN_ADMIN_TOKEN} characters "
                "(e.g. `openssl rand -hex 24`)"
            )
        return value

    @field_validator("webhook_allowed_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        for item in value.split(","):
            if item.strip():
                try:
                    ipaddress.ip_network(item.strip(), strict=False)
                except ValueError as exc:
                    raise ValueError(f"not a network: {item.strip()!r}") from exc
        return value

    @property
    def webhook_networks(self) -> tuple[IPNetwork, ...]:
        """The networks of `webhook_allowed_networks`, parsed."""
        return tuple(
            ipaddress.ip_network(item.strip(), strict=False)
            for item in self.webhook_allowed_networks.split(",")
            if item.strip()
        )

    @field_validator("cluster_url")
    @classmethod
    def _nats_url(cls, value: str | None) -> str | None:
        if value is not None and not all(
            part.strip().startswith(("nats://", "tls://")) for part in value.split(",")
        ):
            raise ValueError("STEPPE_CLUSTER_URL: use nats://host:port (comma-separated for more)")
        return value or None

    @model_validator(mode="after")
    def _cluster_needs_postgresql(self) -> Settings:
        if self.cluster_url is not None and not self.database_url.startswith("postgresql"):
            raise ValueError(
                "cluster mode (STEPPE_CLUSTER_URL) needs every node on one PostgreSQL database: "
                "set STEPPE_DATABASE_URL=postgresql+asyncpg://user@host/db; SQLite is one "
                "process's file and cannot be shared between nodes"
            )
        return self

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db")
        return value
