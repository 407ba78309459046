"""Prefill that computes each shared stretch of a batch's prompts once.

Prompts in a batch share an opening (system message, house rules, the chat template's markers),
and prompts on the same retrieved passage share everything up to their question. The batch's
common opening is run once; each group of prompts with a longer common stretch (the same passage)
runs that stretch once from there; each prompt then runs only its own tokens. The keys and values
are assembled into one left-padded cache (padding and gaps masked, positions counted from the
mask), and `generate` decodes the whole batch together from each prompt's last token.
Measured by `ragvsft bench` against the compute floor.

An arm whose prompts all open with the whole corpus also keeps that opening across batches and
calls in a `PrefixStore` (prompt caching): it is computed once, and every later batch copies its
keys and values and runs only what comes after it. The other arms' openings are short (under 400
tokens) and recomputed per batch, as before.
"""

from __future__ import annotations

import copy
import time

import torch


def shared_prefix_length(rows: list[list[int]]) -> int:
    """Leading tokens every row has in common, leaving each row at least one token of its own (the
    one whose logits start the answer)."""
    first, shortest = rows[0], min(len(r) for r in rows)
    n = 0
    while n < shortest - 1 and all(r[n] == first[n] for r in rows):
        n += 1
    return n


def _cut(cache, length: int) -> None:
    """Keep the first `length` positions of `cache` (transformers' crop takes how many to drop, negated)."""
    extra = cache.get_seq_length() - length
    if extra > 0:
        cache.crop(-extra)


def _common_length(a, b) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def prefix_groups(rows: list[list[int]], opening: int, min_extra: int) -> list[list[int]]:
    """Row numbers grouped by a common stretch at least `min_extra` tokens past the batch's opening;
    rows sharing nothing more go in one group of their own. `rows` come sorted, so groups are runs."""
    groups, rest, start = [], [], 0
    while start < len(rows):
        end = start + 1
        while end < len(rows) and shared_prefix_length([rows[start], rows[end]]) >= opening + min_extra:
            end += 1
        if end - start > 1:
            groups.append(list(range(start, end)))
        else:
            rest.append(start)
        start = end
    return groups + ([rest] if rest else [])


def plain_cache(model):
    """An empty cache of the plain kind this module assembles, or None for a model whose cache is
    another kind (sliding windows, offloading): those are prefilled the usual way."""
    from transformers import DynamicCache
    from transformers.cache_utils import DynamicLayer

    cache = DynamicCache(config=model.config)
    return cache if all(type(layer) is DynamicLayer for layer in cache.layers) else None


class PrefixStore:
    """The key/value cache of one prompt opening, kept between batches and calls (prompt caching):
    one entry, keyed by its token ids. A batch whose opening shares a stretch with it starts from a
    copy cut to the shared part; an opening sharing nothing (the corpus changed) replaces it. Only
    the arms that ask for it use it (`generate(keep_opening=True)`): the others' batches stay as
    they were. Belongs to one set of weights (a LoadedLM's `prefixes`): keys and values depend on them."""

    def __init__(self):
        self.ids: tuple[int, ...] = ()
        self.cache = None
        self.build_ms = 0.0  # computing the stored opening's keys and values (the part not already held)
        self.computed = 0  # tokens that took

    def covers(self, ids: list[int]) -> int:
        """How many leading tokens of `ids` the stored opening holds: what a provider with prompt
        caching bills at its cached rate."""
        return _common_length(self.ids, ids) if self.cache is not None else 0

    @property
    def nbytes(self) -> int:
        if self.cache is None:
            return 0
        return sum(layer.keys.nbytes + layer.values.nbytes for layer in self.cache.layers)

    def store(self, model, ids: list[int]) -> None:
        """Hold `ids`, computing only what follows the stretch the stored opening shares with them
        (an edited document invalidates the corpus from that document on, as a provider's prompt
        cache does), timed: `build_ms` and `computed` are what making the change live cost."""
        shared = min(self.covers(ids), len(ids) - 1) if ids else 0
        cache = self.cache if shared else plain_cache(model)
        if cache is None:
            return
        start = time.perf_counter()
        if shared:
            _cut(cache, shared)
        _extend(model, cache, [list(ids[shared:])], [[1] * len(ids)], start=shared)
        self.ids, self.cache, self.build_ms = tuple(ids), cache, (time.perf_counter() - start) * 1000
        self.computed = len(ids) - shared

    def hold(self, model, ids: list[int]) -> None:
        """Make the stored opening a prefix of `ids`: cut to what they share (so the next batch of
        the same prompts matches too), or computed anew when they share nothing."""
        shared = self.covers(ids)
        if shared == 0:
            self.store(model, ids)
        elif shared < len(self.ids):
            _cut(self.cache, shared)
            self.ids = self.ids[:shared]

    def opening(self, model, ids: list[int]):
        """A fresh single-row cache holding `ids`, from the stored opening."""
        self.hold(model, ids)
        cache, shared = copy.deepcopy(self.cache), len(self.ids)
        if len(ids) > shared:
            _extend(model, cache, [list(ids[shared:])], [[1] * len(ids)], start=shared)
        return cache


