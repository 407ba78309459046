"""Batched greedy generation: the one generator every arm uses.

Prompts are chat messages rendered with the tokenizer's chat template, left padded (decoder-only
models continue from the right edge), and batched. Batches are formed from prompts of similar
length (sorted), which wastes less compute on padding; results come back in input order.
On a 2-core CPU batching 16 prompts was measured 6x faster per question than one at a time, and
64 another 31% faster than 16: decoding reads every weight once per step, whatever the batch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from tqdm.auto import tqdm


@dataclass
class Generation:
    text: str
    prompt_tokens: int
    output_tokens: int
    generate_ms: float  # this prompt's equal share of its batch's wall time


def render(tokenizer, messages: list[dict[str, str]]) -> str:
    """Chat template when the model has one; otherwise plain text ending in an answer cue."""
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    return "\n\n".join(m["content"] for m in messages) + "\nAnswer:"


@torch.inference_mode()
def generate(lm, prompts: list[list[dict[str, str]]], *, batch_size: int, max_new_tokens: int) -> list[Generation]:
    tok, model = lm.tokenizer, lm.model
    # Tokenized once: the lengths order the batches, and each batch is padded from these ids.
    ids = [tok(render(tok, p), add_special_tokens=False).input_ids for p in prompts]
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    results: list[Generation | None] = [None] * len(ids)
    eos_ids = _eos_ids(model, tok)
    for start in tqdm(range(0, len(order), batch_size), desc="generate", unit="batch", leave=False):
        idx = order[start : start + batch_size]
        t0 = time.perf_counter()
        enc = tok.pad({"input_ids": [ids[i] for i in idx]}, return_tensors="pt").to(model.device)
        out = model.generate(
            **enc,
            max_new_tokens=max_new_tokens,
            do_sample=False,
            eos_token_id=eos_ids,
            pad_token_id=tok.pad_token_id,
        )
        new = out[:, enc.input_ids.shape[1] :].tolist()
        share_ms = (time.perf_counter() - t0) * 1000 / len(idx)
        for row, i in enumerate(idx):
            out_ids = _until_eos(new[row], eos_ids)
            text = tok.decode(out_ids, skip_special_tokens=True).strip()
            results[i] = Generation(text, len(ids[i]), len(out_ids), share_ms)
    return results


def _eos_ids(model, tok) -> list[int]:
    ids = model.generation_config.eos_token_id
    ids = list(ids) if isinstance(ids, (list, tuple)) else [ids] if ids is not None else []
    if tok.eos_token_id is not None and tok.eos_token_id not in ids:
        ids.append(tok.eos_token_id)
    return ids


def _until_eos(ids: list[int], eos_ids: list[int]) -> list[int]:
    """Generated ids up to and including the first EOS (later positions are padding)."""
    for n, t in enumerate(ids):
        if t in eos_ids:
            return ids[: n + 1]
    return ids
