"""The linkage model: a Splink Fellegi-Sunter model over the normalised keys, trained
without labels (EM), saved as a versioned file and scored in process for online queries.

CONTRACT (being implemented): `LinkageModel.load(path)`, `LinkageModel.default()`,
`model.score(left, right) -> PairScore`, `blocking_keys(report) -> frozenset[str]`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from homeward.identity.normalise import NormalisedReport


@dataclass(frozen=True, slots=True)
class Evidence:
    """One comparison's say on a pair: the level reached and its match weight (log2 Bayes
    factor, term-frequency adjustment included)."""

    comparison: str  # e.g. "family_name"
    level: str  # e.g. "exact", "phonetic", "Jaro-Winkler >= 0.92", "null"
    weight: float


@dataclass(frozen=True, slots=True)
class PairScore:
    """A scored pair: the prior, the evidence field by field, their sum and its probability."""

    prior_weight: float
    evidence: tuple[Evidence, ...]
    match_weight: float
    probability: float


class LinkageModel:
    """A trained model (Splink settings with m and u probabilities, term frequencies)."""

    version: str

    @classmethod
    def load(cls, path: Path) -> LinkageModel:
        raise NotImplementedError

    @classmethod
    def default(cls) -> LinkageModel:
        """The model shipped with Homeward, trained on synthetic reports."""
        raise NotImplementedError

    def score(self, left: NormalisedReport, right: NormalisedReport) -> PairScore:
        raise NotImplementedError


def blocking_keys(report: NormalisedReport) -> frozenset[str]:
    """Every blocking key of a report ("full:…", "family_year:…|1994", …): two reports are
    candidates when they share one. The same rules as the batch model's blocking."""
    raise NotImplementedError
