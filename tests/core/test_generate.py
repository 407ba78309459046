from core.generate import MIN_SHARED_PREFIX, generate, render
from core.prefill import prefix_groups, shared_prefix_length
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


def _tokens_computed(tiny_lm, **kw) -> tuple[list[str], int]:
    """(answers, token positions the model's embedding layer was asked for), on an empty cache
    unless the caller passes an lm that has one."""
    seen = []
    hook = tiny_lm.model.get_input_embeddings().register_forward_hook(lambda mod, args, out: seen.append(args[0].numel()))
    try:
        texts = [g.text for g in generate(tiny_lm, _prompts(), batch_size=4, max_new_tokens=6, **kw)]
    finally:
        hook.remove()
    return texts, sum(seen)


def test_the_shared_prompt_opening_is_computed_once_per_batch_with_the_same_answers(tiny_lm):
    from dataclasses import replace

    shared_texts, shared_tokens = _tokens_computed(replace(tiny_lm))
    plain_texts, plain_tokens = _tokens_computed(replace(tiny_lm), share_prefix=False)
    assert shared_texts == plain_texts
    opening = shared_prefix_length([tiny_lm.tokenizer(render(tiny_lm.tokenizer, p)).input_ids for p in _prompts()])
    assert opening >= MIN_SHARED_PREFIX
    # four rows, the opening computed once instead of four times (and no padding: that saves more)
    assert plain_tokens - shared_tokens >= 3 * opening


def test_prompts_on_the_same_passage_form_a_group_and_the_rest_share_the_opening():
    opening = [1, 2, 3]
    rows = [opening + [4, 4, 4, 4, 9], opening + [4, 4, 4, 4, 8, 8], opening + [5], opening + [6, 7]]
    assert prefix_groups(rows, 3, min_extra=4) == [[0, 1], [2, 3]]
    assert prefix_groups(rows, 3, min_extra=5) == [[0, 1, 2, 3]]


def test_passage_groups_give_the_answers_of_plain_batches(tiny_lm):
    from dataclasses import replace

    passage = Passage("c", "d", "title", "alpha beta gamma delta " * 6)
    prompts = [build_prompt(q, [passage]) for q in QUESTIONS] + [build_prompt(q) for q in QUESTIONS]
    shared = generate(replace(tiny_lm), prompts, batch_size=8, max_new_tokens=5)
    plain = generate(replace(tiny_lm), prompts, batch_size=8, max_new_tokens=5, share_prefix=False)
    assert [g.text for g in shared] == [g.text for g in plain] and all(g.output_tokens for g in shared)


def test_the_shared_prefix_leaves_every_row_a_token_of_its_own():
    assert shared_prefix_length([[1, 2, 3], [1, 2, 3, 4]]) == 2
    assert shared_prefix_length([[1, 2, 3], [1, 5, 3]]) == 1
    assert shared_prefix_length([[7, 8]]) == 1


def test_a_prompt_these_weights_already_answered_is_not_generated_again(tiny_lm):
    from dataclasses import replace

    lm = replace(tiny_lm)  # same weights, an empty cache of its own
    prompts = _prompts()
    first = generate(lm, prompts[:2], batch_size=4, max_new_tokens=6)
    _, computed = _tokens_computed(lm)  # all four again: two are cached, two are new
    repeated, none = _tokens_computed(lm)
    assert none == 0 and repeated[:2] == [g.text for g in first]
    _, all_four = _tokens_computed(replace(tiny_lm), share_prefix=True)
    assert 0 < computed < all_four
    twice = generate(replace(tiny_lm), [prompts[0], prompts[0]], batch_size=4, max_new_tokens=6)
    assert twice[0] is twice[1]
