"""Property tests: for random logs, every inclusion and consistency proof verifies, and fails
for any other index, any other tree size and any flipped bit."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from homeward.audit import merkle


def _tree(leaves: tuple[bytes, ...]) -> merkle.SubtreeHash:
    """RFC 6962's MTH, written straight from its recursive definition, as the reference."""
    hashes = tuple(merkle.leaf_hash(leaf) for leaf in leaves)

    @cache
    def mth(start: int, size: int) -> bytes:
        if size == 1:
            return hashes[start]
        k = merkle.largest_power_of_two_below(size)
        return merkle.node_hash(mth(start, k), mth(start + k, size - k))

    return mth


# Distinct entries, as in a real log where each leaf carries its own time and action; with
# repeated leaves another index can honestly hold the same hash.
logs = st.lists(st.binary(min_size=0, max_size=8), min_size=1, max_size=70, unique=True).map(tuple)


def _flip(proof: list[bytes], item: int, bit: int) -> list[bytes]:
    changed = bytearray(proof[item])
    changed[bit // 8] ^= 1 << (bit % 8)
    return [*proof[:item], bytes(changed), *proof[item + 1 :]]


@settings(max_examples=150, deadline=None)
@given(leaves=logs, data=st.data())
def test_inclusion_proofs(leaves: tuple[bytes, ...], data: st.DataObject) -> None:
    mth = _tree(leaves)
    size = data.draw(st.integers(min_value=1, max_value=len(leaves)))
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    root = mth(0, size)
    leaf = merkle.leaf_hash(leaves[index])
    proof = merkle.inclusion_proof(index, size, mth)
    merkle.verify_inclusion(leaf, index, size, proof, root)

    other_index = data.draw(st.integers(min_value=0, max_value=size - 1))
    if other_index != index:
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(leaf, other_index, size, proof, root)
    # Another tree size, with that tree's real root: the proof must not carry over.
    other_size = data.draw(st.integers(min_value=index + 1, max_value=len(leaves)))
    if other_size != size:
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(leaf, index, other_size, proof, mth(0, other_size))
    if proof:
        item = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        bit = data.draw(st.integers(min_value=0, max_value=255))
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(leaf, index, size, _flip(proof, item, bit), root)


@settings(max_examples=150, deadline=None)
@given(leaves=logs, data=st.data())
def test_consistency_proofs(leaves: tuple[bytes, ...], data: st.DataObject) -> None:
    mth = _tree(leaves)
    new_size = data.draw(st.integers(min_value=1, max_value=len(leaves)))
    old_size = data.draw(st.integers(min_value=1, max_value=new_size))
    old_root, new_root = mth(0, old_size), mth(0, new_size)
    proof = merkle.consistency_proof(old_size, new_size, mth)
    merkle.verify_consistency(old_size, new_size, old_root, new_root, proof)

    # Other tree sizes, with those trees' real roots: the proof must not carry over.
    other_old = data.draw(st.integers(min_value=1, max_value=new_size))
    if other_old != old_size:
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(other_old, new_size, mth(0, other_old), new_root, proof)
    other_new = data.draw(st.integers(min_value=old_size, max_value=len(leaves)))
    if other_new != new_size:
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(old_size, other_new, old_root, mth(0, other_new), proof)
    if proof:
        item = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        bit = data.draw(st.integers(min_value=0, max_value=255))
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(
                old_size, new_size, old_root, new_root, _flip(proof, item, bit)
            )


@given(leaves=logs)
def test_root_of_matches_the_definition(leaves: tuple[bytes, ...]) -> None:
    size, root = merkle.root_of(merkle.leaf_hash(leaf) for leaf in leaves)
    assert size == len(leaves)
    assert root == _tree(leaves)(0, len(leaves))
