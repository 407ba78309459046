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
from core.prefill import PrefixStore, prefilled_inputs, shared_opening_inputs, shared_prefix_length
from core.shared_prefix import attending_shared, supports_shared


@dataclass
class Generation:
    text: str
    prompt_tokens: int
    output_tokens: int
    generate_ms: float  # this prompt's equal share of its batch's wall time
    cached_tokens: int = 0  # of `prompt_tokens`, read from a long opening kept between batches (core/prefill.py)


@dataclass(frozen=True)
class Opening:
    """The opening every prompt of a call shares, computed once and kept (prompt caching)."""

    tokens: int
    computed: int  # of them, computed when it was stored (the rest were held from an earlier opening)
    build_ms: float  # computing those, once
    nbytes: int  # its keys and values, held in memory
    reused: bool  # already stored by an earlier call with the same opening


def render(tokenizer, messages: list[dict[str, str]]) -> str:
    """Chat template when the model has one; otherwise plain text ending in an answer cue."""
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    return "\n\n".join(m["content"] for m in messages) + "\nAnswer:"


MIN_SHARED_PREFIX = 8  # a shorter shared stretch saves less than its extra forward pass costs
# A batch holds at most this many prompt tokens per row: each row carries its own copy of the
# key/value cache (46 KB a token for the bundled model in float32), so 64 prompts of a 4,000-token
# corpus would need 12 GiB. The bundled arms' prompts (under 400 tokens) fill 64-prompt batches well
# inside it, so their batches are unchanged; an opening held once for the batch does not count.
MAX_BATCH_TOKENS = 32_768


def prefix_store(lm) -> PrefixStore:
    """The long-opening cache of these weights (core/prefill.py), made on first use."""
    if getattr(lm, "prefixes", None) is None:
        lm.prefixes = PrefixStore()
    return lm.prefixes


def prompt_ids(tok, prompt: list[dict[str, str]]) -> list[int]:
    return tok(render(tok, prompt), add_special_tokens=False).input_ids


def window(lm) -> int | None:
    """The longest sequence (prompt and answer, in tokens) the model was trained on, if it says."""
    return getattr(lm.model.config, "max_position_embeddings", None)


@torch.inference_mode()
def cache_opening(lm, prompts: list[list[dict[str, str]]]) -> Opening | None:
    """Compute the opening all `prompts` share into the model's prefix store before they are
    answered, so its cost is measured apart from theirs; None when they share less than
    MIN_SHARED_PREFIX tokens (or there is only one prompt: nothing to share)."""
    ids = [prompt_ids(lm.tokenizer, p) for p in prompts]
    shared = shared_prefix_length(ids) if len(ids) > 1 else 0
    if shared < MIN_SHARED_PREFIX:
        return None
    store, opening = prefix_store(lm), tuple(ids[0][:shared])
    reused = store.ids == opening
    if not reused:
        store.store(lm.model, list(opening))
    if store.ids != opening:  # a cache of another kind: each batch computes the opening as usual
        return None
    return Opening(shared, store.computed, store.build_ms, store.nbytes, reused)


@torch.inference_mode()
def generate(
    lm, prompts: list[list[dict[str, str]]], *, batch_size: int, max_new_tokens: int, share_prefix: bool = True,
    keep_opening: bool = False,
) -> list[Generation]:
    """`keep_opening`: the batches' common opening is kept between batches and calls in the model's
    prefix store (prompt caching: a whole corpus in every prompt), not recomputed per batch."""
    tok, model = lm.tokenizer, lm.model
    # Tokenized once: the lengths order the batches, and each batch is padded from these ids.
    all_ids = [prompt_ids(tok, p) for p in prompts]
    keys = [(tuple(i), max_new_tokens) for i in all_ids]
    cache = getattr(lm, "generations", {})
    # Greedy decoding is deterministic, so a prompt these weights already answered (in an earlier
    # stage, another arm, or twice in this call) is not generated again.
    first = {}
    for i, k in enumerate(keys):
        first.setdefault(k, i)
    todo = [i for k, i in first.items() if k not in cache]
    prefixes = prefix_store(lm) if keep_opening else None
    fresh = _generate_new(model, tok, [all_ids[i] for i in todo], batch_size, max_new_tokens, share_prefix, prefixes)
    cache.update((keys[i], g) for i, g in zip(todo, fresh))
    return [cache[k] for k in keys]


