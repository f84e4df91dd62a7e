"""Everything a process needs at run time, built once from settings: database, server
secrets, key-derivation cost and the flood gates. The web app and the CLI each hold one."""

from __future__ import annotations

from dataclasses import dataclass, field

from homeward.core.ceiling import FailureCeiling
from homeward.core.db import Database
from homeward.core.gate import KdfGate, NewContactLimiter
from homeward.core.settings import Settings
from homeward.crypto import sealing
from homeward.crypto.keys import ServerSecrets, load_server_secrets


@dataclass
class Runtime:
    settings: Settings
    db: Database
    secrets: ServerSecrets
    cost: sealing.KdfCost
    kdf_gate: KdfGate = field(init=False)
    new_contacts: NewContactLimiter = field(init=False)
    officer_signin_failures: FailureCeiling = field(init=False)

    def __post_init__(self) -> None:
        self.kdf_gate = KdfGate(
            contact_slots=self.settings.kdf_concurrency - self.settings.kdf_officer_slots,
            officer_slots=self.settings.kdf_officer_slots,
            wait_seconds=self.settings.kdf_wait_seconds,
        )
        self.new_contacts = NewContactLimiter(self.settings.new_contacts_per_minute)
        self.officer_signin_failures = FailureCeiling(
            self.settings.officer_signin_failures_per_minute
        )

    @classmethod
    def from_settings(cls, settings: Settings, *, create_keys: bool = False) -> Runtime:
        settings.check()
        settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        settings.data_dir.chmod(0o700)  # also when it was made before, by someone else
        return cls(
            settings=settings,
            db=Database(
                settings.effective_database_url, sqlite_synchronous=settings.sqlite_synchronous
            ),
            secrets=load_server_secrets(settings.keys_dir, create=create_keys),
            cost=sealing.kdf_cost(settings.kdf_profile),
        )

    def close(self) -> None:
        self.kdf_gate.close()
        self.db.dispose()
