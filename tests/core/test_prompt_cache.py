"""Prompt caching: a whole corpus in every prompt is computed once and kept between batches and
calls (core/prefill.PrefixStore), with the answers generation gives without it."""

from dataclasses import replace

from core.generate import MAX_BATCH_TOKENS, batches, cache_opening, generate
from core.prompt import Passage, build_prompt

CORPUS = [Passage(f"d{i}", f"d{i}", f"Doc {i}", f"document {i} says the value is {i * 7} " * 6) for i in range(6)]
QUESTIONS = ["what is the value of document 2", "which document says 35", "how many documents", "what does doc 4 say", "value of doc 0"]


def _prompts(corpus=CORPUS, questions=QUESTIONS):
    return [build_prompt(q, corpus) for q in questions]


def _positions_computed(lm, prompts, **kw) -> tuple[list, int]:
    seen = []
    hook = lm.model.get_input_embeddings().register_forward_hook(lambda mod, args, out: seen.append(args[0].numel()))
    try:
        out = generate(lm, prompts, batch_size=2, max_new_tokens=5, **kw)
    finally:
        hook.remove()
    return out, sum(seen)


def test_the_kept_opening_gives_the_same_answers_and_is_computed_once_across_batches(tiny_lm):
    prompts = _prompts()
    plain, plain_positions = _positions_computed(replace(tiny_lm), prompts)
    lm = replace(tiny_lm)  # a copy starts with no generations and no kept opening
    opening = cache_opening(lm, prompts)
    kept, kept_positions = _positions_computed(lm, prompts, keep_opening=True)
    assert [g.text for g in kept] == [g.text for g in plain]
    # three batches of two: without keeping it each batch computes the corpus; kept, none does
    assert plain_positions - kept_positions >= 3 * opening.tokens - 3 * 16
    assert opening.tokens > 100 and opening.build_ms > 0 and opening.nbytes > 0 and not opening.reused
    assert all(g.cached_tokens == opening.tokens for g in kept) and all(g.cached_tokens == 0 for g in plain)


def test_every_row_reads_the_one_held_opening_and_answers_as_with_its_own_copy(tiny_lm, monkeypatch):
    import core.shared_prefix as shared

    calls = []
    merged = shared._merged
    monkeypatch.setattr(shared, "_merged", lambda *a: calls.append(a[0].shape[0]) or merged(*a))
    prompts = _prompts()
    plain = generate(replace(tiny_lm), prompts, batch_size=8, max_new_tokens=6)
    lm = replace(tiny_lm)
    cache_opening(lm, prompts)
    held = generate(lm, prompts, batch_size=8, max_new_tokens=6, keep_opening=True)
    assert calls and max(calls) == len(prompts)  # one batch of five rows attended the shared opening
    assert [g.text for g in held] == [g.text for g in plain]
    assert lm.model.config._attn_implementation == "sdpa"  # switched back after the batch


def test_the_same_corpus_is_reused_and_a_changed_one_is_computed_anew(tiny_lm):
    lm = replace(tiny_lm)
    first = cache_opening(lm, _prompts())
    again = cache_opening(lm, _prompts(questions=["another question", "and one more"]))
    assert again.reused and again.tokens == first.tokens
    edited = [*CORPUS[:3], replace(CORPUS[3], text="document 3 now says 99"), *CORPUS[4:]]
    changed = cache_opening(lm, _prompts(corpus=edited))
    assert not changed.reused and changed.tokens < first.tokens
    # only what follows the edited document is computed again (documents 0-2 are held)
    assert 0 < changed.computed < changed.tokens - 3 * 40 and first.computed == first.tokens
    plain = generate(replace(tiny_lm), _prompts(corpus=edited), batch_size=2, max_new_tokens=5)
    kept = generate(lm, _prompts(corpus=edited), batch_size=2, max_new_tokens=5, keep_opening=True)
    assert [g.text for g in kept] == [g.text for g in plain]


def test_a_batch_holds_at_most_the_token_budget():
    long, short = [1] * (MAX_BATCH_TOKENS // 4 + 1), [2] * 300
    assert [len(b) for b in batches([long] * 10, 64)] == [3, 3, 3, 1]
    assert [len(b) for b in batches([short] * 100, 64)] == [64, 36]  # short prompts: batch_size decides
