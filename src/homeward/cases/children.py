"""Whose case is a child's: under 18 by the claimed date of birth, or, where there is none, by
an officer's age estimate with its basis.

This sits in cases because the stage guard needs it (`transitions.transition` refuses a child's
case every stage in `states.CHILD_NEVER`, whichever step asks, the custody step included), and
cases cannot import the capabilities above it. The best-interests assessment and the rest of a
child's path are in households/.

In doubt, the person is a child (the presumption of minority): a date of birth given as a year
alone counts as the last day of that year, a month alone as the month's last day.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from homeward.accounts.service import Keyring
from homeward.cases import service as case_service
from homeward.cases.child_models import AgeEstimate
from homeward.cases.models import Case
from homeward.core.db import utcnow
from homeward.core.errors import BadInput, NotFound
from homeward.crypto.keys import ServerSecrets
from homeward.policy import roles

ADULT_AT = 18
MAX_ESTIMATE = 120
BASES = {
    "stated": "stated by the person or the family",
    "observed": "an officer's observation",
    "document": "a document",
    "medical": "a medical or dental assessment",
}
"""How an age estimate is known (the keys are what is stored)."""


@dataclass(frozen=True)
class Age:
    """Whether the case is a child's, and on what it rests, in words."""

    child: bool
    because: str


def eighteenth_birthday(date_of_birth: str) -> date | None:
    """The latest day the person can turn 18 by a partial date (`YYYY`, `~YYYY`, `YYYY-MM`,
    `YYYY-MM-DD`, as identities store them); None without a date."""
    text = date_of_birth.strip().lstrip("~")
    if not text:
        return None
    parts = [int(part) for part in text.split("-")]
    year = parts[0] + ADULT_AT
    month = parts[1] if len(parts) > 1 else 12
    day = parts[2] if len(parts) > 2 else calendar.monthrange(year, month)[1]
    if month == 2 and day == 29 and not calendar.isleap(year):
        day = 28
    return date(year, month, day)


def age_of(date_of_birth: str, estimate: AgeEstimate | None, today: date) -> Age | None:
    """The date of birth decides where there is one, else the newest estimate (grown by the
    years since it was made); None when neither is on file."""
    adult_on = eighteenth_birthday(date_of_birth)
    if adult_on is not None:
        return Age(today < adult_on, f"born {date_of_birth} by the claimed identity")
    if estimate is None:
        return None
    grown = estimate.years + _whole_years(estimate.recorded_at.date(), today)
    return Age(
        grown < ADULT_AT,
        f"estimated {estimate.years} years old on {estimate.recorded_at:%Y-%m-%d} "
        f"({BASES.get(estimate.basis, estimate.basis)})",
    )


def _whole_years(since: date, today: date) -> int:
    years = today.year - since.year
    return years - 1 if (today.month, today.day) < (since.month, since.day) else years


def newest_estimate(session: Session, case: Case) -> AgeEstimate | None:
    return session.scalar(
        select(AgeEstimate)
        .where(AgeEstimate.case_id == case.id)
        .order_by(AgeEstimate.recorded_at.desc())
        .limit(1)
    )


def age(
    session: Session, secrets: ServerSecrets, case: Case, today: date | None = None
) -> Age | None:
    """The case's age as the guards read it (the caller has already been allowed the case)."""
    born = case_service.identity_of(secrets, case).date_of_birth
    estimate = None if born else newest_estimate(session, case)
    return age_of(born, estimate, today or utcnow().date())


def record_estimate(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    case_id: str,
    years: int,
    basis: str,
) -> AgeEstimate:
    """The owning desk's estimate of the person's age, where the case has no date of birth
    (a date of birth is corrected in the identity instead). A case event and an audit entry."""
    principal = keyring.principal
    case = case_service.get_case(
        session=session, principal=principal, case_id=case_id, permission=roles.CASE_EDIT
    )
    if case.owner_nation != principal.nation:
        raise NotFound("case")
    if isinstance(years, bool) or not isinstance(years, int) or not 0 <= years <= MAX_ESTIMATE:
        raise BadInput("years", f"a whole number of years from 0 to {MAX_ESTIMATE}")
    if basis not in BASES:
        raise BadInput("basis", f"{basis!r} is not one of: {', '.join(BASES)}")
    identity = case_service.identity_of(secrets, case)
    if identity.date_of_birth:
        raise BadInput(
            "years",
            "the case has a date of birth; correct the identity instead of estimating the age",
        )
    estimate = AgeEstimate(
        case_id=case.id,
        years=years,
        basis=basis,
        recorded_by=principal.officer_id,
        recorded_at=utcnow(),
    )
    session.add(estimate)
    # The case's age band for programme figures follows the estimate (grown back to the
    # opening), as it follows a date of birth.
    case_service.set_statistics(
        case, identity, estimated_years=years, estimated_on=estimate.recorded_at.date()
    )
    case_service.record_event(
        session=session,
        secrets=secrets,
        principal=principal,
        case=case,
        kind="case:age:estimate",
        detail={"years": years, "basis": basis},
    )
    session.flush()
    return estimate
