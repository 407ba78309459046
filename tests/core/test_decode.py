import pytest
import torch

from core.decode import decodes_plainly, greedy_decode
from core.generate import generate, render
from core.prompt import build_prompt

QUESTIONS = ["how many days of leave", "who is the office manager", "what colour is the badge", "where is the office"]


def _inputs(lm):
    texts = [render(lm.tokenizer, build_prompt(q * (i + 1))) for i, q in enumerate(QUESTIONS)]
    return dict(lm.tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False))


def _hf_new_tokens(lm, inputs, eos_ids, n):
    out = lm.model.generate(**inputs, max_new_tokens=n, do_sample=False, eos_token_id=eos_ids, pad_token_id=lm.tokenizer.pad_token_id)
    return out[:, inputs["input_ids"].shape[1] :].tolist()


@pytest.fixture
def lively_lm(tiny_lm):
    """The tiny model with weights drawn wider: its answers depend on the prompt and end at
    different steps (at the usual init every row repeats one token)."""
    from dataclasses import replace

    from tests.conftest import tiny_llama

    model = tiny_llama(len(tiny_lm.tokenizer))
    with torch.no_grad():
        for weight in model.parameters():
            if weight.dim() == 2:
                weight.normal_(0, 0.2)
    return replace(tiny_lm, model=model)


def test_greedy_decode_gives_generates_tokens_when_rows_end_at_different_steps(lively_lm):
    inputs, eos = _inputs(lively_lm), lively_lm.tokenizer.eos_token_id
    with torch.inference_mode():
        ours = greedy_decode(lively_lm.model, inputs, max_new_tokens=10, eos_ids=[eos])
        theirs = _hf_new_tokens(lively_lm, inputs, [eos], 10)
    lengths = [len(row) for row in ours]
    assert min(lengths) < 10 and max(lengths) == 10  # some rows ended early, some ran to the limit
    assert all(row[-1] == eos for row in ours if len(row) < 10)
    assert ours == [row[: len(mine)] for row, mine in zip(theirs, ours)]


def test_finished_rows_leave_the_batch(lively_lm):
    inputs, eos = _inputs(lively_lm), lively_lm.tokenizer.eos_token_id
    rows_per_step = []
    hook = lively_lm.model.get_input_embeddings().register_forward_hook(lambda mod, args, out: rows_per_step.append(args[0].shape[0]))
    try:
        with torch.inference_mode():
            ours = greedy_decode(lively_lm.model, inputs, max_new_tokens=10, eos_ids=[eos])
    finally:
        hook.remove()
    still_going = [sum(len(row) > step for row in ours) for step in range(10)]
    assert rows_per_step == still_going and rows_per_step[-1] < rows_per_step[0]


def test_a_generation_config_that_changes_greedy_choices_goes_through_generate(lively_lm):
    tiny_lm, model = lively_lm, lively_lm.model
    assert decodes_plainly(model)
    saved = model.generation_config.repetition_penalty
    try:
        model.generation_config.repetition_penalty = 5.0
        assert not decodes_plainly(model)
        prompts = [build_prompt(q) for q in QUESTIONS]
        ours = generate(tiny_lm, prompts, batch_size=1, max_new_tokens=8, share_prefix=False)
        inputs = [dict(tiny_lm.tokenizer(render(tiny_lm.tokenizer, p), return_tensors="pt", add_special_tokens=False)) for p in prompts]
        with torch.inference_mode():
            theirs = [_hf_new_tokens(tiny_lm, i, [tiny_lm.tokenizer.eos_token_id], 8)[0] for i in inputs]
        assert [g.text for g in ours] == [tiny_lm.tokenizer.decode(t, skip_special_tokens=True).strip() for t in theirs]
    finally:
        model.generation_config.repetition_penalty = saved
