"""`ragvsft bench`: every part in one process, one record per part, written as `bench.json`.

Parts: generation on RAG prompts, the whole corpus in the prompt cached against recomputed, LoRA training on QA pairs and on documents, embedding, cached
model loading, and retrieval at each synthetic size for each FAISS index kind. Each part records
its own peak RSS (eval/bench/memory.py). Sizes come from `BenchSizes` (the command's flags);
`BenchSizes.quick()` is the variant the tests run.
"""

from __future__ import annotations

import logging
import platform
import time
from dataclasses import asdict, dataclass, field

import torch

from core.config import ExperimentConfig
from core.seeding import set_seed
from eval.assembly import Assembly, load_base_lm, load_embedder, load_experiment_corpus
from eval.bench.generation import bench_generation, matmul_gflops, rag_prompts
from eval.bench.memory import peak_rss
from eval.bench.retrieval import bench_index_kind, exact_top_k, synthetic_chunks, synthetic_vectors
from eval.bench.training import SOURCES, bench_training
from eval.bench.whole_corpus import bench_whole_corpus, corpus_prompts
from rag.chunking import chunk
from rag.indexing import index_corpus

log = logging.getLogger(__name__)

INDEX_KINDS = ["flat", "hnsw", "ivf"]


@dataclass
class BenchSizes:
    questions: int = 64  # RAG prompts for the project's generator
    naive_questions: int = 12  # of those, answered one at a time by the naive loop
    train_steps: int = 6  # optimizer steps per trainer and source
    embed_chunks: int = 512
    vectors: list[int] = field(default_factory=lambda: [10_000, 100_000, 1_000_000])
    queries: int = 1000  # batched queries per size (recall is measured on these)
    single_queries: int = 100  # of those, searched one at a time
    deletions: int = 5  # documents deleted one by one; the median is reported
    corpus_recomputed: int = 3  # whole-corpus prompts also answered with the corpus computed anew each time

    @classmethod
    def quick(cls) -> BenchSizes:
        return cls(
            questions=4, naive_questions=2, train_steps=1, embed_chunks=16, vectors=[2000], queries=50, single_queries=10, deletions=2,
            corpus_recomputed=1,
        )


def run_bench(cfg: ExperimentConfig, sizes: BenchSizes) -> dict:
    set_seed(cfg.run.seed, cfg.run.threads)
    started = time.time()
    corpus = load_experiment_corpus(cfg)
    result = {"machine": _machine(), "sizes": asdict(sizes), "config": cfg.name}
    with peak_rss(load := {}):
        start = time.perf_counter()
        lm = load_base_lm(cfg)
        load["lm_s"] = time.perf_counter() - start
        start = time.perf_counter()
        embedder = load_embedder(cfg)
        load["embedder_s"] = time.perf_counter() - start
    result["load"] = load
    result["machine"]["matmul_gflops"] = matmul_gflops(next(lm.model.parameters()).dtype, device=lm.device)
    log.info("bench: embedding")
    result["embedding"] = _bench_embedding(embedder, corpus, cfg, sizes.embed_chunks)
    log.info("bench: generation")
    parts = Assembly(cfg, corpus, lm, embedder, index_corpus(corpus, embedder, cfg.rag))
    prompts = rag_prompts(parts, sizes.questions)
    result["generation"] = bench_generation(
        lm, prompts, batch_size=cfg.model.batch_size, max_new_tokens=cfg.model.max_new_tokens, naive_questions=sizes.naive_questions,
        gflops=result["machine"]["matmul_gflops"],
    )
    log.info("bench: the whole corpus in the prompt, cached and recomputed")
    result["whole_corpus"] = bench_whole_corpus(
        lm, corpus_prompts(parts, sizes.questions), batch_size=cfg.model.batch_size, max_new_tokens=cfg.model.max_new_tokens,
        recomputed=sizes.corpus_recomputed, gflops=result["machine"]["matmul_gflops"],
    )
    tokenizer, parameters = lm.tokenizer, result["generation"]["parameters"]
    del lm, parts  # the trainers load their own fp32 copies; this one would only add to their memory
    result["training"] = []
    for source in SOURCES:
        log.info("bench: training on %s", source)
        result["training"].append(
            bench_training(cfg, corpus, tokenizer, parameters, source, steps=sizes.train_steps, gflops=result["machine"]["matmul_gflops"])
        )
    result["retrieval"] = []
    for n in sizes.vectors:
        log.info("bench: retrieval at %d vectors", n)
        vectors, queries = synthetic_vectors(n, sizes.queries, cfg.run.seed)
        chunks = synthetic_chunks(n, cfg.run.seed)
        truth = exact_top_k(vectors, queries, 10)
        for kind in INDEX_KINDS:
            result["retrieval"].append(bench_index_kind(
                kind, chunks, vectors, queries, truth, single_queries=sizes.single_queries, deletions=sizes.deletions
            ))
        del vectors, chunks
    result["seconds"] = time.time() - started
    return result


def _bench_embedding(embedder, corpus, cfg, n: int) -> dict:
    chunks = chunk(corpus.documents, cfg.rag.chunk_size, cfg.rag.chunk_overlap)
    texts = [f"{c.title}\n{c.text}" for c in (chunks * (n // len(chunks) + 1))[:n]]
    record = {"chunks": n, "mean_words": sum(len(t.split()) for t in texts) / n}
    with peak_rss(record):
        embedder.encode(texts[: cfg.rag.embed_batch_size])  # warm-up
        start = time.perf_counter()
        embedder.encode(texts)
        record["chunks_per_s"] = n / (time.perf_counter() - start)
    return record


def _machine() -> dict:
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "torch_threads": torch.get_num_threads(),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "torch": torch.__version__,
    }
