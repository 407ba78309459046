from core.generate import generate
from core.prompt import build_prompt
from core.answerer import Passage

QUESTIONS = ["how many days of leave", "who is the office manager", "what colour is the badge", "where is the office"]


def _prompts():
    # Different lengths, so batches need real left padding.
    return [build_prompt(q * (i + 1), [Passage("c", "d", "title", "alpha beta " * i)] if i else []) for i, q in enumerate(QUESTIONS)]


def test_batched_generation_equals_one_at_a_time(tiny_lm):
    prompts = _prompts()
    batched = generate(tiny_lm, prompts, batch_size=4, max_new_tokens=6)
    single = [generate(tiny_lm, [p], batch_size=1, max_new_tokens=6)[0] for p in prompts]
    assert [g.text for g in batched] == [g.text for g in single]
    assert [g.prompt_tokens for g in batched] == [g.prompt_tokens for g in single]


def test_results_come_back_in_input_order_with_counts(tiny_lm):
    prompts = _prompts()
    forward = generate(tiny_lm, prompts, batch_size=2, max_new_tokens=5)
    backward = generate(tiny_lm, prompts[::-1], batch_size=2, max_new_tokens=5)
    assert [g.text for g in forward] == [g.text for g in backward][::-1]
    assert all(0 < g.output_tokens <= 5 for g in forward)
    assert forward[3].prompt_tokens > forward[0].prompt_tokens
    assert all(g.generate_ms > 0 for g in forward)


def test_generation_stops_at_eos(tiny_lm):
    eos = tiny_lm.tokenizer.eos_token_id
    # Force EOS to be the argmax by boosting its output embedding row far above the rest.
    weight = tiny_lm.model.lm_head.weight
    saved = weight.data[eos].clone()
    try:
        weight.data[eos] = weight.data.abs().max() * 1000
        out = generate(tiny_lm, _prompts()[:2], batch_size=2, max_new_tokens=8)
        assert [g.output_tokens for g in out] == [1, 1]
        assert [g.text for g in out] == ["", ""]
    finally:
        weight.data[eos] = saved
