"""The households tests' world: cases of a desk (an adult, a child by date of birth or by none),
links made and removed as one call each, and what is stored (to show a refusal stored nothing)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from homeward.accounts import service as accounts_service
from homeward.audit.models import AuditEvent
from homeward.cases import children
from homeward.cases import service as case_service
from homeward.cases.child_models import AgeEstimate
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.models import Case, CaseEvent
from homeward.cases.release_basis import Basis
from homeward.core.runtime import Runtime
from homeward.households import best_interests
from homeward.households import service as households
from homeward.households.models import BestInterests, BestInterestsWrap, HouseholdLink
from homeward.policy import binding
from homeward.policy.labels import Classification
from tests import helpers


def open_case(
    runtime: Runtime,
    persona: helpers.Persona,
    *,
    given: str = "Karim",
    born: str = "1993",
    release: tuple[str, ...] = (),
    classification: int = int(Classification.RESTRICTED),
) -> str:
    """A case of the persona's desk (the desk key granted to colleagues, as a sign-in does)."""
    keyring = helpers.keyring(runtime, persona)
    with runtime.db.transaction() as session:
        case = case_service.open_case(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            settings=runtime.settings,
            data=case_service.CaseOpen(
                identity=ClaimedIdentity(
                    given_names=given,
                    family_name="Benali",
                    date_of_birth=born,
                    nationalities=[persona.nation],
                ),
                release=list(release),
                basis=Basis("legal_obligation", grounds="Synthetic: court order."),
                classification=classification,
            ),
        )
        accounts_service.grant_pending_keys(session=session, keyring=keyring)
        return case.id


def reference(runtime: Runtime, case_id: str) -> str:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: a case's reference")
        found = session.get(Case, case_id)
        assert found is not None
        return found.reference


def link(
    runtime: Runtime,
    persona: helpers.Persona,
    case_id: str,
    member_id: str,
    *,
    relation: str = "child",
    basis: str = "stated",
) -> str:
    member_reference = reference(runtime, member_id)
    with runtime.db.transaction() as session:
        return households.link(
            session=session,
            principal=helpers.keyring(runtime, persona).principal,
            secrets=runtime.secrets,
            case_id=case_id,
            member_reference=member_reference,
            relation=relation,
            basis=basis,
        )


def members(runtime: Runtime, persona: helpers.Persona, case_id: str) -> list[households.Member]:
    with runtime.db.transaction() as session:
        return households.household(
            session=session, principal=helpers.keyring(runtime, persona).principal, case_id=case_id
        )


def estimate(runtime: Runtime, persona: helpers.Persona, case_id: str, years: int) -> None:
    with runtime.db.transaction() as session:
        children.record_estimate(
            session=session,
            keyring=helpers.keyring(runtime, persona),
            secrets=runtime.secrets,
            case_id=case_id,
            years=years,
            basis="medical",
        )


def event_kinds(runtime: Runtime, case_id: str) -> list[str]:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: a case's history")
        return list(
            session.scalars(
                select(CaseEvent.kind).where(CaseEvent.case_id == case_id).order_by(CaseEvent.at)
            )
        )


@dataclass(frozen=True)
class Stored:
    """What a refusal must leave as it was."""

    links: tuple[tuple[str, str, str, str, str], ...]
    estimates: int
    assessments: int
    wraps: int
    events: int
    audit: int
    stages: tuple[tuple[str, str], ...]


def stored(runtime: Runtime) -> Stored:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: what is stored")

        def count(model: type[object]) -> int:
            return session.scalar(select(func.count()).select_from(model)) or 0

        return Stored(
            links=tuple(
                (row.case_id, row.member_case_id, row.relation, row.basis, row.owner_nation)
                for row in session.scalars(select(HouseholdLink).order_by(HouseholdLink.id))
            ),
            estimates=count(AgeEstimate),
            assessments=count(BestInterests),
            wraps=count(BestInterestsWrap),
            events=count(CaseEvent),
            audit=count(AuditEvent),
            stages=tuple(
                (row.id, row.stage)
                for row in session.execute(select(Case.id, Case.stage).order_by(Case.id))
            ),
        )


def child_assessment(runtime: Runtime, persona: helpers.Persona) -> str:
    """A child's case of the persona's desk with one best-interests assessment; its id."""
    child = open_case(runtime, persona, given="Yasmine", born="2014")
    with runtime.db.transaction() as session:
        return best_interests.record(
            session=session,
            keyring=helpers.keyring(runtime, persona),
            secrets=runtime.secrets,
            case_id=child,
            outcome="Reunification with the mother recommended.",
        ).id
