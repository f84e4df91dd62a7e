"""Cases through their services: open, list with every filter, guarded stages, notes sealed
to the desk, transfers, and the policy filter that no query escapes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased

from homeward.cases import flows as case_flows
from homeward.cases import listing as case_listing
from homeward.cases import release_basis, transfers, transitions
from homeward.cases import service as case_service
from homeward.cases.exceptions import TransitionNotAllowed
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.models import Case, CaseNoteWrap
from homeward.cases.release_basis import Basis
from homeward.core.db import utcnow
from homeward.core.errors import BadInput, NotFound
from homeward.core.runtime import Runtime
from homeward.policy import binding
from homeward.policy.binding import UnboundQuery
from tests import helpers
from tests.screening import world as screening_world

OPENING_BASIS = release_basis.Basis("legal_obligation", grounds="Synthetic: court order.")
"""What a case opened with a release list gives for it."""


def _open(
    runtime: Runtime, persona: helpers.Persona, given: str, family: str, **extra: object
) -> str:
    keyring = helpers.keyring(runtime, persona)
    with runtime.db.transaction() as session:
        case = case_flows.open_case(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            settings=runtime.settings,
            data=case_service.CaseOpen(
                identity=ClaimedIdentity(
                    given_names=given,
                    family_name=family,
                    date_of_birth="1994",
                    nationalities=["FRA"],
                ),
                **{"basis": OPENING_BASIS, **extra},  # type: ignore[arg-type]
            ),
        )
        return case.id


def _list(runtime: Runtime, persona: helpers.Persona, **query: object) -> case_listing.CasePage:
    with runtime.db.transaction() as session:
        return case_listing.list_cases(
            session=session,
            principal=helpers.keyring(runtime, persona).principal,
            secrets=runtime.secrets,
            settings=runtime.settings,
            query=case_listing.CaseQuery(**query),  # type: ignore[arg-type]
        )


def test_open_list_search_and_need_to_know(runtime: Runtime, personas: helpers.Personas) -> None:
    fra, deu = personas["fra_officer"], personas["deu_officer"]
    first = _open(runtime, fra, "Mohamed", "Benali", labels=["Priority"])
    _open(runtime, fra, "Youssef", "Amrani")
    _open(runtime, deu, "Jonas", "Becker")
    page = _list(runtime, fra)
    assert page.total == 2
    assert {row.display_name for row in page.rows} == {"Mohamed BENALI", "Youssef AMRANI"}
    assert page.counts == {"new": 2}
    assert _list(runtime, fra, text="benali").rows[0].id == first
    assert _list(runtime, fra, text="BÉNALI mohamed").total == 1
    assert _list(runtime, fra, text="becker").total == 0  # DEU's case stays invisible
    assert _list(runtime, fra, label="priority").total == 1
    assert _list(runtime, deu).total == 1
    with pytest.raises(NotFound), runtime.db.transaction() as session:
        case_service.get_case(
            session=session,
            principal=helpers.keyring(runtime, deu).principal,
            case_id=first,
            permission="officer:case:read",
        )


def test_release_list_lets_another_nation_read_but_not_move(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    case_id = _open(runtime, personas["fra_officer"], "Karim", "Haddad", release=["DEU"])
    deu = personas["deu_officer"]
    assert _list(runtime, deu).total == 1
    with pytest.raises(NotFound), runtime.db.transaction() as session:
        transitions.transition(
            session=session,
            keyring=helpers.keyring(runtime, deu),
            secrets=runtime.secrets,
            case_id=case_id,
            to_stage="in_contact",
        )


def test_stages_are_guarded(runtime: Runtime, personas: helpers.Personas) -> None:
    officer, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    case_id = _open(runtime, officer, "Anis", "Mansouri")

    def move(persona: helpers.Persona, stage: str, **extra: str) -> None:
        with runtime.db.transaction() as session:
            transitions.transition(
                session=session,
                keyring=helpers.keyring(runtime, persona),
                secrets=runtime.secrets,
                case_id=case_id,
                to_stage=stage,
                **extra,
            )

    with pytest.raises(TransitionNotAllowed, match="A case that is new cannot be moved to cleared"):
        move(officer, "cleared", note="skip ahead")
    with pytest.raises(BadInput, match="there is no stage called"):
        move(officer, "teleported")
    move(officer, "in_contact")
    with pytest.raises(BadInput, match="note"):
        move(officer, "identity_verified", verified_by=supervisor.username)
    with pytest.raises(BadInput, match="verified_by"):
        move(officer, "identity_verified", note="passport seen", verified_by="nobody")
    move(officer, "identity_verified", note="passport seen", verified_by=supervisor.username)
    for persona in (officer, supervisor):  # only a reviewed screening decision clears it
        with pytest.raises(TransitionNotAllowed, match="only through a reviewed screening"):
            move(persona, "cleared", note="all checks done")
    screening_world.review(runtime, supervisor, screening_world.write(runtime, officer, case_id))
    page = _list(runtime, officer, stage="cleared")
    assert page.total == 1
    assert page.counts == {"cleared": 1}


def test_the_officer_who_entered_an_identity_cannot_verify_it(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    """Four eyes: whoever opened the case, or last changed its claimed identity, is refused as
    its verifier, with the reason, and the case stays where it was."""
    officer, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    case_id = _open(runtime, officer, "Walid", "Saidi")

    def move(persona: helpers.Persona, verifier: helpers.Persona, stage: str) -> str:
        with runtime.db.transaction() as session:
            case = transitions.transition(
                session=session,
                keyring=helpers.keyring(runtime, persona),
                secrets=runtime.secrets,
                case_id=case_id,
                to_stage=stage,
                note="Passport seen at the consulate.",
                verified_by=verifier.username,
            )
            return case.stage

    assert move(officer, officer, "in_contact") == "in_contact"
    for who in (officer, supervisor):  # naming the officer who entered it, whoever asks
        with pytest.raises(BadInput, match=r"fra\.officer entered this identity") as refused:
            move(who, officer, "identity_verified")
        assert refused.value.field == "verified_by"
    with runtime.db.transaction() as session:
        case_service.update_identity(
            session=session,
            principal=helpers.keyring(runtime, supervisor).principal,
            secrets=runtime.secrets,
            case_id=case_id,
            identity=ClaimedIdentity("Walid", "Saidi", date_of_birth="1992-03"),
            reason="His sister gave the month.",
        )
    with pytest.raises(BadInput, match=r"fra\.supervisor entered this identity"):
        move(supervisor, supervisor, "identity_verified")
    with runtime.db.transaction() as session:
        case = case_service.get_case(
            session=session,
            principal=helpers.keyring(runtime, officer).principal,
            case_id=case_id,
            permission="officer:case:read",
        )
        assert case.stage == "in_contact"
    assert move(supervisor, officer, "identity_verified") == "identity_verified"


def test_stale_cases_are_flagged(runtime: Runtime, personas: helpers.Personas) -> None:
    officer = personas["fra_officer"]
    old = _open(runtime, officer, "Samir", "Toumi")
    _open(runtime, officer, "Nabil", "Ferhat")
    with runtime.db.transaction() as session:
        from homeward.policy import binding

        binding.as_system(session, "test set-up: age a case")
        session.execute(
            update(Case).where(Case.id == old).values(stage_entered_at=utcnow() - timedelta(days=8))
        )
    page = _list(runtime, officer)
    assert page.stale_total == 1
    assert [row.id for row in page.rows if row.stale] == [old]
    assert [row.id for row in _list(runtime, officer, stale_only=True).rows] == [old]


def test_notes_are_sealed_and_follow_a_transfer(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra, deu = personas["fra_officer"], personas["deu_officer"]
    case_id = _open(runtime, fra, "Elias", "Weber")
    fra_keys = helpers.keyring(runtime, fra)
    with runtime.db.transaction() as session:
        transitions.add_note(
            session=session,
            keyring=fra_keys,
            secrets=runtime.secrets,
            case_id=case_id,
            text="Mother says he holds German papers too.",
        )
        transfer = transfers.request_transfer(
            session=session,
            keyring=fra_keys,
            secrets=runtime.secrets,
            case_id=case_id,
            to_nation="DEU",
            reason="dual national, born in Köln",
            basis=Basis("legal_obligation", grounds="Synthetic: court order."),
        )
        transfer_id = transfer.id
    deu_keys = helpers.keyring(runtime, deu)
    with runtime.db.transaction() as session:
        waiting = transfers.incoming(
            session=session, principal=deu_keys.principal, secrets=runtime.secrets
        )
        assert [item.id for item in waiting] == [transfer_id]
        case_flows.accept_transfer(
            session=session, keyring=deu_keys, secrets=runtime.secrets, transfer_id=transfer_id
        )
    assert _list(runtime, fra).total == 0
    assert _list(runtime, deu).total == 1
    with runtime.db.transaction() as session:
        case = case_service.get_case(
            session=session,
            principal=deu_keys.principal,
            case_id=case_id,
            permission="officer:case:read",
        )
        notes = transitions.read_notes(session=session, keyring=deu_keys, case=case)
        assert [note.text for note in notes] == ["Mother says he holds German papers too."]
        wraps = session.scalars(select(CaseNoteWrap)).all()
    assert len(wraps) == 1  # FRA's wrap is gone: FRA is not on the release list


def test_transfer_to_an_unknown_nation_is_refused(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    case_id = _open(runtime, personas["fra_officer"], "Omar", "Khalil")
    with pytest.raises(BadInput, match="to_nation"), runtime.db.transaction() as session:
        transfers.request_transfer(
            session=session,
            keyring=helpers.keyring(runtime, personas["fra_officer"]),
            secrets=runtime.secrets,
            case_id=case_id,
            to_nation="XYZ",
            reason="why not",
            basis=Basis("legal_obligation", grounds="Synthetic: court order."),
        )


def test_a_query_with_no_officer_bound_is_refused(runtime: Runtime) -> None:
    with pytest.raises(UnboundQuery), runtime.db.transaction() as session:
        session.scalars(select(Case)).all()
    with pytest.raises(UnboundQuery), runtime.db.transaction() as session:
        session.scalar(select(func.count()).select_from(Case))


def test_a_count_over_cases_counts_only_what_the_officer_may_read(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    """A count names no entity, only a FROM: the filter reaches it all the same, directly and
    through an alias."""
    _open(runtime, personas["fra_officer"], "Karim", "Benali")
    _open(runtime, personas["fra_officer"], "Yusuf", "Amrani", release=["DEU"])
    other = aliased(Case)
    counts = {}
    for who in ("fra_officer", "deu_officer", "coordinator"):
        with runtime.db.transaction() as session:
            binding.bind(session, helpers.keyring(runtime, personas[who]).principal)
            counts[who] = (
                session.scalar(select(func.count()).select_from(Case)),
                session.scalar(select(func.count()).select_from(other)),
            )
    assert counts == {"fra_officer": (2, 2), "deu_officer": (1, 1), "coordinator": (0, 0)}


@pytest.mark.parametrize(
    ("field", "identity"),
    [
        ("date_of_birth", ClaimedIdentity(family_name="X", date_of_birth="31/02/1990")),
        ("date_of_birth", ClaimedIdentity(family_name="X", date_of_birth="1990-02-31")),
        ("nationalities", ClaimedIdentity(family_name="X", nationalities=["France"])),
        ("family_name", ClaimedIdentity(family_name="X" * 201)),
    ],
)
def test_bad_identities_name_the_field(
    runtime: Runtime, personas: helpers.Personas, field: str, identity: ClaimedIdentity
) -> None:
    with pytest.raises(BadInput) as refused, runtime.db.transaction() as session:
        case_flows.open_case(
            session=session,
            keyring=helpers.keyring(runtime, personas["fra_officer"]),
            secrets=runtime.secrets,
            settings=runtime.settings,
            data=case_service.CaseOpen(identity=identity),
        )
    assert refused.value.field == field
    assert _list(runtime, personas["fra_officer"]).total == 0
