"""Batched greedy generation: the one generator every arm uses.

Prompts are chat messages rendered with the tokenizer's chat template, left padded (decoder-only
models continue from the right edge), and batched. Batches are formed from prompts of similar
length (sorted), which wastes less compute on padding; results come back in input order.
On a 2-core CPU batching 16 prompts was measured 6x faster per question than one at a time.
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
    texts = [render(tok, p) for p in prompts]
    lengths = [len(tok(t, add_special_tokens=False).input_ids) for t in texts]
    order = sorted(range(len(texts)), key=lambda i: lengths[i])
    results: list[Generation | None] = [None] * len(texts)
    eos_ids = _eos_ids(model, tok)
    for start in tqdm(range(0, len(order), batch_size), desc="generate", unit="batch", leave=False):
        idx = order[start : start + batch_size]
        t0 = time.perf_counter()
        enc = tok([texts[i] for i in idx], return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
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
            ids = _until_eos(new[row], eos_ids)
            text = tok.decode(ids, skip_special_tokens=True).strip()
            results[i] = Generation(text, lengths[i], len(ids), share_ms)
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
