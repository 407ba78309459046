"""Generation on RAG prompts: the project's generator, a naive one-question-at-a-time `generate`
loop, and the compute floor (2 x parameters FLOPs per token at the matmul rate measured in this
process).

The prompts are the real thing: the corpus's eval fact questions with the passages the configured
retriever finds, laid out by the shared prompt builder, as the rag arm sends them.
"""

from __future__ import annotations

import time

import torch

from core.corpus import CONTROL_KINDS
from core.generate import generate, render
from eval.bench.memory import peak_rss
from eval.catalogue import ARMS, RAG, side_arm


def rag_prompts(parts, questions: int) -> list[list[dict[str, str]]]:
    """The prompts the RAG arm of the assembled run (eval/assembly.py) sends for the first eval fact questions."""
    asked = [q for q in parts.corpus.split("eval") if q.kind not in CONTROL_KINDS][:questions]
    return parts.answerer(ARMS[side_arm(RAG, ARMS)]).prompts(asked)


def matmul_gflops(dtype: torch.dtype, size: int = 2048, repeats: int = 5, device: str = "cpu") -> float:
    """The best of a few square matmuls: the machine's sustained rate for the model's dtype and device."""
    a, b = torch.randn(size, size, dtype=dtype, device=device), torch.randn(size, size, dtype=dtype, device=device)
    sync = torch.cuda.synchronize if str(device).startswith("cuda") else (lambda: None)
    torch.mm(a, b)  # warm-up (thread pool, caches, kernels)
    sync()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b)
        sync()
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


def bench_generation(lm, prompts, *, batch_size: int, max_new_tokens: int, naive_questions: int, gflops: float) -> dict:
    """`gflops`: the matmul rate probed in this process (`matmul_gflops`), for the compute floor."""
    record = {"questions": len(prompts), "batch_size": batch_size, "max_new_tokens": max_new_tokens}
    with peak_rss(record):
        start = time.perf_counter()
        outputs = generate(lm, prompts, batch_size=batch_size, max_new_tokens=max_new_tokens)
        record["project_s_per_question"] = (time.perf_counter() - start) / len(prompts)
        naive = prompts[:naive_questions]
        start = time.perf_counter()
        _naive_loop(lm, naive, max_new_tokens)
        record["naive_s_per_question"] = (time.perf_counter() - start) / len(naive)
        record["naive_questions"] = len(naive)
    record["prompt_tokens"] = sum(o.prompt_tokens for o in outputs) / len(outputs)
    record["output_tokens"] = sum(o.output_tokens for o in outputs) / len(outputs)
    record["parameters"] = sum(p.numel() for p in lm.model.parameters())
    flops = 2 * record["parameters"] * (record["prompt_tokens"] + record["output_tokens"])
    record["floor_s_per_question"] = flops / (gflops * 1e9)
    record["project_vs_floor"] = record["floor_s_per_question"] / record["project_s_per_question"]
    record["project_vs_naive"] = record["naive_s_per_question"] / record["project_s_per_question"]
    return record


@torch.inference_mode()
def _naive_loop(lm, prompts, max_new_tokens: int) -> None:
    """What a first script does: tokenize one prompt, `generate`, next."""
    tok, model = lm.tokenizer, lm.model
    for p in prompts:
        enc = tok(render(tok, p), add_special_tokens=False, return_tensors="pt").to(model.device)
        model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=tok.pad_token_id)
