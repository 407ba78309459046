import pytest

from eval.scoring import metrics


def test_normalize_lowercases_and_drops_punctuation_articles_and_number_separators():
    assert metrics.normalize("The range is 190-1100 nm, costing 1,450 euros at 10:30!") == "range is 190 1100 nm costing 1450 euros at 10 30"


def test_accuracy_matches_an_alias_as_a_whole_token_span():
    preds = ["Staff get 27 days.", "It is 1270 days.", "The badge is RED", "Use TimeLedger now", "No idea"]
    gold = [["27"], ["27"], ["red"], ["Time Ledger", "TimeLedger"], ["x"]]
    result = metrics.accuracy(preds, gold)
    assert result.per_example == [1.0, 0.0, 1.0, 1.0, 0.0]
    assert result.value == pytest.approx(3 / 5)


def test_multi_word_alias_must_appear_contiguously():
    assert metrics.accuracy(["10:30 to 15:00"], [["10:30 to 15:00"]]).value == 1.0
    assert metrics.accuracy(["15:00 to 10:30"], [["10:30 to 15:00"]]).value == 0.0


def test_exact_match_needs_the_whole_normalized_answer():
    result = metrics.exact_match(["The 27.", "27 days"], [["27"], ["27"]])
    assert result.per_example == [1.0, 0.0]


def test_f1_is_token_overlap_against_the_best_alias():
    # pred tokens: 27 days leave; gold "27 days": precision 2/3, recall 1 -> F1 0.8
    result = metrics.f1(["27 days leave", "nothing"], [["x", "27 days"], ["27"]])
    assert result.per_example == pytest.approx([0.8, 0.0])


def test_recall_at_k_and_mrr():
    retrieved = [["a", "b", "c"], ["c", "a"], ["x", "y"]]
    gold = [["a"], ["a"], ["a"]]
    assert metrics.recall_at_k(retrieved, gold).per_example == [1.0, 1.0, 0.0]
    assert metrics.mrr(retrieved, gold).value == pytest.approx((1 + 0.5 + 0) / 3)


def test_bootstrap_interval_contains_the_mean_and_is_reproducible():
    scores = [1.0] * 30 + [0.0] * 70
    lo, hi = metrics.bootstrap_ci(scores, samples=2000, seed=0)
    assert lo < 0.3 < hi and 0.15 < lo and hi < 0.45
    assert metrics.bootstrap_ci(scores, samples=2000, seed=0) == [lo, hi]
    assert metrics.bootstrap_ci([1.0] * 10, samples=200, seed=0) == [1.0, 1.0]


def test_percentiles():
    summary = metrics.percentiles([10.0, 20.0, 30.0, 40.0, 1000.0])
    assert summary["p50"] == 30.0 and summary["mean"] == 220.0
    assert 40.0 < summary["p95"] <= 1000.0


def test_metrics_over_nothing_raise_instead_of_reporting_a_number():
    with pytest.raises(ValueError):
        metrics.accuracy([], [])
    with pytest.raises(ValueError):
        metrics.percentiles([])
    with pytest.raises(ValueError):
        metrics.accuracy(["a"], [])