def shared_opening_inputs(model, pad_id: int, rows: list[list[int]], prefixes: PrefixStore) -> dict | None:
    """`generate` inputs for a batch whose rows all open with the stored opening, held once for the
    whole batch (core/shared_prefix.py): each row's cache holds only its own tokens, run from the
    opening's last position. None when a row does not open with it (the caller holds it first)."""
    from core.shared_prefix import opening_layers

    n = len(prefixes.ids)
    if prefixes.cache is None or any(len(r) <= n or tuple(r[:n]) != prefixes.ids for r in rows):
        return None
    layers = opening_layers(prefixes.cache)
    own = [r[n:-1] for r in rows]  # each row's last token is what decoding starts from
    width = max(len(r) for r in own)
    mask = [[0] * (width - len(r)) + [1] * len(r) for r in own]
    cache = plain_cache(model)
    if width:
        _extend(model, cache, [[pad_id] * (width - len(r)) + r for r in own], mask, start=n, shared_opening=layers)
    return {
        "input_ids": torch.tensor([[pad_id] * width + [r[-1]] for r in rows], device=model.device),
        "attention_mask": torch.tensor([m + [1] for m in mask], device=model.device),
        "cache": cache,
        "position_offset": n,
        "shared_opening": layers,
    }


def prefilled_inputs(
    model, pad_id: int, rows: list[list[int]], min_extra: int, prefixes: PrefixStore | None = None
) -> tuple[list[int], dict] | None:
    """(row order, `generate` inputs) with every row's prompt but its last token already in the
    cache; None when sharing does not apply (nothing shared, or a cache of another kind).
    `prefixes`: where the opening is kept between batches (None: computed for this batch only)."""
    opening = shared_prefix_length(rows)
    base = plain_cache(model)
    if base is None or opening < min_extra:
        return None
    if prefixes is None:
        _extend(model, base, [rows[0][:opening]], [[1] * opening], start=0)
    else:
        base = prefixes.opening(model, rows[0][:opening])
    order, caches, masks = [], [], []
    for group in prefix_groups(rows, opening, min_extra):
        own = [rows[i] for i in group]
        shared = shared_prefix_length(own) if len(group) > 1 else opening
        cache = copy.deepcopy(base)
        if shared > opening:
            _extend(model, cache, [own[0][opening:shared]], [[1] * shared], start=opening)
        cache.batch_repeat_interleave(len(group))
        rest = [r[shared:-1] for r in own]  # each row's last token is what generate starts from
        width = max(len(r) for r in rest)
        mask = [[1] * shared + [0] * (width - len(r)) + [1] * len(r) for r in rest]
        if width:
            _extend(model, cache, [[pad_id] * (width - len(r)) + r for r in rest], mask, start=shared)
        order += group
        caches.append(cache)
        masks.append(mask)
    return order, _assembled(model, pad_id, [rows[i][-1] for i in order], caches, masks)


def _extend(model, cache, input_ids: list[list[int]], mask: list[list[int]], *, start: int, **attention) -> None:
    """Run `input_ids` (right-aligned, padding on the left) on top of `cache`; `mask` covers the
    cache and them. Positions: a row's real tokens continue from `start`; padding is masked.
    `attention`: passed through to the attention (a shared opening, core/shared_prefix.py)."""
    ids = torch.tensor(input_ids, device=model.device)
    real = torch.tensor(mask, device=model.device)[:, -ids.shape[1] :]
    positions = start + (real.cumsum(-1) - 1).clamp(min=0)
    model(input_ids=ids, attention_mask=torch.tensor(mask, device=model.device), position_ids=positions,
          cache=cache, use_cache=True, logits_to_keep=1, **attention)


def _assembled(model, pad_id: int, last_tokens: list[int], caches: list, masks: list[list[list[int]]]) -> dict:
    """One left-padded cache and mask from the groups', plus each row's last token to start from."""
    width = max(len(m[0]) for m in masks)
    cache = plain_cache(model)
    for n in range(len(caches[0].layers)):
        keys = torch.cat([_left_pad(c.layers[n].keys, width) for c in caches])
        values = torch.cat([_left_pad(c.layers[n].values, width) for c in caches])
        cache.update(keys, values, n)
    mask = [[0] * (width - len(row)) + row + [1] for m in masks for row in m]
    return {
        "input_ids": torch.tensor([[pad_id] * width + [t] for t in last_tokens], device=model.device),
        "attention_mask": torch.tensor(mask, device=model.device),
        "cache": cache,
    }


def _left_pad(states: torch.Tensor, width: int) -> torch.Tensor:
    return torch.nn.functional.pad(states, (0, 0, width - states.shape[2], 0))
