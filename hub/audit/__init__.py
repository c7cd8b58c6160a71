"""Tamper-evident audit trail: Merkle tree hashing and proofs for the audit log."""
