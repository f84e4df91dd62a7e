"""A wrong codename and an unknown one take comparable time and get the same answer: both pay
one Argon2id run at the real (OWASP) cost before the lookup, in English (seven words), French
and Arabic (eight words, the Arabic one typed back with other letter forms and harakat)."""

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


def _typed_in_arabic(word: str) -> str:
    """Alef with hamza written bare, taa marbuta as haa, a fatha after the first letter."""
    bare = word.replace("أ", "ا").replace("إ", "ا").replace("ة", "ه")
    return bare[0] + "\u064e" + bare[1:]


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_wrong_and_unknown_codenames_look_alike(sqlite_runtime: Runtime, language: str) -> None:
    runtime = sqlite_runtime
    with runtime.db.transaction() as session:
        real, _contact, _keys = contact_service.start(
            session=session, secrets=runtime.secrets, cost=sealing.OWASP, language=language
        )
    words = real.split(" ")
    if language == "ar":
        words = [_typed_in_arabic(word) for word in words]
    mistyped = " ".join([*words[:-1], "zzzz"])  # one word wrong, not even on the list
    unknown = codenames.generate(language)  # well formed, never issued
    assert codenames.is_well_formed(unknown)
    assert codenames.language_of(" ".join(words)) == language
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
