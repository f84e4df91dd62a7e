"""The HTTP status of each error, in one table: the services raise narrow exceptions and know
nothing of HTTP; the pages and the API answer with the status found here.

A class without its own entry takes its nearest ancestor's (`UnknownDesk` answers as
`NotFound`); tests/web/test_errors.py checks that every error in the package is placed on
purpose rather than falling through to the base.
"""

from __future__ import annotations

from homeward.accounts.exceptions import SessionExpired, SignInCeiling, SignInRefused, SignInWait
from homeward.approvals.exceptions import ApprovalConflict
from homeward.cases.exceptions import TransferConflict, TransitionNotAllowed
from homeward.contact.exceptions import CodenameRefused
from homeward.core.backup_engines import BackupRefused
from homeward.core.errors import (
    BadInput,
    Busy,
    Forbidden,
    HomewardError,
    NotFound,
    RateLimited,
    TooLarge,
)
from homeward.identity.decisions import DecisionConflict
from homeward.passage.exceptions import ApprovalRefused, PlanSettled, WindowFull
from homeward.policy.binding import UnboundQuery
from homeward.screening.exceptions import AssessmentLocked, ReviewRefused
from homeward.screening.instrument import InstrumentInvalid

STATUSES: dict[type[HomewardError], int] = {
    HomewardError: 400,  # a malformed page form, worded by the framework (web/app.py)
    BadInput: 400,
    TooLarge: 413,
    NotFound: 404,  # missing, or not visible to this officer: the same answer on purpose
    Forbidden: 403,
    Busy: 503,
    RateLimited: 429,
    SignInRefused: 401,
    SessionExpired: 401,
    SignInWait: 429,
    SignInCeiling: 429,
    CodenameRefused: 401,
    TransitionNotAllowed: 409,
    TransferConflict: 409,
    DecisionConflict: 409,
    WindowFull: 409,  # the last place went to someone else: the window, not the input, is wrong
    ApprovalRefused: 409,  # the plan's state (author, cancelled, already approved) refuses it
    PlanSettled: 409,  # a side's word on the handover keeps the plan as it is
    AssessmentLocked: 409,  # submitted, or another officer's draft: its state refuses it
    ReviewRefused: 409,  # the author, a draft, already decided, or a case not yet verified
    ApprovalConflict: 409,  # the requester, already decided, or a case no longer at the stage
    InstrumentInvalid: 500,  # a bad instrument file in the programme's folder: set-up, not input
    UnboundQuery: 500,  # a bug: a protected table queried with nobody to decide for
    BackupRefused: 400,  # the command line's; no route raises it
}


def status_of(exc: HomewardError) -> int:
    """The status of the nearest class in `exc`'s ancestry that the table names."""
    for kind in type(exc).__mro__:
        if kind in STATUSES:
            return STATUSES[kind]
    return 500  # not a HomewardError at all: cannot happen with the handlers' types
