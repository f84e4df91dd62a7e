"""A case's events told in words for its page: who, when, what, and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from homeward.cases import release_basis
from homeward.cases.schemas import CaseOut, EventOut
from homeward.households import child_protection
from homeward.passage.custody import KIND_WORDS
from homeward.passage.handovers import SIDE_WORDS, STATE_WORDS
from homeward.policy.labels import Classification

WHAT = {
    "case:open": "Case opened",
    "case:stage:change": "Stage changed",
    "case:note:add": "Note added",
    "case:identity:change": "Identity changed",
    "case:labels:change": "Labels and assignees changed",
    "case:protection:change": "Protection changed",
    "case:transfer:request": "Transfer requested",
    "case:transfer:accept": "Transfer accepted",
    "case:transfer:refuse": "Transfer refused",
    "case:consent:withdraw": "Consent withdrawn",
    "case:release:review": "Release reviewed",
    "identity:link:confirm": "Identity link confirmed",
    "identity:link:reject": "Identity link rejected",
    "case:contact:deleted": "The contact deleted their conversation",
    "passage:plan:book": "Passage plan booked",
    "passage:plan:change": "Passage plan changed",
    "passage:plan:cancel": "Passage plan cancelled",
    "passage:plan:approve": "Passage plan approved",
    "passage:plan:approval:void": "Plan approval voided",
    "passage:plan:told": "The person was told of the plan",
    "passage:handover:confirm": "Handover confirmed",
    "passage:handover:revise": "Handover word revised",
    "passage:handover:dispute": "Handover disputed",
    "passage:custody:record": "Custody link recorded",
    "child:protection:record": "Handover to child protection recorded",
    "child:protection:confirm": "Handover to child protection confirmed",
    "child:protection:revise": "Word on the child-protection handover revised",
    "child:protection:dispute": "Handover to child protection disputed",
    "approval:request": "Approval asked for",
    "approval:approved": "Request approved",
    "approval:rejected": "Request rejected",
}


@dataclass(frozen=True)
class Entry:
    at: datetime
    who: str
    what: str
    why: str = ""
    facts: list[str] = field(default_factory=list)
    from_stage: str | None = None
    to_stage: str | None = None


def officer_ids(view: CaseOut) -> set[str]:
    """Officers the page names: assignees, note authors, and those assigned in the history."""
    found = set(view.assignees) | {note.author_id for note in view.notes}
    for event in view.timeline:
        assigned = (event.detail or {}).get("assignees")
        if isinstance(assigned, list):
            found.update(str(officer_id) for officer_id in assigned)
    return found


def _protection(value: object) -> str:
    if not isinstance(value, dict):
        return ""
    level = value.get("classification")
    name = Classification(level).name if isinstance(level, int) else "?"
    release = value.get("release") or []
    nations = ", ".join(str(nation) for nation in release) if isinstance(release, list) else ""
    return f"{name}{' REL TO ' + nations if nations else ''}"


def _passage(detail: dict[str, object]) -> list[str]:
    """The way home's facts: where and when, each side's word, each custody link."""
    facts = []
    if (point := detail.get("point")) and isinstance(window := detail.get("window"), str):
        facts.append(f"{point}, {datetime.fromisoformat(window):%Y-%m-%d %H:%M} UTC")
    if because := detail.get("because"):
        facts.append(str(because))
    if (side := detail.get("side")) in SIDE_WORDS:
        said = "it happened" if detail.get("happened") else "it did not happen"
        facts.append(f"{SIDE_WORDS[str(side)]}: {said}")
        facts.append(STATE_WORDS.get(str(detail.get("state")), ""))
    if (kind := detail.get("kind")) in KIND_WORDS:
        facts.append(f"link {detail.get('position')}: {KIND_WORDS[str(kind)]}")
    return [fact for fact in facts if fact]


def _child_protection(detail: dict[str, object]) -> list[str]:
    """A side's word on a child's handover: which side, yes or no, and the state it gives."""
    if (side := detail.get("side")) not in child_protection.SIDE_WORDS:
        return []
    said = "it happened" if detail.get("happened") else "it did not happen"
    state = child_protection.STATE_WORDS.get(str(detail.get("state")), "")
    return [f"{child_protection.SIDE_WORDS[str(side)]}: {said}", *([state] if state else [])]


def _release(detail: dict[str, object]) -> list[str]:
    """A release's basis (its kind, never its sealed details), flags and review."""
    facts = []
    basis = detail.get("basis")
    if isinstance(basis, dict) and isinstance(nations := basis.get("nations"), list):
        words = release_basis.KINDS.get(str(basis.get("kind")), str(basis.get("kind")))
        facts.append(f"basis for {', '.join(str(n) for n in nations)}: {words}")
    if isinstance(flagged := detail.get("flagged"), list):
        listed = ", ".join(str(n) for n in flagged) or "none"
        facts.append(f"releases flagged for review: {listed}")
    if detail.get("decision") in {"keep", "remove"} and (nation := detail.get("nation")):
        facts.append(f"{nation} {'kept' if detail['decision'] == 'keep' else 'removed'}")
    return facts


def describe(event: EventOut, names: dict[str, str]) -> Entry:
    detail = event.detail or {}
    facts: list[str] = _passage(detail) if event.kind.startswith("passage:") else []
    if event.kind.startswith("child:protection:"):
        facts += _child_protection(detail)
    if verifier := detail.get("verified_by"):
        facts.append(f"identity verified by {verifier}")
    if target := detail.get("to"):
        facts.append(f"to the {target} desk")
    if asks := detail.get("asks"):
        facts.append(f"asks to {asks}")
    if source := detail.get("from"):
        facts.append(f"from the {source} desk")
    if isinstance(labels := detail.get("labels"), list):
        facts.append("labels: " + (", ".join(str(label) for label in labels) or "none"))
    if isinstance(assigned := detail.get("assignees"), list):
        people = ", ".join(names.get(str(officer_id), "?") for officer_id in assigned)
        facts.append("assigned: " + (people or "nobody"))
    if isinstance(linked := detail.get("conversations"), list):
        facts.append(f"linked to {len(linked)} conversation{'' if len(linked) == 1 else 's'}")
    if "after" in detail:
        facts.append(f"{_protection(detail.get('before'))} → {_protection(detail['after'])}")
    facts.extend(_release(detail))
    why = detail.get("note") or detail.get("reason") or ""
    return Entry(
        at=event.at,
        who=event.actor,
        what=WHAT.get(event.kind, event.kind),
        why=str(why),
        facts=facts,
        from_stage=event.from_stage,
        to_stage=event.to_stage,
    )
