"""A claimed identity: names, a date of birth that may be partial, place of birth and
nationalities. Stored as JSON under the server data key; names also as keyed search tokens."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field

from homeward.core.errors import BadInput
from homeward.crypto import sealing
from homeward.crypto.keys import ServerSecrets
from homeward.linkage.dates import check_partial_date

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
MAX_NAME = 200
NATION = re.compile(r"^[A-Z]{3}$")
SEXES = {"": "not known", "F": "female", "M": "male", "X": "another"}


@dataclass
class ClaimedIdentity:
    given_names: str = ""
    family_name: str = ""
    aliases: list[str] = field(default_factory=list)
    date_of_birth: str = ""
    place_of_birth: str = ""
    nationalities: list[str] = field(default_factory=list)
    sex: str = ""
    """M, F, X or empty (not known), as the identity index's reports have it."""

    def checked(self) -> ClaimedIdentity:
        for name in ("given_names", "family_name", "place_of_birth"):
            value = getattr(self, name).strip()
            if len(value) > MAX_NAME:
                raise BadInput(name, f"longer than {MAX_NAME} characters")
            setattr(self, name, value)
        self.aliases = [alias.strip() for alias in self.aliases if alias.strip()]
        if len(self.aliases) > 20 or any(len(alias) > MAX_NAME for alias in self.aliases):
            raise BadInput("aliases", f"at most 20 aliases of {MAX_NAME} characters")
        self.date_of_birth = check_partial_date(self.date_of_birth)
        nations = [nation.strip().upper() for nation in self.nationalities if nation.strip()]
        if any(not NATION.match(nation) for nation in nations):
            raise BadInput("nationalities", "ISO 3166 alpha-3 codes, such as FRA or DEU")
        self.nationalities = sorted(set(nations))
        self.sex = self.sex.strip().upper()
        if self.sex not in SEXES:
            raise BadInput("sex", "M, F, X or empty when not known")
        return self

    @property
    def display_name(self) -> str:
        name = " ".join(part for part in (self.given_names, self.family_name.upper()) if part)
        return name or (self.aliases[0] if self.aliases else "")

    def seal(self, secrets: ServerSecrets) -> bytes:
        return secrets.seal_field(json.dumps(asdict(self), ensure_ascii=False))

    @classmethod
    def open(cls, secrets: ServerSecrets, sealed: bytes) -> ClaimedIdentity:
        return cls(**json.loads(secrets.open_field(sealed)))


def name_words(text: str) -> list[str]:
    """Lower case, accents folded, one entry per word of letters (any script)."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return [word for word in _WORD.findall(stripped) if len(word) > 1]


def name_token(secrets: ServerSecrets, word: str) -> bytes:
    return sealing.keyed_hash(secrets.subkey("hw-name-index"), word.encode(), "hw-name-token", 16)


def name_tokens(secrets: ServerSecrets, identity: ClaimedIdentity) -> set[bytes]:
    text = " ".join([identity.given_names, identity.family_name, *identity.aliases])
    return {name_token(secrets, word) for word in name_words(text)}
