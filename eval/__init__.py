"""Evaluation: the catalogue of arms and metrics, the record formats, scoring, stages, the report and the `ragvsft` command."""
