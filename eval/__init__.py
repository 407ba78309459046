"""Evaluation: metrics, the harness that runs arms over question sets, and the report."""
