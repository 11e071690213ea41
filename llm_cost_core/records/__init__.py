"""JSONL records: Batch API requests, and the per-line counting and pricing that `pipe` (and the
Dask runner) apply to each line.
"""
