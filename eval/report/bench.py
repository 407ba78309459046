"""The `ragvsft bench` tables, rendered from `bench.json` alone (as the report is from a run dir)."""

from __future__ import annotations


def _f(x, digits: int = 2) -> str:
    return "n/a" if x is None else f"{x:,.{digits}f}"


def _whole_corpus_lines(w: dict | None, g: dict) -> list[str]:
    if not w:
        return []
    lines = ["## The whole corpus in the prompt", ""]
    if not w["fits"]:
        return lines + [f"Not measured: the prompts are {w['prompt_tokens']:,} tokens, past the model's window of {w['window']:,} "
                        "(`--set corpus.max_documents=N` measures a part of the corpus that fits)."]
    return lines + [
        f"{w['questions']} questions; the corpus is {w['opening_tokens']:,} tokens of every prompt ({w['prompt_tokens']:,} at most, "
        f"window {w['window']:,}), computed once in {_f(w['opening_s'], 1)} s and held in {_f(w['opening_mb'], 0)} MB; each question "
        f"then runs {_f(w['own_tokens'], 0)} tokens of its own; batch {w['batch_size']}.",
        "",
        "| | s/question | vs recomputed | share of the compute floor |",
        "|---|---:|---:|---:|",
        f"| cached (computed once, held once per batch) | {_f(w['cached_s_per_question'], 3)} | {_f(w['cached_vs_recomputed'], 1)}x | "
        f"{_f(100 * w['cached_vs_floor'], 0)}% |",
        f"| recomputed for every question ({w['recomputed_questions']} questions) | {_f(w['recomputed_s_per_question'], 3)} | 1.0x | |",
        f"| RAG prompts (the project generator, above) | {_f(g['project_s_per_question'], 3)} | | |",
        f"| compute floor of the cached way | {_f(w['floor_s_per_question'], 3)} | | 100% |",
    ]


def bench_markdown(bench: dict) -> str:
    m, g = bench["machine"], bench["generation"]
    lines = [
        f"# ragvsft bench ({bench['config']})",
        "",
        f"{m['processor']}, {m['torch_threads']} torch threads, {m['cuda'] or 'no GPU'}, torch {m['torch']}; "
        f"matmul probe {_f(m['matmul_gflops'], 0)} GFLOPS; {_f(bench['seconds'] / 60, 1)} minutes in all.",
        "",
        "## Generation on RAG prompts",
        "",
        f"{g['questions']} questions, {_f(g['prompt_tokens'], 0)} prompt tokens and {_f(g['output_tokens'], 1)} answer tokens "
        f"on average; batch {g['batch_size']}.",
        "",
        "| | s/question | vs naive | share of the compute floor |",
        "|---|---:|---:|---:|",
        f"| project generator | {_f(g['project_s_per_question'], 3)} | {_f(g['project_vs_naive'], 1)}x | {_f(100 * g['project_vs_floor'], 0)}% |",
        f"| naive loop ({g['naive_questions']} questions) | {_f(g['naive_s_per_question'], 3)} | 1.0x | "
        f"{_f(100 * g['floor_s_per_question'] / g['naive_s_per_question'], 0)}% |",
        f"| compute floor | {_f(g['floor_s_per_question'], 3)} | | 100% |",
        "",
        *_whole_corpus_lines(bench.get("whole_corpus"), g),
        "",
        "## LoRA training",
        "",
        "| source | examples | mean tokens | project tokens/s | Trainer defaults tokens/s | ratio | limit tokens/s | "
        "project peak RSS MB | Trainer peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for t in bench["training"]:
        lines.append(
            f"| {t['source']} | {t['examples']} | {_f(t['mean_tokens'], 0)} | {_f(t['project_tokens_per_s'], 0)} | "
            f"{_f(t['trainer_defaults_tokens_per_s'], 0)} | {_f(t['project_vs_trainer_defaults'], 2)}x | {_f(t['limit_tokens_per_s'], 0)} | "
            f"{_f(t['project_peak_rss_mb'], 0)} | {_f(t['trainer_defaults_peak_rss_mb'], 0)} |"
        )
    e, load = bench["embedding"], bench["load"]
    lines += [
        "",
        "## Embedding and loading",
        "",
        f"Embedding: {_f(e['chunks_per_s'], 1)} chunks/s ({e['chunks']} chunks of {_f(e['mean_words'], 0)} words). "
        f"Cached model load: LM {_f(load['lm_s'], 1)} s, embedder {_f(load['embedder_s'], 1)} s (peak RSS {_f(load['peak_rss_mb'], 0)} MB).",
        "",
        "## Retrieval on synthetic clustered vectors (384-d)",
        "",
        "| vectors | index | build s | ms/query | ms/query batched | recall@10 | delete 1 doc ms | save s | load s | MB | peak RSS MB |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in bench["retrieval"]:
        lines.append(
            f"| {r['vectors']:,} | {r['kind']} | {_f(r['build_s'], 1)} | {_f(r['query_ms'], 3)} | {_f(r['batch_query_ms'], 3)} | "
            f"{_f(r['recall_at_10'], 3)} | {_f(r['delete_doc_ms'], 2)} | {_f(r['save_s'], 2)} | {_f(r['load_s'], 2)} | "
            f"{_f(r['size_mb'], 0)} | {_f(r['peak_rss_mb'], 0)} |"
        )
    scope = {r.get("peak_rss_scope") for r in bench["retrieval"]} | {bench["load"].get("peak_rss_scope")}
    if "process" in scope:
        lines += ["", "Peak RSS is the process's (this system cannot reset it per part)."]
    return "\n".join(lines) + "\n"
