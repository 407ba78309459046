"""Stages: the experiment, seeds, sweeps and updates. They run and write the run directory; they never render."""
