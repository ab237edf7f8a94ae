"""The transparency log core: RFC 9162 Merkle trees, proofs, signed checkpoints.

Pure: no database, network, clock or framework. Storage lives elsewhere and
talks to this package through node hashes addressed as ``(level, index)``
(see :mod:`alteram.tlog.tree`).
"""

from alteram.tlog.checkpoint import MAX_TREE_SIZE, Checkpoint, sign_checkpoint, verify_checkpoint
from alteram.tlog.hashing import EMPTY_ROOT, HASH_SIZE, leaf_hash, node_hash
from alteram.tlog.note import (
    Signer,
    Verifier,
    generate_key,
    key_id,
    open_note,
    sign_note,
)
from alteram.tlog.proof import (
    NodeId,
    NodeLookup,
    assemble_consistency,
    assemble_inclusion,
    consistency_nodes,
    consistency_proof,
    inclusion_nodes,
    inclusion_proof,
    root_from_inclusion_proof,
    subtree_root,
    tree_root,
    verify_consistency,
    verify_inclusion,
)
from alteram.tlog.tree import CompactRange, NodeEntry, frontier_nodes, root

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MAX_TREE_SIZE",
    "Checkpoint",
    "CompactRange",
    "NodeEntry",
    "NodeId",
    "NodeLookup",
    "Signer",
    "Verifier",
    "assemble_consistency",
    "assemble_inclusion",
    "consistency_nodes",
    "consistency_proof",
    "frontier_nodes",
    "generate_key",
    "inclusion_nodes",
    "inclusion_proof",
    "key_id",
    "leaf_hash",
    "node_hash",
    "open_note",
    "root",
    "root_from_inclusion_proof",
    "sign_checkpoint",
    "sign_note",
    "subtree_root",
    "tree_root",
    "verify_checkpoint",
    "verify_consistency",
    "verify_inclusion",
]
