"""A wrong codename and an unknown one take comparable time and get the same answer: both pay
one Argon2id run at the real (OWASP) cost before the lookup."""

from __future__ import annotations

import statistics
import time

import pytest

from homeward.contact import service as contact_service
from homeward.contact.exceptions import CodenameRefused
from homeward.core.runtime import Runtime
from homeward.crypto import codename as codenames
from homeward.crypto import sealing


def _refusal_time(runtime: Runtime, attempt: str) -> tuple[float, str]:
    started = time.perf_counter()
    with pytest.raises(CodenameRefused) as refused, runtime.db.transaction() as session:
        contact_service.sign_in(
            session=session, secrets=runtime.secrets, cost=sealing.OWASP, codename=attempt
        )
    return time.perf_counter() - started, str(refused.value)


def test_wrong_and_unknown_codenames_look_alike(sqlite_runtime: Runtime) -> None:
    runtime = sqlite_runtime
    with runtime.db.transaction() as session:
        real, _contact, _keys = contact_service.start(
            session=session, secrets=runtime.secrets, cost=sealing.OWASP
        )
    words = real.split(" ")
    mistyped = " ".join([*words[:6], "zzzz"])  # one word wrong, not even on the list
    unknown = codenames.generate()  # well formed, never issued
    wrong_times, unknown_times, answers = [], [], set()
    for _ in range(15):
        elapsed, answer = _refusal_time(runtime, mistyped)
        wrong_times.append(elapsed)
        answers.add(answer)
        elapsed, answer = _refusal_time(runtime, unknown)
        unknown_times.append(elapsed)
        answers.add(answer)
    assert len(answers) == 1
    ratio = statistics.median(wrong_times) / statistics.median(unknown_times)
    assert 0.6 < ratio < 1.6, f"median times differ: ratio {ratio:.2f}"
    assert min(wrong_times + unknown_times) > 0.004  # the Argon2id run really happened
