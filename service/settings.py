"""Settings read from the environment (prefix ``COHORTS_``) by pydantic-settings."""

from __future__ import annotations

import zoneinfo
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """Every knob of the service, one place."""

    model_config = SettingsConfigDict(env_prefix="COHORTS_", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{Path('var') / 'cohorts.db'}",
        description="SQLAlchemy URL; SQLite file by default, PostgreSQL in production.",
    )
    max_body_bytes: int = Field(
        default=128 * 1024 * 1024,
        ge=1024,
        description="Admits a list of max_rows rows in any format: 100,000 rows are about "
        "29 MB as CSV and 91 MB as JSON.",
    )
    max_public_body_bytes: int = Field(
        default=64 * 1024,
        ge=1024,
        description="The body limit of the routes anyone may call without a key (an objection: "
        "5,000 characters of grounds are at most 30 KB as escaped JSON), and of any request "
        "that carries neither a key nor a page session.",
    )
    max_rows: int = Field(default=100_000, ge=1)
    max_xlsx_uncompressed_bytes: int = Field(default=200 * 1024 * 1024, ge=1024)
    display_timezone: str = Field(
        default="Asia/Shanghai",
        description="The IANA time zone in which pages show times (stored times are UTC): "
        "the district's own, Beijing time, by default.",
    )
    sqlite_busy_timeout_ms: int = Field(
        default=30_000, ge=0, description="How long a SQLite write waits for the lock (then 503)."
    )
    postgres_lock_timeout_ms: int = Field(
        default=30_000, ge=0, description="How long a PostgreSQL statement waits for a lock "
        "(then 503); 0 waits forever.",
    )
    metrics_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="Serve /metrics unauthenticated on this port (and not on the API's); unset: "
        "/metrics on the API port, to an admin key.",
    )
    metrics_host: str = Field(
        default="127.0.0.1", description="The address the metrics port binds to (loopback)."
    )
    cors_origins: list[str] = Field(default_factory=list)
    log_level: str = "INFO"
    log_json: bool = True
    page_size_default: int = Field(default=100, ge=1, le=1000)
    page_size_max: int = Field(default=1000, ge=1)
    key_cache_seconds: float = Field(
        default=5.0, ge=0, description="How long an authenticated key is trusted without a query."
    )
    rendered_cache_entries: int = Field(
        default=256, ge=1, description="Rendered JSON documents (membership, shortlist) kept."
    )
    page_session_minutes: float = Field(
        default=480, gt=0, le=7 * 24 * 60, description="How long a page sign-in lasts."
    )
    usd_cny: float = Field(default=7.2, gt=0, description="Fallback USD/CNY rate for indicators.")
    notice_days: int = Field(
        default=7, ge=1, le=90, description="The public notice period (公示) in calendar days."
    )
    objection_rate_limit: int = Field(
        default=5, ge=1, description="Objections one client address may file per window."
    )
    objection_rate_window_seconds: float = Field(default=600.0, gt=0)
    webhook_worker: bool = Field(
        default=True, description="Run the webhook delivery worker inside the web process."
    )
    webhook_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    webhook_batch_size: int = Field(default=100, ge=1, le=1000)
    webhook_concurrency: int = Field(default=8, ge=1, le=64)
    webhook_timeout_seconds: float = Field(default=5.0, gt=0, le=30)
    webhook_lease_seconds: float = Field(
        default=60.0, gt=0, description="A claimed delivery is retried by anyone after this."
    )
    webhook_retry_base_seconds: float = Field(default=5.0, gt=0)
    webhook_retry_max_seconds: float = Field(default=6 * 3600.0, gt=0)
    webhook_retry_window_seconds: float = Field(
        default=26 * 3600.0, gt=0, description="How long a delivery is retried before it fails."
    )
    webhook_disable_after_failures: int = Field(default=20, ge=1)
    webhook_disable_after_seconds: float = Field(
        default=24 * 3600.0, ge=0, description="…and failing for at least this long."
    )
    webhook_allowed_networks: list[str] = Field(
        default_factory=list,
        description="Non-global networks webhooks may reach anyway, e.g. ['127.0.0.0/8'].",
    )
    growth_crunchbase_dir: Path | None = Field(
        default=None,
        description="The Crunchbase 2013 export's folder, for API training jobs on that source.",
    )
    growth_job_stale_seconds: float = Field(
        default=300.0,
        gt=0,
        description="A training job with no progress report for this long reads as interrupted.",
    )

    @field_validator("display_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as "
                             "Asia/Shanghai)") from exc
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()
