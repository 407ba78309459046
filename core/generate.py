"""Batched greedy generation: the one generator every arm uses.

Prompts are chat messages rendered with the tokenizer's chat template, left padded (decoder-only
models continue from the right edge), and batched; results come back in input order.
Decoding reads every weight once per step whatever the batch, so batching pays (measured by
`ragvsft bench` against a one-question-at-a-time loop).

Prompts share a long opening, and prompts on the same passage share the passage: batches are
formed from prompts in sorted order (so those sit together) and each shared stretch is computed
once (core/prefill.py). Greedy decoding makes the answers the same up to floating-point rounding
(a test compares them with and without sharing). Decoding drops each row once its answer has
ended (core/decode.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from tqdm.auto import tqdm

from core.decode import decodes_plainly, greedy_decode
from core.prefill import prefilled_inputs


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


MIN_SHARED_PREFIX = 8  # a shorter shared stretch saves less than its extra forward pass costs


@torch.inference_mode()
def generate(
    lm, prompts: list[list[dict[str, str]]], *, batch_size: int, max_new_tokens: int, share_prefix: bool = True
) -> list[Generation]:
    tok, model = lm.tokenizer, lm.model
    # Tokenized once: the lengths order the batches, and each batch is padded from these ids.
    all_ids = [tok(render(tok, p), add_special_tokens=False).input_ids for p in prompts]
    keys = [(tuple(i), max_new_tokens) for i in all_ids]
    cache = getattr(lm, "generations", {})
    # Greedy decoding is deterministic, so a prompt these weights already answered (in an earlier
    # stage, another arm, or twice in this call) is not generated again.
    first = {}
    for i, k in enumerate(keys):
        first.setdefault(k, i)
    todo = [i for k, i in first.items() if k not in cache]
    fresh = _generate_new(model, tok, [all_ids[i] for i in todo], batch_size, max_new_tokens, share_prefix)
    cache.update((keys[i], g) for i, g in zip(todo, fresh))
    return [cache[k] for k in keys]


def _generate_new(model, tok, ids: list[list[int]], batch_size: int, max_new_tokens: int, share_prefix: bool) -> list[Generation]:
    order = sorted(range(len(ids)), key=lambda i: ids[i])  # token order: prompts that share a stretch sit together
    results: list[Generation | None] = [None] * len(ids)
    eos_ids = _eos_ids(model, tok)
    plainly = decodes_plainly(model)
    for start in tqdm(range(0, len(order), batch_size), desc="generate", unit="batch", leave=False):
        idx = order[start : start + batch_size]
        t0 = time.perf_counter()
        prefilled = prefilled_inputs(model, tok.pad_token_id, [ids[i] for i in idx], MIN_SHARED_PREFIX) if share_prefix else None
        if prefilled:
            row_order, inputs = prefilled
            idx = [idx[r] for r in row_order]
        else:
            inputs = dict(tok.pad({"input_ids": [ids[i] for i in idx]}, return_tensors="pt").to(model.device))
        if plainly:
            new = greedy_decode(model, inputs, max_new_tokens=max_new_tokens, eos_ids=eos_ids)
        else:
            out = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False, eos_token_id=eos_ids,
                                 pad_token_id=tok.pad_token_id)
            new = out[:, inputs["input_ids"].shape[1] :].tolist()
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
