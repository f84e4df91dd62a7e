"""One figure run: who may ask for which view, the counting, disclosure control, the audit entry.

A nation's own view (`view="FRA"`) is for its supervisors (`figures:read`): counted with the
officer bound to the session, so the one policy binding filters every query exactly as it
filters their case list (a case above their clearance, or another nation's released to them,
is not counted), and shown in full unless `controlled=True` (a file to publish).

The coalition view (`view="coalition"`) is for roles with `figures:count` (supervisors, the
coordination cell), which grants no read of any record: the counting runs as counting work
over label, stage and time columns only (reports/counts.py), and what leaves this function is
always disclosure-controlled. Every run is one audit entry, whatever the view.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.audit import service as audit
from homeward.core.errors import BadInput, Forbidden
from homeward.core.settings import Settings, get_settings
from homeward.policy import binding, roles
from homeward.policy import check as policy
from homeward.reports import cache, counts, figures
from homeward.reports.disclosure import Rule
from homeward.reports.tables import Figures

COALITION = "coalition"


def views(principal: policy.Principal) -> list[str]:
    """The views this officer may ask for, own nation first."""
    found = []
    if roles.may(principal.role, roles.FIGURES_READ):
        found.append(principal.nation)
    if roles.may(principal.role, roles.FIGURES_COUNT):
        found.append(COALITION)
    return found


def run(
    session: Session,
    principal: policy.Principal,
    *,
    start: date,
    end: date,
    view: str,
    controlled: bool | None = None,
    settings: Settings | None = None,
    rule: Rule | None = None,
) -> Figures:
    """Every figure for [start, end) in one view. `controlled` defaults to the view's rule (the
    coalition always is; a nation's own is in full); `rule` defaults to the settings' 10-5."""
    settings = settings or get_settings()
    rule = _no_weaker(rule, Rule.of(settings))
    _check_period(start, end, settings)
    desks = accounts_service.coalition(session=session)
    view = view.strip()
    if view == COALITION:
        if not roles.may(principal.role, roles.FIGURES_COUNT):
            raise Forbidden("your role may not count the coalition's figures")
        if controlled is False:
            raise Forbidden("the coalition's figures are only shown disclosure-controlled")
        controlled = True
        binding.bind(session, principal)  # whatever the session does after the count
        with binding.unfiltered(session, "programme figures: counts of label and stage columns"):
            result = _counted(
                session,
                counts.Scope(start, end, None),
                view=view,
                desks=sorted(code for code, cell in desks.items() if not cell),
                reader=None,
                rule=rule,
                settings=settings,
            )
    else:
        view = view.upper()
        if view not in desks:
            raise BadInput("view", f"{COALITION!r} or a nation code of the coalition")
        if not roles.may(principal.role, roles.FIGURES_READ):
            raise Forbidden("your role may not read a nation's figures")
        if view != principal.nation:
            raise Forbidden("a nation's figures in full are for its own officers only")
        controlled = bool(controlled)
        binding.bind(session, principal)
        result = _counted(
            session,
            counts.Scope(start, end, view),
            view=view,
            desks=[view],
            reader=principal,
            rule=rule if controlled else None,
            settings=settings,
        )
    audit.record(
        session=session,
        actor=principal.audit_name,
        action="figures:run",
        resource_type="figures",
        resource_id=f"{view} {start.isoformat()}..{end.isoformat()}"
        + (" controlled" if controlled else " full"),
        nation=principal.nation,
    )
    return result


def _counted(
    session: Session,
    scope: counts.Scope,
    *,
    view: str,
    desks: list[str],
    reader: policy.Principal | None,
    rule: Rule | None,
    settings: Settings,
) -> Figures:
    """The run's tables: from the cache while the data is as it was when they were made,
    else counted (as the caller has bound the session) and kept. `reader` is the officer the
    binding filters by, None for the coalition's counting work; `desks` the coalition's
    nations (the coalition view) or the nation's own."""
    limits = settings.stage_limit_days
    stale = counts.stale_now(session, scope, limits)
    row_key = cache.key(
        view=view,
        start=scope.start.isoformat(),
        end=scope.end.isoformat(),
        rule=rule,
        reader=reader,
        desks=desks,
        stage_limits=limits,
    )
    with binding.unfiltered(session, "figures cache: row counts and latest times of the data"):
        stamp = cache.fingerprint(session, stale)
    found = cache.lookup(session, row_key, stamp)
    if found is not None:
        return found
    own = reader is not None
    raw = counts.collect(session, scope, limits, own_plans=own, stale=stale)
    nations = (
        desks
        if own
        else sorted(
            {*desks}
            | {key[0] for key in raw.reached}
            | {key[0] for key in raw.letters}
            | {key[0] for key in raw.stale}
            | {key[0] for key in raw.stays}
        )
    )
    made = figures.build(
        raw, view=view, start=scope.start, end=scope.end, nations=nations, rule=rule
    )
    cache.store(session, row_key, stamp, made)
    return made


def _no_weaker(asked: Rule | None, configured: Rule) -> Rule:
    """A run may ask for a stricter rule than the settings' (a publication with its own
    standard), never a weaker one: a role that may only count must not lower the bar."""
    if asked is None:
        return configured
    if asked.threshold < configured.threshold:
        raise BadInput("threshold", f"at least {configured.threshold} (the setting)")
    if asked.base < configured.base:
        raise BadInput("rounding", f"at least {configured.base} (the setting)")
    return asked


def _check_period(start: date, end: date, settings: Settings) -> None:
    if end <= start:
        raise BadInput("end", "the period ends after it starts (the end day is not included)")
    if (end - start).days > settings.figures_max_days:
        raise BadInput("end", f"a period of at most {settings.figures_max_days} days")
