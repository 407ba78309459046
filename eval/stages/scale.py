"""`ragvsft scale`: the comparison on generated knowledge bases of growing size.

Each size in `scale.sizes` is one executor point (eval/stages/executor.py): a fictional knowledge
base of that many facts (corpora/kb, seeded by `run.seed`) written to <out>/corpora/facts-<n>/, and a
whole ordinary run on it in <out>/facts-<n>/ (eval/stages/run.py, so its report, predictions and
adapter are there too). What grows with the facts is then read from each run's summary: for RAG
the index (build seconds, MB), recall@1, accuracy and latency; for LoRA the training seconds at the
config's fixed recipe, accuracy, general knowledge kept and adapter MB; for both the seconds one
update round took to absorb. `fits` are power laws y = a * facts^b fitted on log-log axes.
"""

from __future__ import annotations

import math
from pathlib import Path

from core.config import ExperimentConfig
from core.config_files import with_overrides
from core.errors import InputError
from corpora.kb.build import generate_kb, write_kb
from core.rundir import write_json
from eval.stages.executor import Point, failures, run_points
from eval.stages.run import run_experiment
from eval.stages.updates import strategy_arm
from finetune.strategies import STRATEGIES

RAG, LORA = "rag", "lora"  # the two adaptations the scale table compares (the `base` arm, if run, anchors general knowledge)
# series name -> (side, key in that side of a row, unit): what is fitted against the number of facts
GROWTH = {
    "lora training s": (LORA, "train_seconds", "s"),
    "rag index build s": (RAG, "index_seconds", "s"),
    "lora update s": (LORA, "absorb_seconds", "s"),
    "rag update s": (RAG, "absorb_seconds", "s"),
    "adapter MB": (LORA, "adapter_mb", "MB"),
    "index MB": (RAG, "index_mb", "MB"),
}


def run_dir_for(out: Path, size: int) -> Path:
    return Path(out) / f"facts-{size}"


def run_scale(config: ExperimentConfig, out: Path) -> dict:
    """Every size's row (the failed ones listed), the growth fits; written to <out>/scale.json."""
    missing = [a for a in (RAG, LORA) if a not in config.eval.arms]
    if missing:
        raise InputError(f"eval.arms: `ragvsft scale` compares rag and lora; add {', '.join(missing)}")
    points = [Point(f"{size} facts", scale_point, (config, size, Path(out))) for size in config.scale.sizes]
    outcomes = run_points(points, config)
    rows = [o.result for o in outcomes if not o.error]
    record = {"config": config.name, "seed": config.run.seed, "sizes": config.scale.sizes, "rows": rows,
              "fits": growth_fits(rows), "failed": failures(outcomes)}
    write_json(Path(out) / "scale.json", record)
    return record


def scale_point(config: ExperimentConfig, size: int, out: Path, *, models: dict) -> dict:
    """One size: its knowledge base generated, a whole run on it, the row of what it measured."""
    corpus_dir = out / "corpora" / f"facts-{size}"
    kb = generate_kb(size, config.kb, config.run.seed)
    # the same seed and settings give the same files, so a repeated scale run reuses each size's index and adapter
    write_kb(kb, corpus_dir, {"generator": "ragvsft scale", "seed": config.run.seed, "settings": config.kb.model_dump()})
    size_config = with_overrides(config, [f"corpus.dir={corpus_dir}", f"name={config.name}-facts-{size}"], where=f"scale size {size}")
    _, summary = run_experiment(size_config, run_dir_for(out, size), models)
    return scale_row(size, summary, size_config)


def scale_row(size: int, summary: dict, config: ExperimentConfig) -> dict:
    arms, index = summary["arms"], summary["index"]
    rag, lora = arms[RAG], arms[LORA]
    rounds = summary.get("updates", {}).get("rounds", [])
    first_round = rounds[0]["arms"] if rounds else {}
    strategy = strategy_arm(STRATEGIES[config.updates.strategies[0]]) if config.updates.strategies else None
    return {
        "facts": size,
        "documents": summary["meta_info"]["corpus"]["documents"],
        "eval_questions": rag["n"],
        RAG: {
            "index_seconds": index["build_seconds"], "index_mb": index["size_mb"], "chunks": index["chunks"],
            "recall_at_1": summary["retrieval"]["recall@1"],
            "accuracy": rag["accuracy"], "accuracy_ci": rag["accuracy_ci"], "latency_p50_ms": rag["latency_ms"]["p50"],
            "absorb_seconds": first_round.get(RAG, {}).get("absorb_seconds"),
        },
        LORA: {
            "train_seconds": lora["train"]["seconds"], "adapter_mb": lora["train"]["adapter_mb"],
            "accuracy": lora["accuracy"], "accuracy_ci": lora["accuracy_ci"], "latency_p50_ms": lora["latency_ms"]["p50"],
            "general_knowledge": lora.get("general_knowledge"), "general_knowledge_ci": lora.get("general_knowledge_ci"),
            "absorb_seconds": first_round.get(strategy, {}).get("absorb_seconds"), "absorb_strategy": strategy,
        },
    }


def power_fit(xs: list[float], ys: list[float]) -> dict | None:
    """Least squares of log y on log x: y = coefficient * x^exponent; None without two positive points."""
    pairs = [(math.log(x), math.log(y)) for x, y in zip(xs, ys) if x and y and x > 0 and y > 0]
    if len(pairs) < 2 or len({lx for lx, _ in pairs}) < 2:
        return None
    mx, my = sum(p[0] for p in pairs) / len(pairs), sum(p[1] for p in pairs) / len(pairs)
    slope = sum((lx - mx) * (ly - my) for lx, ly in pairs) / sum((lx - mx) ** 2 for lx, _ in pairs)
    return {"exponent": slope, "coefficient": math.exp(my - slope * mx), "points": len(pairs)}


def growth_fits(rows: list[dict]) -> dict:
    """{series: fit with the series' side, key and unit (so the report needs only scale.json), or None}."""
    facts = [r["facts"] for r in rows]
    fits = {}
    for name, (side, key, unit) in GROWTH.items():
        fit = power_fit(facts, [r[side][key] for r in rows])
        fits[name] = fit and {**fit, "side": side, "key": key, "unit": unit}
    return fits
