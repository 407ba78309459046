"""Answer and retrieval metrics: small named functions, each returning the aggregate and the
per-example scores. Answers are compared after SQuAD-style normalization (lowercase, punctuation
to spaces, no articles, single spaces).

- `accuracy`: an accepted alias occurs in the answer as a whole-token span ("23" is not in "1230")
- `exact_match`: the answer equals an alias
- `f1`: token-overlap F1 against the best-matching alias
- `recall_at_k` / `mrr`: whether / how high a gold document's chunk was retrieved
- `citation_correct`: the answer cites at least one document and only gold ones
- `attributed`: the answer is right and the source the user is shown for it is gold
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from core.text import contains_phrase, normalize


@dataclass(frozen=True)
class MetricResult:
    value: float
    per_example: list[float]


def _mean(scores: list[float]) -> MetricResult:
    if not scores:
        raise ValueError("a metric over zero examples is undefined")
    return MetricResult(float(np.mean(scores)), scores)


def accuracy(predictions: list[str], aliases: list[list[str]]) -> MetricResult:
    return _mean(
        [
            float(any(contains_phrase(p, a) for a in al))
            for p, al in zip(predictions, aliases, strict=True)
        ]
    )


def exact_match(predictions: list[str], aliases: list[list[str]]) -> MetricResult:
    return _mean([float(any(normalize(p) == normalize(a) for a in al)) for p, al in zip(predictions, aliases, strict=True)])


def _token_f1(prediction: str, alias: str) -> float:
    pred, gold = normalize(prediction).split(), normalize(alias).split()
    common = sum((Counter(pred) & Counter(gold)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def f1(predictions: list[str], aliases: list[list[str]]) -> MetricResult:
    return _mean([max(_token_f1(p, a) for a in al) for p, al in zip(predictions, aliases, strict=True)])


def recall_at_k(retrieved_doc_ids: list[list[str]], gold_doc_ids: list[list[str]]) -> MetricResult:
    return _mean([float(bool(set(r) & set(g))) for r, g in zip(retrieved_doc_ids, gold_doc_ids, strict=True)])


def mrr(retrieved_doc_ids: list[list[str]], gold_doc_ids: list[list[str]]) -> MetricResult:
    def reciprocal_rank(retrieved: list[str], gold: list[str]) -> float:
        return next((1.0 / rank for rank, d in enumerate(retrieved, start=1) if d in gold), 0.0)

    return _mean([reciprocal_rank(r, g) for r, g in zip(retrieved_doc_ids, gold_doc_ids, strict=True)])


def citation_correct(cited_doc_ids: list[str], gold_doc_ids: list[str]) -> float:
    return float(bool(cited_doc_ids) and set(cited_doc_ids) <= set(gold_doc_ids))


def attributed(correct: float, passage_doc_ids: list[str], cited_doc_ids: list[str], gold_doc_ids: list[str]) -> float:
    """A right answer whose shown source is gold. A system that reads passages shows them with the
    answer by construction (any gold one among them counts); one without passages shows only what
    its answer cites, so that must be gold (`citation_correct`)."""
    if not correct:
        return 0.0
    if passage_doc_ids:
        return float(bool(set(passage_doc_ids) & set(gold_doc_ids)))
    return citation_correct(cited_doc_ids, gold_doc_ids)


def bootstrap_ci(scores: list[float], *, samples: int, seed: int) -> list[float]:
    """95% percentile bootstrap interval of the mean."""
    if not scores:
        raise ValueError("a bootstrap interval over zero examples is undefined")
    means = _resampled_means(np.asarray(scores, dtype=float), np.random.default_rng(seed), samples)
    return [float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))]


def _resampled_means(values: np.ndarray, rng: np.random.Generator, samples: int) -> np.ndarray:
    """The means of `samples` resamples (with replacement) of `values`."""
    return values[rng.integers(0, len(values), size=(samples, len(values)))].mean(axis=1)


def rate(name: str, scores: list[float], *, samples: int, seed: int) -> dict[str, float | list[float]]:
    """`{name: mean, name_ci: 95% bootstrap interval}`: how every rate is reported in summary.json."""
    return {name: float(sum(scores) / len(scores)), f"{name}_ci": bootstrap_ci(scores, samples=samples, seed=seed)}


def changed_fact_rates(rows: list[dict], *, samples: int, seed: int) -> dict:
    """From update-stage prediction rows: `efficacy` over those probing a changed fact (`probe` ==
    "changed"), `stale_rate` over those of them that have an old value; a rate with no rows is left out."""
    changed = [r for r in rows if r["probe"] == "changed"]
    scores = {"efficacy": [r["correct"] for r in changed], "stale_rate": [r["stale"] for r in changed if r["old_answers"]]}
    return {k: v for name, values in scores.items() if values for k, v in rate(name, values, samples=samples, seed=seed).items()}


def percentiles(values: list[float]) -> dict[str, float]:
    """p50, p95 and mean: how a distribution such as latency is summarised."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        raise ValueError("percentiles over zero values are undefined")
    return {"p50": float(np.percentile(values, 50)), "p95": float(np.percentile(values, 95)), "mean": float(values.mean())}
