"""Imports every model so that Base.metadata knows all tables: what Alembic compares the
migrations with (env.py) and tests build from. Above every capability, beside the migrations."""

from __future__ import annotations

from homeward.accounts import models as accounts_models
from homeward.approvals import models as approvals_models
from homeward.audit import models as audit_models
from homeward.cases import child_models as case_child_models
from homeward.cases import models as case_models
from homeward.contact import models as contact_models
from homeward.core.db import Base
from homeward.debrief import models as debrief_models
from homeward.households import child_protection_models as households_child_protection_models
from homeward.households import models as households_models
from homeward.identity import models as identity_models
from homeward.passage import custody_models as passage_custody_models
from homeward.passage import models as passage_models
from homeward.reports import models as reports_models
from homeward.screening import models as screening_models

ALL_MODEL_MODULES = (
    accounts_models,
    approvals_models,
    audit_models,
    case_child_models,
    case_models,
    contact_models,
    debrief_models,
    households_child_protection_models,
    households_models,
    identity_models,
    passage_models,
    passage_custody_models,
    reports_models,
    screening_models,
)
metadata = Base.metadata
