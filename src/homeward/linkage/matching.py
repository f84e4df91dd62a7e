"""Matching query reports against a registry in process: candidates through an index of
blocking keys, each scored by the saved model. The offline `identity match` command and the
online "who might this be" share this path, so both find and score the same candidates.

Splink's `predict_between` would block and score the whole registry per query in DuckDB;
an in-memory index answers one query from its few candidates instead."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from homeward.linkage.batch import BINS, CLUSTER_THRESHOLD
from homeward.linkage.features import Features, row_keys
from homeward.linkage.model import LinkageModel, PairScore

# A blocking key shared by more reports than this says too little to be worth scoring
# every one of them (a bare common name with a common year); the other keys still apply.
MAX_BLOCK = 5_000


class CandidateIndex:
    """Blocking key → positions of the registry rows that have it."""

    def __init__(self, rows: Sequence[Features]) -> None:
        self.rows = rows
        self._blocks: dict[str, list[int]] = defaultdict(list)
        for position, row in enumerate(rows):
            for key in row_keys(row):
                self._blocks[key].append(position)

    def candidates(self, row: Features) -> set[int]:
        """Positions of registry rows sharing at least one usable blocking key."""
        found: set[int] = set()
        for key in row_keys(row):
            block = self._blocks.get(key, ())
            if len(block) <= MAX_BLOCK:
                found.update(block)
        return found


@dataclass(slots=True)
class Tally:
    """What matching did: candidates scored, how many reached the cluster threshold, and
    how many fell in each bin of `batch.bin_labels()` (the command's closing summary)."""

    scored: int = 0
    joined: int = 0
    bins: list[int] = field(default_factory=lambda: [0] * (len(BINS) + 1))

    def add(self, probability: float) -> None:
        self.scored += 1
        self.joined += probability >= CLUSTER_THRESHOLD
        self.bins[sum(probability >= edge for edge in BINS)] += 1


@dataclass(frozen=True, slots=True)
class Match:
    """One ranked candidate for a query."""

    query_id: str
    record_id: str
    rank: int
    score: PairScore


def best_matches(
    model: LinkageModel,
    index: CandidateIndex,
    query: Features,
    *,
    top: int,
    tally: Tally | None = None,
) -> list[Match]:
    """The `top` registry rows most likely to be the query's person, best first."""
    scored = []
    for position in index.candidates(query):
        candidate = index.rows[position]
        if candidate["record_id"] == query["record_id"]:
            continue
        score = model.score_rows(query, candidate)
        if tally is not None:
            tally.add(score.probability)
        scored.append((score, str(candidate["record_id"])))
    scored.sort(key=lambda item: (-item[0].match_weight, item[1]))
    return [
        Match(str(query["record_id"]), record_id, rank, score)
        for rank, (score, record_id) in enumerate(scored[:top], start=1)
    ]


def match_all(
    model: LinkageModel,
    registry: Sequence[Features],
    queries: Iterable[Features],
    *,
    top: int,
    tally: Tally | None = None,
) -> Iterable[Match]:
    """`best_matches` for every query, in query order."""
    index = CandidateIndex(registry)
    for query in queries:
        yield from best_matches(model, index, query, top=top, tally=tally)
