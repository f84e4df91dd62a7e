"""Settings from HOMEWARD_* variables (pydantic-settings), with safe embedded defaults."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

KdfProfile = Literal["owasp", "fast-for-tests"]


class Settings(BaseSettings):
    """Everything configurable; every field can be set as HOMEWARD_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="HOMEWARD_", extra="ignore")

    data_dir: Path = Path("var")
    database_url: str = ""
    """Empty means an embedded SQLite file under data_dir."""
    sqlite_synchronous: Literal["full", "normal"] = "full"
    """`full`: no acknowledged letter is lost to a power cut (the cost is in bench/README.md);
    `normal` only for storage that survives one (battery-backed cache)."""

    kdf_profile: KdfProfile = "owasp"
    """`fast-for-tests` lowers Argon2id costs; refused unless HOMEWARD_TESTING=1."""
    testing: bool = False

    message_max_chars: int = Field(default=20_000, ge=1, le=1_000_000)
    attachment_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    attachments_max_count: int = Field(default=5, ge=0, le=50)

    officer_idle_minutes: int = Field(default=15, ge=1)
    officer_max_hours: int = Field(default=10, ge=1)
    contact_idle_minutes: int = Field(default=30, ge=1)

    new_contacts_per_minute: int = Field(default=60, ge=1)
    """Global ceiling on new codenames, so a flood cannot fill the officers' inboxes."""
    kdf_concurrency: int = Field(default=2, ge=1)
    """Argon2id runs at once (no more than the cores); the rest wait briefly, then get a
    'busy' page."""
    kdf_officer_slots: int = Field(default=1, ge=1)
    """Of those, kept for officer sign-ins: a flood of contacts can take only the others."""
    kdf_wait_seconds: float = Field(default=3.0, ge=0)
    officer_signin_free_failures: int = Field(default=5, ge=1)
    """Failed officer sign-ins for one username before each further try must wait (a delay
    that doubles from 5 s); see accounts/throttle.py for the balance."""
    officer_signin_lock_failures: int = Field(default=10, ge=1)
    """Failed sign-ins for one username that lock it for `officer_signin_lock_minutes`."""
    officer_signin_lock_minutes: int = Field(default=15, ge=1, le=24 * 60)
    officer_signin_failures_per_minute: int = Field(default=30, ge=1)
    """Server-wide (per process) ceiling on failed officer sign-ins: slows a password spray
    across many usernames, which no per-username lock sees."""
    unused_contact_hours: int = Field(default=24, ge=1)
    """Contacts that never wrote are purged after this long."""

    log_origin: str = Field(default="homeward.local/audit", pattern=r"^[^\s+]+$")
    """The audit log's name in its checkpoints, and the name of its signing key."""
    checkpoint_interval_seconds: int = Field(default=300, ge=0)
    """How often the server signs a checkpoint when the log has grown; 0 turns it off."""

    stage_limit_days: dict[str, int] = Field(
        default_factory=lambda: {
            "new": 7,
            "in_contact": 14,
            "identity_verified": 30,
            "cleared": 30,
            "passage_planned": 14,
            "handed_over": 7,
            "in_custody": 90,
        }
    )
    """A case longer than this in a stage is flagged, so nobody is forgotten (JSON)."""
    case_min_classification: int = Field(default=1, ge=0, le=3)
    """No case is marked below this level (1 = RESTRICTED)."""
    coordination_max_classification: int = Field(default=1, ge=0, le=3)
    """The coordination cell may be on a release list only up to this level."""

    figures_threshold: int = Field(default=10, ge=1, le=1000)
    """Programme figures (reports/): counts under this are suppressed in the coalition view and
    every published file; medians and percentiles need this many people."""
    figures_rounding: int = Field(default=5, ge=1, le=1000)
    """Published counts are rounded to the nearest multiple of this (1: not rounded)."""
    figures_max_days: int = Field(default=1096, ge=1)
    """The longest period one figure run covers (three years by default)."""

    secure_cookies: bool = False
    """Set behind TLS (or an onion service) so cookies carry the Secure flag."""

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def blobs_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'homeward.sqlite3').as_posix()}"

    @model_validator(mode="after")
    def _contacts_keep_a_slot(self) -> Settings:
        if self.kdf_officer_slots >= self.kdf_concurrency:
            msg = (
                f"HOMEWARD_KDF_OFFICER_SLOTS ({self.kdf_officer_slots}) must be smaller than "
                f"HOMEWARD_KDF_CONCURRENCY ({self.kdf_concurrency}): contacts need a slot too"
            )
            raise ValueError(msg)
        return self

    def check(self) -> None:
        """Refuse settings that would weaken the deployment by mistake."""
        if self.kdf_profile == "fast-for-tests" and not self.testing:
            msg = (
                "HOMEWARD_KDF_PROFILE=fast-for-tests is refused outside tests (HOMEWARD_TESTING=1)"
            )
            raise ValueError(msg)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    settings = Settings()
    settings.check()
    return settings
