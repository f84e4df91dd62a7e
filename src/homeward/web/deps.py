"""Request-scoped helpers shared by the page and API routers."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

from homeward.core.runtime import Runtime
from homeward.policy.roles import may
from homeward.web.text import show_bidi

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
# The officer nav bar offers only what the role may do, decided by the policy, not the template.
TEMPLATES.env.globals["may"] = may
# What a contact wrote is shown with its bidi controls made visible (see web/text.py).
TEMPLATES.env.filters["bidi_visible"] = show_bidi


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime
