"""Scoring: answer and retrieval metrics, per-row scores, and the harness that turns answers into rows and summaries."""
