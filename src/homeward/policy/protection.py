"""The owner's rule for protecting a record: which classification and release list a desk may
put on a case or a person report. Here, below every capability, because cases and identity
both apply it; the caller passes the coalition's desks, so policy reads no table."""

from __future__ import annotations

from collections.abc import Mapping

from homeward.core.errors import BadInput
from homeward.core.settings import Settings
from homeward.policy.check import Principal
from homeward.policy.labels import Classification, encode_release


def check_protection(
    *,
    settings: Settings,
    principal: Principal,
    desks: Mapping[str, bool],
    owner: str,
    classification: int,
    release: list[str],
) -> str:
    """A floor on classification, no level above the officer's own clearance, release only to
    known other nations (`desks`: each nation's code, and whether it is the coordination
    cell), and to the coordination cell only at low levels. Returns the encoded release list."""
    if classification not in {int(level) for level in Classification}:
        raise BadInput("classification", "unknown level")
    if classification > principal.clearance:
        raise BadInput("classification", "above your own clearance")
    if classification < settings.case_min_classification:
        floor = Classification(settings.case_min_classification).name
        raise BadInput("classification", f"cases are never marked below {floor}")
    for nation in {code.strip().upper() for code in release if code.strip()}:
        if nation not in desks:
            raise BadInput("release", f"{nation} is not a nation of the coalition")
        if nation == owner:
            raise BadInput("release", f"{nation} owns the case; it needs no release")
        if desks[nation] and classification > settings.coordination_max_classification:
            raise BadInput(
                "release",
                f"the coordination cell may not be released "
                f"{Classification(classification).name} cases",
            )
    return encode_release(release)
