"""Sentence embeddings: normalized float32 vectors, batched, so inner product is cosine similarity."""

from __future__ import annotations

import logging

import numpy as np

from core.errors import InputError
from core.models import pick_device, resolve_embedder

log = logging.getLogger(__name__)


class Embedder:
    def __init__(self, name: str, *, device: str = "auto", batch_size: int = 64):
        from sentence_transformers import SentenceTransformer

        self.name = name  # the configured id, recorded in index metadata
        self.batch_size = batch_size
        try:
            self.model = SentenceTransformer(resolve_embedder(name), device=pick_device(device), trust_remote_code=False)
        except (OSError, ValueError) as exc:  # ValueError: an id the hub rejects as malformed
            raise InputError(f"rag.embedder: could not load {name!r} ({str(exc).splitlines()[0]})") from None
        self.dim = self.model.get_embedding_dimension()

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)
