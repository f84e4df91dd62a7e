"""A message that carries the contact's codename is refused. The check skips runs of words that
cannot be a codename (for speed); these tests hold it to the answer of hashing every run."""

from __future__ import annotations

import random
import threading
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from homeward.contact import service as contact_service
from homeward.contact.service import ContactKeys
from homeward.core.db import Database
from homeward.crypto import codename, sealing
from homeward.crypto.keys import ServerSecrets

SECRETS = ServerSecrets(
    data_key=sealing.random_bytes(), pepper=sealing.random_bytes(), log_seed=sealing.random_bytes()
)
FILLER = ("i", "want", "to", "come", "home", "42", "the", "river", "mother", "!")


def keys_for(made: str) -> ContactKeys:
    return ContactKeys(
        reply_private_key=bytes(32), codename_check=contact_service._codename_check(SECRETS, made)
    )


def every_run(keys: ContactKeys, text: str) -> bool:
    """The check without the shortcut: every run of seven words hashed."""
    words = codename.normalise(text).split(" ")
    size = codename.WORDS_PER_CODENAME
    return any(
        sealing.equal(
            contact_service._codename_check(SECRETS, " ".join(words[i : i + size])),
            keys.codename_check,
        )
        for i in range(max(0, len(words) - size + 1))
    )


def test_codename_found_whatever_the_case_spacing_or_punctuation() -> None:
    made = codename.generate()
    keys = keys_for(made)
    text = f"Hello. My words are: {made.upper().replace(' ', ', ')}! Please help."
    assert contact_service.contains_codename(SECRETS, keys, text)
    assert not contact_service.contains_codename(SECRETS, keys, "Hello, I want to come home.")
    six = " ".join(made.split(" ")[:6])
    assert not contact_service.contains_codename(SECRETS, keys, f"{six} and more")


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32), plant=st.booleans())
def test_same_answer_as_hashing_every_run(seed: int, plant: bool) -> None:
    rng = random.Random(seed)  # noqa: S311 - picks test words, not secrets
    made = " ".join(rng.choice(codename.word_list()) for _ in range(7))
    keys = keys_for(made)
    pool = [*FILLER, *rng.sample(codename.word_list(), 6), *made.split(" ")]
    words = [rng.choice(pool) for _ in range(rng.randint(0, 60))]
    if plant:
        at = rng.randint(0, len(words))
        words[at:at] = made.split(" ")
    text = " ".join(words)
    assert contact_service.contains_codename(SECRETS, keys, text) == every_run(keys, text)


def test_sqlite_transactions_from_many_threads_all_commit(tmp_path: Path) -> None:
    """One connection per process on SQLite: concurrent transactions queue and all commit."""
    db = Database(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    with db.transaction() as session:
        session.connection().exec_driver_sql("CREATE TABLE tally (n INTEGER)")
    errors: list[BaseException] = []

    def add(count: int) -> None:
        try:
            for n in range(count):
                with db.transaction() as session:
                    session.connection().exec_driver_sql("INSERT INTO tally VALUES (?)", (n,))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(25,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with db.transaction() as session:
        total = session.connection().exec_driver_sql("SELECT count(*) FROM tally").scalar()
    db.dispose()
    assert errors == []
    assert total == 8 * 25
