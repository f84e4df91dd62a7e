"""The case follows its plans (passage/flows.py): approval moves a cleared case to passage
planned, a change or a cancellation moves it back, each with why; the generic stage route
never makes either move; a window passed without handover is missed; the person is told in
their language only when an officer sends the edited draft. Both engines."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from homeward.cases import service as case_service
from homeward.cases import transitions
from homeward.cases.exceptions import TransitionNotAllowed
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.models import Case, CaseEvent
from homeward.contact import inbox as contact_inbox
from homeward.contact import service as contact_service
from homeward.core.errors import NotFound
from homeward.core.runtime import Runtime
from homeward.passage import flows
from homeward.policy import binding
from tests import helpers
from tests.passage import world


@pytest.fixture
def point_id(runtime: Runtime, personas: helpers.Personas) -> str:
    return world.make_point(runtime, personas["coordinator"], capacity=2)


def stage_of(runtime: Runtime, case_id: str) -> str:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: the case's stage")
        return str(session.scalar(select(Case.stage).where(Case.id == case_id)))


def moves(runtime: Runtime, case_id: str) -> list[tuple[str | None, str | None, str]]:
    """The case's stage changes: from, to, and the note (sealed; opened as the system)."""
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: the case's moves")
        events = session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case_id, CaseEvent.kind == "case:stage:change")
            .order_by(CaseEvent.at)
        )
        return [
            (
                event.from_stage,
                event.to_stage,
                str(json.loads(runtime.secrets.open_field(event.detail_sealed)).get("note", ""))
                if event.detail_sealed
                else "",
            )
            for event in events
        ]


def run(runtime: Runtime, persona: helpers.Persona, action: str, plan_id: str, **more: str) -> None:
    keyring = helpers.keyring(runtime, persona)
    with runtime.db.transaction() as session:
        common = {"session": session, "keyring": keyring, "secrets": runtime.secrets}
        if action == "approve":
            flows.approve(**common, plan_id=plan_id)
        elif action == "change":
            flows.change(**common, plan_id=plan_id, details=world.details("v2"))
        else:
            flows.cancel(**common, plan_id=plan_id, reason=more["reason"])


