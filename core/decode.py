"""Greedy decoding that stops computing a prompt once its answer has ended.

`model.generate` keeps every row of a batch in every decoding step until the longest answer is
done; on the general-knowledge questions (answers of 4 to 32 tokens, batches of 64) 56% of the
rows it computed were already finished. Here a row leaves the batch (and the key/value cache) as
soon as it emits an end-of-sequence token, so a step costs what its unfinished rows cost.

The choices are the ones `generate` makes: the argmax of the last position's logits, positions
counted from the attention mask, stop at an EOS id or `max_new_tokens`. Models whose generation
config changes greedy choices (a repetition penalty, forced or suppressed tokens...) or whose
cache is not the plain kind go through `generate` instead (`decodes_plainly`).
"""

from __future__ import annotations

import warnings

import torch

from core.prefill import plain_cache


def decodes_plainly(model) -> bool:
    """True when plain argmax decoding is what `generate(do_sample=False)` would do for `model`:
    its generation config adds no logits processor, and its cache is the plain kind."""
    config = model.generation_config
    greedy = config.__class__.from_dict({**config.to_dict(), "do_sample": False, "num_beams": 1})
    try:
        # transformers builds the processors its config asks for here (a private method, hence the
        # guard); without input ids it warns about a repetition penalty it then reports anyway
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            processors = model._get_logits_processor(greedy)
    except (AttributeError, TypeError, ValueError):
        return False
    return len(processors) == 0 and plain_cache(model) is not None


def greedy_decode(model, inputs: dict, *, max_new_tokens: int, eos_ids: list[int]) -> list[list[int]]:
    """Each row's new token ids, up to and including its first EOS. `inputs`: left-padded
    `input_ids` and `attention_mask`, and optionally a `cache` already holding the
    first positions (core/prefill.py), in which case only the positions after them are run."""
    ids, mask = inputs["input_ids"], inputs["attention_mask"]
    cache = inputs.get("cache") or plain_cache(model)
    # a batch reading one shared opening (core/shared_prefix.py): its cache and mask hold the rows'
    # own tokens, whose positions continue from the opening's last
    offset = inputs.get("position_offset", 0)
    attention = {"shared_opening": inputs["shared_opening"]} if "shared_opening" in inputs else {}
    step_ids = ids[:, cache.get_seq_length() :]
    rows = torch.arange(ids.shape[0], device=ids.device)  # batch row -> input row
    eos = torch.tensor(eos_ids, device=ids.device)
    new: list[list[int]] = [[] for _ in range(ids.shape[0])]
    for step in range(max_new_tokens):
        positions = offset + (mask.cumsum(-1) - 1).clamp(min=0)[:, -step_ids.shape[1] :]  # padding is masked
        logits = model(input_ids=step_ids, attention_mask=mask, position_ids=positions, cache=cache,
                       use_cache=True, logits_to_keep=1, **attention).logits[:, -1]
        chosen = logits.argmax(-1)
        for row, token in zip(rows.tolist(), chosen.tolist()):
            new[row].append(token)
        going = ~torch.isin(chosen, eos)
        if step == max_new_tokens - 1 or not going.any():
            break
        if not going.all():
            keep = going.nonzero().squeeze(1)
            cache.batch_select_indices(keep)
            rows, mask, chosen = rows[keep], mask[keep], chosen[keep]
        mask = torch.cat([mask, mask.new_ones(mask.shape[0], 1)], dim=1)
        step_ids = chosen[:, None]
    return new
