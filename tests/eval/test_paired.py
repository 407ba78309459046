"""The paired rule as a statistical test, not only as code: on simulated correctness vectors with
known rates, equal arms are called different about 5% of the time (an A/A test), a true 10-point
difference on 176 questions is called more often than the overlap of marginal intervals calls it,
seeds widen the interval, and the detectable difference is what the discordant pairs say."""

from __future__ import annotations

import numpy as np
import pytest

from eval.scoring.metrics import bootstrap_ci
from eval.scoring.paired import Z_CALL, Z_POWER, difference

RUNS, QUESTIONS, SAMPLES = 1000, 176, 1000


def correlated_arms(rng: np.random.Generator, p_a: float, p_b: float, n: int = QUESTIONS) -> tuple[dict, dict]:
    """Two arms answering the same questions: a shared difficulty per question (easy questions are
    easy for both), so they agree on most questions, as two arms of one run do."""
    difficulty = rng.random(n)
    noise_a, noise_b = rng.random(n), rng.random(n)
    shared = rng.random(n) < 0.6  # on 60% of questions both answer by the shared difficulty
    a = np.where(shared, difficulty < p_a, noise_a < p_a).astype(float)
    b = np.where(shared, difficulty < p_b, noise_b < p_b).astype(float)
    return {f"q{i}": v for i, v in enumerate(a)}, {f"q{i}": v for i, v in enumerate(b)}


def overlap_calls(a: dict, b: dict, seed: int) -> bool:
    """The old rule: a call only when the two marginal 95% intervals do not overlap."""
    (a_lo, a_hi), (b_lo, b_hi) = (bootstrap_ci(list(s.values()), samples=SAMPLES, seed=seed) for s in (a, b))
    return a_lo > b_hi or b_lo > a_hi


def call_rates(p_a: float, p_b: float) -> tuple[float, float]:
    """(share of runs the paired rule calls, share the overlap rule calls) over RUNS simulated runs."""
    rng = np.random.default_rng(7)
    paired = overlap = 0
    for run in range(RUNS):
        a, b = correlated_arms(rng, p_a, p_b)
        paired += difference([a], [b], samples=SAMPLES, seed=run).sign != 0
        overlap += overlap_calls(a, b, run)
    return paired / RUNS, overlap / RUNS


def test_equal_arms_are_called_different_in_about_five_percent_of_runs():
    paired, overlap = call_rates(0.45, 0.45)
    print(f"A/A over {RUNS} runs of {QUESTIONS} questions: paired rule calls {paired:.1%}, overlap rule {overlap:.1%}")
    assert paired <= 0.06  # a 95% test: about 5% false calls
    assert paired >= 0.02  # and not a test that never calls anything
    assert overlap < paired  # the old rule is more conservative than 95%


def test_a_true_ten_point_difference_is_called_more_often_by_the_paired_rule():
    paired, overlap = call_rates(0.40, 0.50)
    print(f"10 points apart over {RUNS} runs of {QUESTIONS} questions: paired rule calls {paired:.1%}, overlap rule {overlap:.1%}")
    assert paired > overlap + 0.15
    assert paired > 0.5


def test_the_detectable_difference_comes_from_the_discordant_pairs():
    # 200 questions, 40 discordant (20 each way): sqrt(0.2 / 200) = 0.0316 standard error under "no difference"
    a = {f"q{i}": float(i < 100) for i in range(200)}
    b = {f"q{i}": float(i < 80 or 100 <= i < 120) for i in range(200)}
    diff = difference([a], [b], samples=2000, seed=0)
    assert diff.paired and diff.delta == 0.0 and diff.sign == 0 and diff.questions == 200
    assert diff.detectable == pytest.approx((Z_CALL + Z_POWER) * np.sqrt(0.2 / 200))
    # twice the questions with the same agreement: the detectable difference shrinks by sqrt(2)
    a2 = {**a, **{f"r{i}": v for i, v in enumerate(a.values())}}
    b2 = {**b, **{f"r{i}": v for i, v in enumerate(b.values())}}
    assert difference([a2], [b2], samples=2000, seed=0).detectable == pytest.approx(diff.detectable / np.sqrt(2))


def test_identical_arms_are_a_tie_with_nothing_detectable_and_a_clear_difference_is_called():
    a = {f"q{i}": float(i % 2) for i in range(50)}
    same = difference([a], [a], samples=500, seed=0)
    assert same.ci == [0.0, 0.0] and same.sign == 0 and same.detectable == 0.0
    better = {k: 1.0 for k in a}
    assert difference([a], [better], samples=500, seed=0).sign == 1
    assert difference([better], [a], samples=500, seed=0).sign == -1


def test_seed_to_seed_spread_widens_the_interval_and_is_counted():
    rng = np.random.default_rng(3)
    a, b = correlated_arms(rng, 0.45, 0.55)
    one_seed = difference([a], [b], samples=2000, seed=0)
    # the same fine-tune at two more seeds that came out 8 points apart: fine-tuning itself is that unsteady
    keys = list(b)
    worse = {k: (0.0 if i % 6 == 0 else v) for i, (k, v) in enumerate(b.items())}
    better = {k: (1.0 if i % 6 == 0 else v) for i, (k, v) in enumerate(b.items())}
    three_seeds = difference([a], [b, worse, better], samples=2000, seed=0)
    assert three_seeds.seeds == (1, 3) and len(keys) == QUESTIONS
    width = lambda d: d.ci[1] - d.ci[0]  # noqa: E731
    assert width(three_seeds) > width(one_seed) * 1.1
    assert three_seeds.detectable > one_seed.detectable


def test_arms_asked_different_questions_are_compared_unpaired():
    a = {f"q{i}": float(i < 30) for i in range(60)}
    b = {f"r{i}": float(i < 45) for i in range(50)}
    diff = difference([a], [b], samples=2000, seed=0)
    assert not diff.paired and diff.questions == 50
    assert diff.delta == pytest.approx(0.9 - 0.5) and diff.sign == 1
    with pytest.raises(ValueError, match="seeds scored different questions"):
        difference([a], [b, a], samples=100, seed=0)
    with pytest.raises(ValueError, match="zero questions"):
        difference([{}], [b], samples=100, seed=0)
