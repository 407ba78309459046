"""Tiny randomly initialised models built in place: no weights, no network. The GPU smoke check
(app/smoke.py) and the tests run the whole pipeline on them; what they answer is noise, what they
check is that every stage runs.

    tok = tiny_tokenizer(words)          # a word-level tokenizer over `words`, with a chat template
    model = tiny_llama(len(tok))         # a 2-layer Llama
    save_tiny_lm(directory, words)       # both, saved as a model directory `model.name` can name
    save_tiny_sentence_transformer(dir)  # a 1-layer BERT with mean pooling, as `rag.embedder`
"""

from __future__ import annotations

from pathlib import Path

import torch

CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|> {{ m['content'] }} <|end|> {% endfor %}"
    "{% if add_generation_prompt %}<|assistant|> {% endif %}"
)
SPECIAL_TOKENS = ["<unk>", "<pad>", "<|end|>", "<|system|>", "<|user|>", "<|assistant|>"]
PUNCTUATION = list("[].,?:;'\"!-#")


def tiny_tokenizer(words: list[str]):
    """Word-level: each of `words` (lower-cased as given) is a token, anything else `<unk>`."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {tok: i for i, tok in enumerate(dict.fromkeys(SPECIAL_TOKENS + sorted(set(words)) + PUNCTUATION))}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    tok = PreTrainedTokenizerFast(
        tokenizer_object=backend, unk_token="<unk>", pad_token="<pad>", eos_token="<|end|>", padding_side="left"
    )
    tok.add_special_tokens({"additional_special_tokens": SPECIAL_TOKENS[3:]})
    tok.chat_template = CHAT_TEMPLATE
    return tok


def tiny_llama(vocab_size: int, seed: int = 0):
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        pad_token_id=1,
        eos_token_id=2,
        bos_token_id=None,
    )
    return LlamaForCausalLM(config).eval()


def save_tiny_lm(directory: Path, words: list[str]) -> Path:
    tok = tiny_tokenizer(words)
    tiny_llama(len(tok)).save_pretrained(directory)
    tok.save_pretrained(directory)
    return directory


def save_tiny_sentence_transformer(directory: Path, dim: int = 32, words: list[str] = ()) -> Path:
    """A randomly initialised 1-layer BERT with mean pooling, saved as a sentence-transformers dir."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    from transformers import BertConfig, BertModel, BertTokenizerFast

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *dict.fromkeys(words or ["leave", "days", "badge", "red", "vpn", "how", "many"])]
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "vocab.txt").write_text("\n".join(vocab) + "\n")
    BertTokenizerFast(vocab_file=str(directory / "vocab.txt")).save_pretrained(directory / "bert")
    config = BertConfig(vocab_size=len(vocab), hidden_size=dim, num_hidden_layers=1, num_attention_heads=2, intermediate_size=2 * dim)
    BertModel(config).save_pretrained(directory / "bert")
    st = SentenceTransformer(modules=[Transformer(str(directory / "bert")), Pooling(dim, pooling_mode="mean")], device="cpu")
    st.save(str(directory / "st"))
    return directory / "st"


def save_tiny_gguf(path: Path, seed: int = 0) -> Path:
    """A 2-layer Llama with random weights as a GGUF file (fp32 tensors, a byte-level BPE vocabulary
    of the 256 byte symbols and a few merges, a chat template), written with the `gguf` package:
    what `model.name: some.gguf` reads, without a real model's weights."""
    import gguf
    import numpy as np
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    rng = np.random.default_rng(seed)
    hidden, layers, heads, kv_heads, ffn = 64, 2, 4, 2, 128
    merges = ["Ġ t", "h e", "Ġt he", "Ġ a", "i n"]
    tokens = list(bytes_to_unicode().values()) + [m.replace(" ", "") for m in merges] + ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_block_count(layers)
    writer.add_context_length(256)
    writer.add_embedding_length(hidden)
    writer.add_feed_forward_length(ffn)
    writer.add_head_count(heads)
    writer.add_head_count_kv(kv_heads)
    writer.add_rope_dimension_count(hidden // heads)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_rope_freq_base(10000.0)
    writer.add_vocab_size(len(tokens))
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_types([1] * (len(tokens) - 3) + [3, 3, 3])  # the last three are control tokens
    writer.add_token_merges(merges)
    writer.add_bos_token_id(len(tokens) - 2)
    writer.add_eos_token_id(len(tokens) - 1)
    writer.add_pad_token_id(len(tokens) - 3)
    writer.add_chat_template(
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    )

    def weight(name: str, *shape: int) -> None:
        writer.add_tensor(name, (rng.standard_normal(shape) * 0.02).astype(np.float32))

    weight("token_embd.weight", len(tokens), hidden)
    writer.add_tensor("output_norm.weight", np.ones(hidden, dtype=np.float32))
    weight("output.weight", len(tokens), hidden)
    head = hidden // heads
    for i in range(layers):
        writer.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(hidden, dtype=np.float32))
        writer.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(hidden, dtype=np.float32))
        weight(f"blk.{i}.attn_q.weight", hidden, hidden)
        weight(f"blk.{i}.attn_k.weight", kv_heads * head, hidden)
        weight(f"blk.{i}.attn_v.weight", kv_heads * head, hidden)
        weight(f"blk.{i}.attn_output.weight", hidden, hidden)
        weight(f"blk.{i}.ffn_gate.weight", ffn, hidden)
        weight(f"blk.{i}.ffn_up.weight", ffn, hidden)
        weight(f"blk.{i}.ffn_down.weight", hidden, ffn)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
