"""The whole corpus in the prompt, cached against recomputed: what prompt caching buys per question.

Cached is the project's way (core/generate.py, `keep_opening`): the corpus's keys and values are
computed once (timed apart, the one-time cost), then held once for every batch (core/shared_prefix.py),
so each question runs only its own tokens against them. Recomputed is what a prompt without
caching costs: each question sent alone with the whole corpus, computed again every time. Both are
set against the per-question cost of RAG prompts (the generation part) and against the compute
floor of the cached way: 2 x parameters FLOPs for each token a question runs, plus reading the
corpus's keys and values in every layer for each of those tokens (4 x layers x heads x head
dimension x corpus tokens FLOPs), at the matmul rate probed in this process.
"""

from __future__ import annotations

import time
from dataclasses import replace

from core.corpus import CONTROL_KINDS
from core.generate import cache_opening, generate, prompt_ids, window
from eval.bench.memory import peak_rss
from eval.catalogue import ARMS


def corpus_prompts(parts, questions: int) -> list[list[dict[str, str]]]:
    """The prompts the whole-corpus arm sends for the first eval fact questions."""
    name = next(a.name for a in ARMS.values() if a.caches_corpus)
    asked = [q for q in parts.corpus.split("eval") if q.kind not in CONTROL_KINDS][:questions]
    return parts.answerer(ARMS[name]).prompts(asked)


def bench_whole_corpus(lm, prompts, *, batch_size: int, max_new_tokens: int, recomputed: int, gflops: float) -> dict:
    """`recomputed`: how many of the prompts are also answered one at a time with the corpus computed anew."""
    longest = max(len(prompt_ids(lm.tokenizer, p)) for p in prompts)
    record = {"questions": len(prompts), "prompt_tokens": longest, "window": window(lm), "batch_size": batch_size}
    if record["window"] is not None and longest + max_new_tokens > record["window"]:
        record["fits"] = False  # said, not truncated: `ragvsft bench --set corpus.max_documents=N` measures a part that fits
        return record
    record["fits"] = True
    cached_lm = replace(lm)  # no answers or opening from earlier parts
    with peak_rss(record):
        start = time.perf_counter()
        opening = cache_opening(cached_lm, prompts)
        record["opening_s"] = time.perf_counter() - start
        start = time.perf_counter()
        outputs = generate(cached_lm, prompts, batch_size=batch_size, max_new_tokens=max_new_tokens, keep_opening=True)
        record["cached_s_per_question"] = (time.perf_counter() - start) / len(prompts)
        fresh = replace(lm)
        start = time.perf_counter()
        for p in prompts[:recomputed]:  # each question alone, the corpus computed again: no cache kept
            generate(fresh, [p], batch_size=1, max_new_tokens=max_new_tokens)
        record["recomputed_s_per_question"] = (time.perf_counter() - start) / recomputed
    record["recomputed_questions"] = recomputed
    record["opening_tokens"] = opening.tokens if opening else 0
    record["opening_mb"] = opening.nbytes / 2**20 if opening else 0.0
    own = sum(o.prompt_tokens - o.cached_tokens + o.output_tokens for o in outputs) / len(outputs)
    config = lm.model.config
    per_token = 2 * sum(p.numel() for p in lm.model.parameters()) + 4 * config.num_hidden_layers * config.num_attention_heads * (
        config.hidden_size // config.num_attention_heads) * record["opening_tokens"]
    record["own_tokens"] = own
    record["floor_s_per_question"] = own * per_token / (gflops * 1e9)
    record["cached_vs_recomputed"] = record["recomputed_s_per_question"] / record["cached_s_per_question"]
    record["cached_vs_floor"] = record["floor_s_per_question"] / record["cached_s_per_question"]
    return record
