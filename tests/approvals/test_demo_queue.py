"""The demo world's approvals queue: the FRA supervisor finds a close request waiting (a child's
case brought home through a child-protection handover) beside the screening review, oldest
first, and the start page's one queue card counts both. Both engines."""

from __future__ import annotations

from homeward.cli import demo as demo_data
from homeward.core.runtime import Runtime
from homeward.web import queue
from tests import helpers
from tests.screening.a11y_pages import _persona


def test_the_demo_world_has_a_close_request_waiting(runtime: Runtime) -> None:
    assert demo_data.seed(runtime)
    credentials = demo_data.load_credentials(runtime)
    supervisor = _persona(runtime, credentials, "fra.supervisor")
    with runtime.db.transaction() as session:
        items = queue.queue(
            session=session, principal=helpers.keyring(runtime, supervisor).principal
        )
        kinds = sorted(item.kind for item in items)
        close = next(item for item in items if item.kind == queue.CLOSE)
        assert close.stage == "repatriated"
    assert kinds == ["close", "review"]