def batches(ids: list[list[int]], batch_size: int, held: int = 0) -> list[list[int]]:
    """Prompt numbers in token order (prompts that share a stretch sit together), cut into batches
    of at most `batch_size` prompts and MAX_BATCH_TOKENS tokens a row holds (the longest prompt sets
    the width; `held`: leading tokens held once for the batch, not per row)."""
    order = sorted(range(len(ids)), key=lambda i: ids[i])
    out, batch = [], []
    for i in order:
        width = max([len(ids[j]) for j in batch] + [len(ids[i])]) - held
        if batch and (len(batch) == batch_size or width * (len(batch) + 1) > MAX_BATCH_TOKENS):
            out.append(batch)
            batch = []
        batch.append(i)
    return out + ([batch] if batch else [])


def _generate_new(
    model, tok, ids: list[list[int]], batch_size: int, max_new_tokens: int, share_prefix: bool, prefixes: PrefixStore | None
) -> list[Generation]:
    results: list[Generation | None] = [None] * len(ids)
    eos_ids = _eos_ids(model, tok)
    plainly = decodes_plainly(model)
    shares = bool(prefixes and plainly and supports_shared(model))  # the kept opening is held once per batch
    held = min((prefixes.covers(i) for i in ids), default=0) if shares else 0
    for idx in tqdm(batches(ids, batch_size, held), desc="generate", unit="batch", leave=False):
        t0 = time.perf_counter()
        rows = [ids[i] for i in idx]
        shared = _shared_inputs(model, tok.pad_token_id, rows, prefixes) if shares else None
        if shared:  # the kept opening held once for the whole batch
            with attending_shared(model):
                new = greedy_decode(model, shared, max_new_tokens=max_new_tokens, eos_ids=eos_ids)
        else:
            order, new = _decode(model, tok, rows, max_new_tokens, eos_ids, plainly, prefixes if share_prefix else None, share_prefix)
            idx = [idx[r] for r in order]
        share_ms = (time.perf_counter() - t0) * 1000 / len(idx)
        for row, i in enumerate(idx):
            out_ids = _until_eos(new[row], eos_ids)
            text = tok.decode(out_ids, skip_special_tokens=True).strip()
            cached = prefixes.covers(ids[i]) if prefixes else 0
            results[i] = Generation(text, len(ids[i]), len(out_ids), share_ms, cached)
    return results


def _decode(
    model, tok, rows: list[list[int]], max_new_tokens: int, eos_ids: list[int], plainly: bool, prefixes: PrefixStore | None,
    share_prefix: bool,
) -> tuple[list[int], list[list[int]]]:
    """(row order, new ids per row in that order) for one batch, each row with its own cache: shared
    stretches computed once (core/prefill.py), or `model.generate` when it decodes differently."""
    prefilled = prefilled_inputs(model, tok.pad_token_id, rows, MIN_SHARED_PREFIX, prefixes) if share_prefix else None
    order, inputs = prefilled if prefilled else (list(range(len(rows))), dict(tok.pad({"input_ids": rows}, return_tensors="pt").to(model.device)))
    if plainly:
        return order, greedy_decode(model, inputs, max_new_tokens=max_new_tokens, eos_ids=eos_ids)
    out = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False, eos_token_id=eos_ids, pad_token_id=tok.pad_token_id)
    return order, out[:, inputs["input_ids"].shape[1] :].tolist()


def _shared_inputs(model, pad_id: int, rows: list[list[int]], prefixes: PrefixStore) -> dict | None:
    """A batch's inputs reading the kept opening once for every row (core/shared_prefix.py); None
    when the rows share too little (each row then gets its own copy)."""
    opening = shared_prefix_length(rows) if len(rows) > 1 else len(rows[0]) - 1
    if opening < MIN_SHARED_PREFIX:
        return None
    prefixes.hold(model, rows[0][:opening])
    with attending_shared(model):
        return shared_opening_inputs(model, pad_id, rows, prefixes)


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
