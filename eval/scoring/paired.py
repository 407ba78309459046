"""How two arms (or two runs) are told apart: the difference of their rates with a 95% bootstrap
interval, paired on the questions both answered, seeds resampled too, and the smallest difference
the comparison could have called. The one rule the verdict, `ragvsft compare` and the limits
section decide by (../shared/DESIGN.md, validity rule 6).

- Paired: when both sides scored the same questions, every resample draws the same questions for
  both. Two arms on one question set are correlated (easy questions are easy for both), so the
  paired interval is much tighter than two marginal ones; a call when it excludes 0 is a 95% test.
  Overlapping marginal intervals is far more conservative than that and calls real differences ties.
- Unpaired: when the question sets differ (update rounds pooled differently, general knowledge
  over different subsets), each side is resampled on its own; the call says so.
- Seeds: a side measured at several seeds (`run.seeds`) is a matrix of seeds x questions; each
  resample draws seeds with replacement, then questions (a hierarchical bootstrap), so the
  seed-to-seed spread of a fine-tune is part of the uncertainty of "fine-tuning".
- Detectable: the smallest true difference the comparison would call 80% of the time at the 5%
  level, (z_0.975 + z_0.8) x the standard error of the difference under "no difference". Paired on
  binary scores that error is sqrt(discordant share / n): only questions one side gets right and
  the other wrong carry information. Seed variance adds to it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

Z_CALL, Z_POWER = 1.959964, 0.841621  # two-sided 5% level; 80% power
Scores = dict[str, float]  # question key -> score


@dataclass(frozen=True)
class Difference:
    """`b - a`, in the units of the scores (rates: fractions)."""

    a: float  # mean of side a (over its seeds and questions)
    b: float
    delta: float
    ci: list[float]  # 95% bootstrap interval of delta
    paired: bool
    questions: int  # paired: the shared questions; unpaired: the smaller side's
    seeds: tuple[int, int]  # seeds pooled on each side (a, b)
    detectable: float  # the smallest |delta| this comparison calls at 80% power

    @property
    def sign(self) -> int:
        """1 when b is above a with the interval clear of 0, -1 below, 0 a tie."""
        lo, hi = self.ci
        return 1 if lo > 0 else -1 if hi < 0 else 0

    def record(self) -> dict:
        return {**asdict(self), "seeds": list(self.seeds), "sign": self.sign}


def _matrix(side: list[Scores], keys: list[str]) -> np.ndarray:
    """Seeds x questions, in the order of `keys`."""
    return np.array([[s[k] for k in keys] for s in side], dtype=float)


def _seed_averaged(m: np.ndarray, rng: np.random.Generator, samples: int) -> np.ndarray:
    """Per resample, the question scores averaged over seeds drawn with replacement: samples x questions."""
    if len(m) == 1:
        return np.broadcast_to(m[0], (samples, m.shape[1]))
    picks = rng.integers(0, len(m), size=(samples, len(m)))
    return m[picks].mean(axis=1)


def _resampled_means(m: np.ndarray, rng: np.random.Generator, samples: int, picks: np.ndarray | None = None) -> np.ndarray:
    per_question = _seed_averaged(m, rng, samples)
    if picks is None:
        picks = rng.integers(0, m.shape[1], size=(samples, m.shape[1]))
    return np.take_along_axis(per_question, picks, axis=1).mean(axis=1)


def _seed_variance(m: np.ndarray) -> float:
    """The variance the seeds add to the side's mean: the between-seed variance of its means / seeds."""
    return float(m.mean(axis=1).var(ddof=1) / len(m)) if len(m) > 1 else 0.0


def difference(a: list[Scores], b: list[Scores], *, samples: int, seed: int) -> Difference:
    """b - a. Each side is a list of per-seed scores (one entry for a single run); paired when every
    seed of both sides scored the same question keys."""
    if not a or not b or not all(a) or not all(b):
        raise ValueError("a difference over zero questions is undefined")
    if any(s.keys() != a[0].keys() for s in a) or any(s.keys() != b[0].keys() for s in b):
        raise ValueError("a side's seeds scored different questions")
    keys, paired = sorted(a[0]), a[0].keys() == b[0].keys()
    rng = np.random.default_rng(seed)
    ma, mb = _matrix(a, keys), _matrix(b, keys if paired else sorted(b[0]))
    if paired:
        picks = rng.integers(0, len(keys), size=(samples, len(keys)))
        diffs = _resampled_means(mb, rng, samples, picks) - _resampled_means(ma, rng, samples, picks)
        d = mb.mean(axis=0) - ma.mean(axis=0)
        question_var = float(np.mean(d**2) / len(d))  # under no difference: the discordant share / n for binary scores
    else:
        diffs = _resampled_means(mb, rng, samples) - _resampled_means(ma, rng, samples)
        question_var = float(ma.mean(axis=0).var() / ma.shape[1] + mb.mean(axis=0).var() / mb.shape[1])
    se = np.sqrt(question_var + _seed_variance(ma) + _seed_variance(mb))
    mean_a, mean_b = float(ma.mean()), float(mb.mean())
    return Difference(
        a=mean_a, b=mean_b, delta=mean_b - mean_a,
        ci=[float(np.percentile(diffs, 2.5)), float(np.percentile(diffs, 97.5))],
        paired=paired, questions=ma.shape[1] if paired else min(ma.shape[1], mb.shape[1]),
        seeds=(len(a), len(b)), detectable=float((Z_CALL + Z_POWER) * se),
    )
