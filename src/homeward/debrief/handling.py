"""The programme's handling words for debriefs, kept as data: the caveats it defines, the roles
an owner may open a report to (per nation where one is stricter), and which TLP 2.0 level each
classification maps to in a STIX export. The shipped file is the default; a programme's own file
under the data directory replaces it whole. Read on each use, so a change needs no restart."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from homeward.core.errors import BadInput
from homeward.policy.labels import Classification
from homeward.policy.roles import DEBRIEF_READ, Role, may

SHIPPED = Path(__file__).with_name("handling.json")
CAVEAT = re.compile(r"^[A-Z][A-Z0-9-]{1,31}$")
TLP_LEVELS = ("clear", "green", "amber", "amber+strict", "red")


class HandlingInvalid(BadInput):
    """The programme's handling file is wrong: named with the field at fault."""


@dataclass(frozen=True)
class Handling:
    caveats: dict[str, str]
    reader_roles: tuple[str, ...]
    owner_reader_roles: dict[str, tuple[str, ...]]
    tlp: dict[int, str]

    def roles_for(self, owner: str) -> tuple[str, ...]:
        """The roles an owner nation may open its reports to."""
        return self.owner_reader_roles.get(owner, self.reader_roles)


def path_for(data_dir: Path) -> Path:
    own = data_dir / "debrief" / "handling.json"
    return own if own.exists() else SHIPPED


def _roles(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise HandlingInvalid(where, "a non-empty list of roles")
    for role in value:
        if role not in {r.value for r in Role} or not may(role, DEBRIEF_READ):
            raise HandlingInvalid(where, f"{role!r} is not a role that reads debriefs")
    return tuple(sorted(set(value)))


def parse(text: str, where: str) -> Handling:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HandlingInvalid(where, f"not JSON ({exc.msg}, line {exc.lineno})") from exc
    if not isinstance(raw, dict):
        raise HandlingInvalid(where, "an object")
    caveats = raw.get("caveats", {})
    if not isinstance(caveats, dict):
        raise HandlingInvalid(f"{where}: caveats", "an object of word: meaning")
    for word, meaning in caveats.items():
        if not CAVEAT.match(word) or not isinstance(meaning, str) or not meaning.strip():
            raise HandlingInvalid(
                f"{where}: caveats", f"{word!r}: 2-32 of A-Z 0-9 -, with its meaning"
            )
    owners = raw.get("owner_reader_roles", {})
    if not isinstance(owners, dict):
        raise HandlingInvalid(f"{where}: owner_reader_roles", "an object of nation: roles")
    tlp = raw.get("tlp", {})
    if not isinstance(tlp, dict):
        raise HandlingInvalid(f"{where}: tlp", "an object of level: TLP word")
    levels: dict[int, str] = {}
    for level, word in tlp.items():
        if not str(level).isdigit() or int(level) not in {int(c) for c in Classification}:
            raise HandlingInvalid(f"{where}: tlp", f"{level!r} is not a classification level")
        if word not in TLP_LEVELS:
            raise HandlingInvalid(f"{where}: tlp", f"{word!r} is not a TLP 2.0 level")
        levels[int(level)] = word
    return Handling(
        caveats=dict(caveats),
        reader_roles=_roles(raw.get("reader_roles"), f"{where}: reader_roles"),
        owner_reader_roles={
            str(nation).upper(): _roles(value, f"{where}: owner_reader_roles.{nation}")
            for nation, value in owners.items()
        },
        tlp=levels,
    )


def load(data_dir: Path) -> Handling:
    path = path_for(data_dir)
    return parse(path.read_text(encoding="utf-8"), path.name)
