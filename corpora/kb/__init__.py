"""Generated fictional knowledge bases of any size (`ragvsft kb`, `ragvsft scale`)."""
