"""The report, rendered from a run directory alone: tables, verdict, plots, Markdown and HTML through templates, run comparison, console summary."""
