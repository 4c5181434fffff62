"""Benchmarks for `make bench`: market load against DuckDB's native load, claim extraction."""
