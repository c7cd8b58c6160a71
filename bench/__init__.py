"""Benchmarks: each one a ratio against a baseline measured in the same run."""
