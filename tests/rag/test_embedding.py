import numpy as np
import pytest

from core.errors import InputError
from rag.embedding import Embedder


@pytest.fixture(scope="module")
def tiny_st_dir(tmp_path_factory):
    """A randomly initialised 1-layer BERT saved as a sentence-transformers directory."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    from transformers import BertConfig, BertModel, BertTokenizerFast

    directory = tmp_path_factory.mktemp("tiny-st")
    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "leave", "days", "badge", "red", "vpn", "how", "many"]
    (directory / "vocab.txt").write_text("\n".join(words) + "\n")
    bert_dir = directory / "bert"
    BertTokenizerFast(vocab_file=str(directory / "vocab.txt")).save_pretrained(bert_dir)
    config = BertConfig(vocab_size=len(words), hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64)
    BertModel(config).save_pretrained(bert_dir)
    st = SentenceTransformer(modules=[Transformer(str(bert_dir)), Pooling(32, pooling_mode="mean")], device="cpu")
    st.save(str(directory / "st"))
    return directory / "st"


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
