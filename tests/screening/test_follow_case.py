"""A case's screening assessments follow the case (cases/followers.py, screening/follow.py):
they take the case's new level when its protection changes (and keep their own release list),
and its new owner's key when it is transferred; a refused transfer takes the receiving desk's
wraps away again. Both engines, real keys."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from homeward.accounts import service as accounts_service
from homeward.cases import flows as case_flows
from homeward.cases import transfers
from homeward.cases.release_basis import Basis
from homeward.core.errors import Forbidden, NotFound
from homeward.core.runtime import Runtime
from homeward.policy import binding
from homeward.screening import service as screening
from homeward.screening.models import ScreeningAssessment
from tests import helpers
from tests.screening import world

REASONS = "Synthetic reasons: account consistent with the registry."


def reviewed(runtime: Runtime, personas: helpers.Personas) -> tuple[str, str]:
    """A FRA case cleared through a reviewed assessment: (case id, assessment id)."""
    fra, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    case_id = world.open_case(runtime, fra, verified_by=supervisor)
    assessment_id = world.write(runtime, fra, case_id, world.answers(marker="follow"))
    world.review(runtime, supervisor, assessment_id, reasons=REASONS)
    return case_id, assessment_id


def request(runtime: Runtime, persona: helpers.Persona, case_id: str) -> str:
    with runtime.db.transaction() as session:
        return transfers.request_transfer(
            session=session,
            keyring=helpers.keyring(runtime, persona),
            secrets=runtime.secrets,
            case_id=case_id,
            to_nation="DEU",
            reason="Dual national: his mother is German",
            basis=Basis("legal_obligation", grounds="Synthetic: court order."),
        ).id


def labels_and_desks(runtime: Runtime, assessment_id: str) -> tuple[tuple[str, int, str], set[str]]:
    """The assessment's labels as stored, and the desks its content key is sealed to."""
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: the assessment's labels and wraps as stored")
        key_desk = {
            key.id: key.desk_code
            for code in ("FRA", "DEU", "IRQ")
            for key in accounts_service.desk_keys(session=session, desk_code=code)
        }
        row = session.scalars(
            select(ScreeningAssessment).where(ScreeningAssessment.id == assessment_id)
        ).one()
        return (row.owner_nation, row.classification, row.release), {
            key_desk[wrap.desk_key_id] for wrap in row.wraps
        }


def opened(
    runtime: Runtime, persona: helpers.Persona, assessment_id: str
) -> screening.AssessmentView:
    with runtime.db.transaction() as session:
        return screening.open_assessment(
            session=session, keyring=helpers.keyring(runtime, persona), assessment_id=assessment_id
        )


def test_the_assessment_takes_the_case_s_new_level_and_keeps_its_own_release_list(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra = personas["fra_officer"]
    case_id, assessment_id = reviewed(runtime, personas)
    assert labels_and_desks(runtime, assessment_id)[0] == ("FRA", 1, "")
    with runtime.db.transaction() as session:
        case_flows.set_protection(
            session=session,
            principal=helpers.keyring(runtime, fra).principal,
            secrets=runtime.secrets,
            settings=runtime.settings,
            case_id=case_id,
            classification=2,
            release=["DEU"],
            reason="test: who may read changes",
            basis=Basis("legal_obligation", grounds="Synthetic: court order."),
        )
    assert labels_and_desks(runtime, assessment_id) == (("FRA", 2, ""), {"FRA"})
    with pytest.raises((NotFound, Forbidden)):
        opened(runtime, personas["deu_officer"], assessment_id)
    assert opened(runtime, fra, assessment_id).reasons == REASONS


def test_a_transfer_hands_the_assessment_to_the_new_desk_and_takes_it_from_the_old(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra, deu = personas["fra_officer"], personas["deu_officer"]
    case_id, assessment_id = reviewed(runtime, personas)
    transfer_id = request(runtime, fra, case_id)
    assert labels_and_desks(runtime, assessment_id)[1] == {"FRA", "DEU"}
    with runtime.db.transaction() as session:
        case_flows.accept_transfer(
            session=session,
            keyring=helpers.keyring(runtime, deu),
            secrets=runtime.secrets,
            transfer_id=transfer_id,
        )
    assert labels_and_desks(runtime, assessment_id) == (("DEU", 1, ""), {"DEU"})
    view = opened(runtime, deu, assessment_id)
    assert view.answers == world.answers(marker="follow")
    assert view.reasons == REASONS
    with pytest.raises((NotFound, Forbidden)):
        opened(runtime, fra, assessment_id)


def test_a_refused_transfer_takes_the_new_desk_s_wraps_away_again(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra, deu = personas["fra_officer"], personas["deu_officer"]
    case_id, assessment_id = reviewed(runtime, personas)
    transfer_id = request(runtime, fra, case_id)
    assert labels_and_desks(runtime, assessment_id)[1] == {"FRA", "DEU"}
    with runtime.db.transaction() as session:
        transfers.refuse_transfer(
            session=session,
            keyring=helpers.keyring(runtime, deu),
            secrets=runtime.secrets,
            transfer_id=transfer_id,
            reason="Not ours: his German papers are forged",
        )
    assert labels_and_desks(runtime, assessment_id) == (("FRA", 1, ""), {"FRA"})
    assert opened(runtime, fra, assessment_id).reasons == REASONS
