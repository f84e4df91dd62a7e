"""RFC 6962 / RFC 9162 Merkle trees: hashing, proofs and their verification.

Our own code rather than a library: the algorithms are short, no well-kept Python package
implements both proof verifications, and the project tests them against the
transparency-dev/merkle vectors. Proofs are built from a `SubtreeHash` function so that the
stored tree can answer without recomputing it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

SubtreeHash = Callable[[int, int], bytes]
"""MTH of the leaves [start, start + size)."""


class ProofError(ValueError):
    """A proof that does not verify, or inputs that cannot be proved."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def largest_power_of_two_below(n: int) -> int:
    """The k of RFC 6962: the largest power of two strictly smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Iterable[bytes]) -> tuple[int, bytes]:
    """Size and root of the tree over these leaf hashes, in one pass and O(log n) memory."""
    stack: list[tuple[int, bytes]] = []  # (height, hash) of complete subtrees, left to right
    size = 0
    for leaf in leaf_hashes:
        size += 1
        height, current = 0, leaf
        while stack and stack[-1][0] == height:
            _, left = stack.pop()
            current = node_hash(left, current)
            height += 1
        stack.append((height, current))
    if not stack:
        return 0, EMPTY_ROOT
    root = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        root = node_hash(left, root)
    return size, root


def inclusion_proof(index: int, size: int, subtree: SubtreeHash) -> list[bytes]:
    """PATH(index, D[size]) of RFC 6962 section 2.1.1, leaf's sibling first."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not in a tree of size {size}")
    proof: list[bytes] = []
    start = 0
    while size > 1:
        k = largest_power_of_two_below(size)
        if index < k:
            proof.append(subtree(start + k, size - k))
            size = k
        else:
            proof.append(subtree(start, k))
            start, index, size = start + k, index - k, size - k
    proof.reverse()
    return proof


def consistency_proof(old_size: int, new_size: int, subtree: SubtreeHash) -> list[bytes]:
    """PROOF(old_size, D[new_size]) of RFC 6962 section 2.1.2."""
    if not 0 < old_size <= new_size:
        raise ProofError(f"no consistency proof from size {old_size} to {new_size}")
    if old_size == new_size:
        return []
    return _subproof(old_size, 0, new_size, True, subtree)


def _subproof(m: int, start: int, n: int, complete: bool, subtree: SubtreeHash) -> list[bytes]:
    if m == n:
        return [] if complete else [subtree(start, n)]
    k = largest_power_of_two_below(n)
    if m <= k:
        return [*_subproof(m, start, k, complete, subtree), subtree(start + k, n - k)]
    return [*_subproof(m - k, start + k, n - k, False, subtree), subtree(start, k)]


def _lsb(value: int) -> bool:
    return bool(value & 1)


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 section 2.1.3.2; raises ProofError unless the proof holds."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is beyond tree size {size}")
    if any(len(item) != HASH_SIZE for item in [leaf, root, *proof]):
        raise ProofError("every hash must be 32 bytes")
    fn, sn, computed = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            raise ProofError("the proof is longer than the tree is high")
        if _lsb(fn) or fn == sn:
            computed = node_hash(sibling, computed)
            while not _lsb(fn) and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            computed = node_hash(computed, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the proof is shorter than the tree is high")
    if computed != root:
        raise ProofError("the proof leads to another root")


def _trivially_consistent(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """The cases decided without walking the proof; raises for the impossible ones."""
    if old_size > new_size:
        raise ProofError(f"size {old_size} is larger than {new_size}")
    if old_size == 0:
        raise ProofError("the empty tree is consistent with anything: nothing to prove")
    if old_size == new_size:
        if proof:
            raise ProofError("equal sizes need an empty proof")
        if old_root != new_root:
            raise ProofError("equal sizes but different roots")
        return True
    if any(len(item) != HASH_SIZE for item in [old_root, new_root, *proof]):
        raise ProofError("every hash must be 32 bytes")
    if not proof:
        raise ProofError("the proof is empty")
    return False


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 section 2.1.4.2; raises ProofError unless the new tree extends the old."""
    if _trivially_consistent(old_size, new_size, old_root, new_root, proof):
        return
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while _lsb(fn):
        fn, sn = fn >> 1, sn >> 1
    old_computed = new_computed = path[0]
    for item in path[1:]:
        if sn == 0:
            raise ProofError("the proof is too long")
        if _lsb(fn) or fn == sn:
            old_computed = node_hash(item, old_computed)
            new_computed = node_hash(item, new_computed)
            while not _lsb(fn) and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            new_computed = node_hash(new_computed, item)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the proof is too short")
    if old_computed != old_root:
        raise ProofError("the proof does not lead to the old root")
    if new_computed != new_root:
        raise ProofError("the proof does not lead to the new root")
