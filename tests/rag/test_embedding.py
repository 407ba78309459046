import numpy as np
import pytest

from core.errors import InputError
from rag.embedding import Embedder
from tests.conftest import save_tiny_sentence_transformer


@pytest.fixture(scope="module")
def tiny_st_dir(tmp_path_factory):
    return save_tiny_sentence_transformer(tmp_path_factory.mktemp("tiny-st"))


def test_local_directory_embedder_gives_normalized_float32_vectors(tiny_st_dir):
    emb = Embedder(str(tiny_st_dir), device="cpu", batch_size=2)
    vectors = emb.encode(["how many leave days", "red badge", "vpn"])
    assert vectors.shape == (3, 32) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert emb.name == str(tiny_st_dir) and emb.dim == 32


def test_batching_does_not_change_the_vectors(tiny_st_dir):
    texts = ["how many leave days", "red badge", "vpn", "leave"]
    a = Embedder(str(tiny_st_dir), device="cpu", batch_size=1).encode(texts)
    b = Embedder(str(tiny_st_dir), device="cpu", batch_size=4).encode(texts)
    assert np.allclose(a, b, atol=1e-5)


def test_missing_embedder_path_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="rag.embedder"):
        Embedder(str(tmp_path / "missing-model"))