def test_the_stage_route_never_moves_a_case_into_or_out_of_passage_planned(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    supervisor = personas["fra_supervisor"]
    case_id = world.cleared_case(runtime, personas["fra_officer"])
    planned_id = world.cleared_case(runtime, supervisor, family="Amrani", stage="passage_planned")
    before = world.stored(runtime)
    for case, target in ((case_id, "passage_planned"), (planned_id, "cleared")):
        with (
            pytest.raises(TransitionNotAllowed, match="only through an approved passage plan"),
            runtime.db.transaction() as session,
        ):
            transitions.transition(
                session=session,
                keyring=helpers.keyring(runtime, supervisor),
                secrets=runtime.secrets,
                case_id=case,
                to_stage=target,
                note="by hand",
            )
    assert world.stored(runtime) == before
    assert (stage_of(runtime, case_id), stage_of(runtime, planned_id)) == (
        "cleared",
        "passage_planned",
    )


def test_a_move_that_does_not_exist_names_only_the_moves_made_by_hand(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    """From `cleared`, the refusal of a move that does not exist offers the exits an officer
    makes by hand, and says that `passage planned` comes only through an approved plan."""
    officer = personas["fra_officer"]
    case_id = world.cleared_case(runtime, officer)
    with (
        pytest.raises(TransitionNotAllowed) as refused,
        runtime.db.transaction() as session,
    ):
        transitions.transition(
            session=session,
            keyring=helpers.keyring(runtime, officer),
            secrets=runtime.secrets,
            case_id=case_id,
            to_stage="repatriated",
            note="skip ahead",
        )
    message = str(refused.value)
    by_hand = message.split("you can move it to: ")[1].split(";", maxsplit=1)[0]
    assert "withdrawn" in by_hand
    assert "passage planned" not in by_hand
    assert "it becomes passage planned only through an approved passage plan" in message


def test_approval_moves_the_case_and_a_change_or_cancellation_moves_it_back(
    runtime: Runtime, personas: helpers.Personas, point_id: str
) -> None:
    officer, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    case_id = world.cleared_case(runtime, officer)
    plan_id = world.book(
        runtime, officer, case_id, point_id, world.window(world.day_ahead(), "09:00")
    )
    assert stage_of(runtime, case_id) == "cleared"
    run(runtime, supervisor, "approve", plan_id)
    assert stage_of(runtime, case_id) == "passage_planned"
    run(runtime, officer, "change", plan_id)
    assert stage_of(runtime, case_id) == "cleared"
    run(runtime, supervisor, "approve", plan_id)
    run(runtime, officer, "cancel", plan_id, reason="The crossing is unsafe this week.")
    assert stage_of(runtime, case_id) == "cleared"
    assert moves(runtime, case_id) == [
        ("cleared", "passage_planned", "plan approved: Rabia crossing"),
        (
            "passage_planned",
            "cleared",
            "plan changed: its approval is void until a supervisor approves it again",
        ),
        ("cleared", "passage_planned", "plan approved: Rabia crossing"),
        ("passage_planned", "cleared", "plan cancelled: The crossing is unsafe this week."),
    ]


def test_a_change_before_approval_leaves_the_stage_alone(
    runtime: Runtime, personas: helpers.Personas, point_id: str
) -> None:
    officer = personas["fra_officer"]
    case_id = world.cleared_case(runtime, officer)
    plan_id = world.book(
        runtime, officer, case_id, point_id, world.window(world.day_ahead(), "09:00")
    )
    run(runtime, officer, "change", plan_id)
    assert stage_of(runtime, case_id) == "cleared"
    assert moves(runtime, case_id) == []


def test_a_window_passed_without_handover_is_missed_until_rebooked_or_cancelled(
    runtime: Runtime, personas: helpers.Personas, point_id: str
) -> None:
    officer, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    case_id = world.cleared_case(runtime, officer)
    other_id = world.cleared_case(runtime, officer, family="Amrani")
    day = world.day_ahead()
    plan_id = world.book(runtime, officer, case_id, point_id, world.window(day, "09:00"))
    other_plan = world.book(runtime, officer, other_id, point_id, world.window(day, "09:00"))
    run(runtime, supervisor, "approve", plan_id)
    after = world.window(day, "10:30")

    def missed(persona: helpers.Persona) -> list[str]:
        with runtime.db.transaction() as session:
            principal = world.principal(runtime, persona)
            return [
                m.plan_id for m in flows.missed(session=session, principal=principal, now=after)
            ]

    assert sorted(missed(officer)) == sorted([plan_id, other_plan])
    assert missed(personas["deu_officer"]) == []
    assert missed(personas["coordinator"]) == []
    # The person was handed over: nothing missed (the handover is another step's business).
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: the case handed over")
        session.execute(update(Case).where(Case.id == case_id).values(stage="handed_over"))
    assert missed(officer) == [other_plan]
    run(runtime, officer, "cancel", other_plan, reason="He was not there.")
    assert missed(officer) == []


def conversation_case(runtime: Runtime, persona: helpers.Persona, language: str) -> tuple[str, str]:
    """A letter in `language` and a cleared case opened from it: (case, conversation)."""
    with runtime.db.transaction() as session:
        _codename, contact, keys = contact_service.start(
            session=session, secrets=runtime.secrets, cost=runtime.cost
        )
        message = contact_service.write(
            session=session,
            secrets=runtime.secrets,
            contact_id=contact.id,
            keys=keys,
            text="Synthetic: I want to come home.",
            desk_code=persona.nation,
            files=[],
            max_chars=1000,
            language=language,
        )
        conversation_id = message.conversation_id
    with runtime.db.transaction() as session:
        case = case_service.open_case(
            session=session,
            keyring=helpers.keyring(runtime, persona),
            secrets=runtime.secrets,
            settings=runtime.settings,
            data=case_service.CaseOpen(
                identity=ClaimedIdentity(given_names="Karim", family_name="Benali"),
                conversation_ids=[conversation_id],
            ),
        )
        case_id = case.id
    with runtime.db.transaction() as session:
        binding.as_system(session, "test set-up: cleared")
        session.execute(update(Case).where(Case.id == case_id).values(stage="cleared"))
    return case_id, conversation_id


def test_the_contact_is_told_in_their_language_only_when_the_officer_sends(
    runtime: Runtime, personas: helpers.Personas, point_id: str
) -> None:
    officer = personas["fra_officer"]
    case_id, conversation_id = conversation_case(runtime, officer, "ar")
    day = world.day_ahead()
    plan_id = world.book(runtime, officer, case_id, point_id, world.window(day, "09:00"))
    keyring = helpers.keyring(runtime, officer)
    with runtime.db.transaction() as session:
        drafted = flows.draft(session=session, keyring=keyring, plan_id=plan_id)
    assert [(r.conversation_id, r.language) for r in drafted.recipients] == [
        (conversation_id, "ar")
    ]
    text = drafted.texts["ar"]
    assert "تمّ ترتيب طريق عودتك" in text
    assert "Rabia crossing (Tal Afar district)" in text
    assert "بين الساعة 09:00 والساعة 10:00" in text
    assert "Identity papers, no weapon" in text
    assert "Same time the next day" in text
    assert "Reception unit 4" not in text  # the receiving unit stays with the officers
    before = world.stored(runtime)
    with runtime.db.transaction() as session:
        view = contact_inbox.read(session=session, keyring=keyring, conversation_id=conversation_id)
    assert len(view.messages) == 1, "a draft sends nothing"

    edited = text + "\nمع السلامة"
    with runtime.db.transaction() as session:
        flows.tell(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            plan_id=plan_id,
            conversation_id=conversation_id,
            text=edited,
        )
    with runtime.db.transaction() as session:
        view = contact_inbox.read(session=session, keyring=keyring, conversation_id=conversation_id)
    assert view.messages[-1].text == edited
    assert world.stored(runtime).events == before.events + 1
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: the told event")
        kinds = session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case_id))
        assert "passage:plan:told" in list(kinds)


def test_telling_a_conversation_of_another_case_is_refused_and_sends_nothing(
    runtime: Runtime, personas: helpers.Personas, point_id: str
) -> None:
    officer = personas["fra_officer"]
    case_id, _mine = conversation_case(runtime, officer, "fr")
    _other_case, other_conversation = conversation_case(runtime, officer, "en")
    plan_id = world.book(
        runtime, officer, case_id, point_id, world.window(world.day_ahead(), "09:00")
    )
    before = world.stored(runtime)
    with pytest.raises(NotFound), runtime.db.transaction() as session:
        flows.tell(
            session=session,
            keyring=helpers.keyring(runtime, officer),
            secrets=runtime.secrets,
            plan_id=plan_id,
            conversation_id=other_conversation,
            text="Bonjour",
        )
    assert world.stored(runtime) == before
    with runtime.db.transaction() as session:
        drafted = flows.draft(
            session=session, keyring=helpers.keyring(runtime, officer), plan_id=plan_id
        )
    assert "Votre retour est organisé." in drafted.texts["fr"]
