"""Readable conversation names: two random words officers can say aloud ("amber harbour"),
as SecureDrop's journalist names are. Chosen at random when the conversation is made, never
derived from anything the contact wrote or is; the words are plain, neutral English that
suggests nothing about a person (no places, peoples, faiths or feelings)."""

from __future__ import annotations

import secrets

FIRST = (
    "amber", "ample", "arched", "azure", "brisk", "bronze", "calm", "cedar", "chalk", "clear",
    "cobalt", "copper", "coral", "crisp", "dappled", "dawn", "dry", "dusky", "early", "even",
    "fern", "fleet", "frosted", "gentle", "golden", "granite", "green", "grey", "hazel",
    "high", "ivory", "jade", "keen", "late", "lilac", "linen", "long", "low", "maple", "mellow",
    "misty", "mossy", "narrow", "north", "oaken", "olive", "pale", "pearl", "pine", "plain",
    "quiet", "rapid", "russet", "sandy", "silver", "slate", "south", "steady", "still", "sunny",
    "tall", "teal", "wide", "woven",
)  # fmt: skip
SECOND = (
    "acorn", "anchor", "arbour", "badger", "basin", "beacon", "birch", "bridge", "brook",
    "canal", "candle", "canyon", "cliff", "clover", "comet", "cove", "crane", "creek", "delta",
    "dune", "falcon", "ferry", "field", "fjord", "forest", "garden", "glade", "grove", "harbour",
    "hollow", "island", "kestrel", "lagoon", "lantern", "ledge", "meadow", "mill", "orchard",
    "otter", "pebble", "pier", "plover", "pond", "quarry", "rapids", "reef", "ridge", "river",
    "robin", "shore", "sparrow", "spring", "summit", "terrace", "thicket", "tide", "valley",
    "vine", "walnut", "willow", "wharf", "wren", "yarrow", "zephyr",
)  # fmt: skip


def random_name() -> str:
    return f"{secrets.choice(FIRST)} {secrets.choice(SECOND)}"
