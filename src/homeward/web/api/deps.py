"""What every /api/v1 router needs: the bearer's officer and the documented refusals.

No cookie is ever set or read here, so no CSRF is possible; the token comes from
POST /api/v1/auth/token with the same password and TOTP as the pages.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from homeward.accounts.exceptions import SessionExpired
from homeward.accounts.service import Keyring
from homeward.web import officer_auth
from homeward.web.deps import DbSession, runtime_of

bearer = HTTPBearer(auto_error=False)
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


class Problem(BaseModel):
    """Every refusal's body: one message, safe to show, naming the field at fault."""

    detail: str


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "Bad input; the message names the field"},
    401: {"model": Problem, "description": "No valid session"},
    403: {"model": Problem, "description": "The role may not do this"},
    404: {"model": Problem, "description": "Not found, or not visible to this officer"},
    422: {"model": Problem, "description": "Malformed request; the message names the field"},
}


def api_keyring(request: Request, session: DbSession, credentials: Bearer) -> Keyring:
    """The bearer's officer, read in the request's own transaction."""
    if credentials is None:
        raise SessionExpired
    return officer_auth.keyring_for(session, runtime_of(request).settings, credentials.credentials)


Officer = Annotated[Keyring, Depends(api_keyring)]
