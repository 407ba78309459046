"""The workshop UI (`ragvsft ui`): a finished run, live in a browser, where a room asks every arm a
question, edits and deletes facts, retrains, and watches RAG and the fine-tune absorb the change.
`session` holds the logic (testable without a browser), `app` the Gradio page."""
