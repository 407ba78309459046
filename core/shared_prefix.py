"""Attention that reads one shared opening for a whole batch: the whole corpus in every prompt,
held once, not once per row.

The plain way (core/prefill.py) gives every row of a batch its own copy of the opening's keys and
values, and every decoding step copies them again as the cache grows: with 4,000 tokens of corpus
that is 180 MB a row, and a step of 8 rows costs what copying 1.5 GB costs. Here the opening's
keys and values are held once (a PrefixStore) and each row's cache holds only its own tokens; the
attention of every layer runs in two parts, over the opening (one matrix product for all rows:
it is read once a step, whatever the batch) and over the row's own tokens (masked as usual), and
joins them with their softmax normalisers (the log-sum-exp merge of cascade attention). The same
arithmetic as attending to the concatenation, in another order: answers agree with the plain way
up to floating-point rounding (a test compares them).

It runs as a registered attention implementation, switched on for the batches of an arm that keeps
its opening (`attending_shared`), and falls back to the model's own `sdpa` attention for any call
that does not pass the opening.
"""

from __future__ import annotations

from contextlib import contextmanager

import torch

SHARED = "sdpa_shared_opening"
MAX_SCORES = 1 << 25  # score elements per chunk of rows (128 MB in float32): bounds the memory of a long prefill


def _shared_attention(module, query, key, value, attention_mask, dropout=0.0, scaling=None, shared_opening=None, **kwargs):
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    if shared_opening is None:
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, **kwargs)
    opening_keys, opening_values = shared_opening[module.layer_idx]
    batch, heads, q_len, dim = query.shape
    kv_heads = key.shape[1]
    groups = heads // kv_heads
    scale = scaling if scaling is not None else dim**-0.5
    own_mask = _own_mask(attention_mask, batch, q_len, key.shape[2], query.device)
    rows_per_chunk = max(1, MAX_SCORES // (kv_heads * groups * q_len * max(opening_keys.shape[2], 1)))
    out = torch.cat([
        _merged(query[s : s + rows_per_chunk], key[s : s + rows_per_chunk], value[s : s + rows_per_chunk],
                own_mask[s : s + rows_per_chunk], opening_keys[0], opening_values[0], scale, groups)
        for s in range(0, batch, rows_per_chunk)
    ])
    return out.transpose(1, 2).contiguous(), None


def _own_mask(attention_mask, batch: int, q_len: int, kv_len: int, device) -> torch.Tensor:
    """(batch, 1, q, kv) True where a query may attend one of the row's own keys: the model's mask,
    or causal over the row's own tokens when the model passed none (no padding)."""
    if attention_mask is None:
        causal = torch.arange(kv_len, device=device)[None, :] <= torch.arange(q_len, device=device)[:, None] + (kv_len - q_len)
        return causal[None, None].expand(batch, 1, q_len, kv_len)
    if attention_mask.dtype == torch.bool:
        return attention_mask.expand(batch, 1, q_len, kv_len)
    return (attention_mask > torch.finfo(attention_mask.dtype).min / 2).expand(batch, 1, q_len, kv_len)


def _merged(query, key, value, own_mask, opening_keys, opening_values, scale: float, groups: int) -> torch.Tensor:
    """Softmax attention over [opening; own keys] for these rows, as (rows, heads, q, dim): each part
    normalised on its own, then weighted by its share of the softmax's denominator (log-sum-exp).
    Query heads are grouped by the key/value head they share (head h reads key head h // groups)."""
    rows, heads, q_len, dim = query.shape
    kv_heads = key.shape[1]
    grouped = query.reshape(rows, kv_heads, groups * q_len, dim)
    # the opening: every row's queries against its one copy, one attention per key/value head
    flat = grouped.transpose(0, 1).reshape(kv_heads, rows * groups * q_len, dim)
    from_opening, opening_lse = _attend(flat, opening_keys, opening_values, scale)
    from_opening = from_opening.reshape(kv_heads, rows, groups * q_len, dim).transpose(0, 1)
    opening_lse = opening_lse.reshape(kv_heads, rows, groups * q_len).transpose(0, 1)[..., None]
    # the row's own tokens, masked as the model asked (padding, causal)
    mask = own_mask[:, :, None].expand(rows, 1, groups, q_len, key.shape[2]).reshape(rows, 1, groups * q_len, key.shape[2])
    own_scores = ((grouped @ key.transpose(-1, -2)) * scale).masked_fill(~mask, float("-inf"))
    own_lse = torch.logsumexp(own_scores, -1, keepdim=True)  # -inf for a padding query that sees none of its own
    from_own = torch.exp(own_scores - own_lse.clamp(min=torch.finfo(own_scores.dtype).min)) @ value
    top = torch.maximum(opening_lse, own_lse)  # finite: every query sees the opening
    opening_share, own_share = torch.exp(opening_lse - top), torch.exp(own_lse - top)
    out = (from_opening * opening_share + from_own * own_share) / (opening_share + own_share)
    return out.reshape(rows, heads, q_len, dim)


def _attend(query, keys, values, scale: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(softmax attention output, log-sum-exp of the scores) of unmasked attention, per head: on CPU
    torch's fused flash kernel, which returns both (5x faster than the products here), else plainly."""
    if query.device.type == "cpu" and hasattr(torch.ops.aten, "_scaled_dot_product_flash_attention_for_cpu"):
        out, lse = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu(
            query[None].contiguous(), keys[None].contiguous(), values[None].contiguous(), 0.0, False, scale=scale
        )[:2]
        return out[0], lse[0]
    scores = (query @ keys.transpose(-1, -2)) * scale
    return torch.softmax(scores, -1) @ values, torch.logsumexp(scores, -1)


_registered = False


def _register() -> None:
    global _registered
    if not _registered:
        from transformers import AttentionInterface
        from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, sdpa_mask

        AttentionInterface.register(SHARED, _shared_attention)
        ALL_MASK_ATTENTION_FUNCTIONS.register(SHARED, sdpa_mask)
        _registered = True


def supports_shared(model) -> bool:
    """Whether `model` attends with `sdpa` (which this implementation extends): others take the plain way."""
    return getattr(model.config, "_attn_implementation", None) == "sdpa"


@contextmanager
def attending_shared(model):
    """The model attends with the shared-opening implementation inside this block, as before after."""
    _register()
    configs = {id(m.config): m.config for m in model.modules() if getattr(getattr(m, "config", None), "_attn_implementation", None) == "sdpa"}
    for config in configs.values():
        config._attn_implementation = SHARED
    try:
        yield
    finally:
        for config in configs.values():
            config._attn_implementation = "sdpa"


def opening_layers(cache) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The stored opening's keys and values per layer, as the attention reads them."""
    return [(layer.keys, layer.values) for layer in cache.layers]
