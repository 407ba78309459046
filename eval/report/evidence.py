"""A finished run's per-question scores, by arm, metric and seed: what the paired calls of the
verdict and the limits section read (eval/scoring/paired.py). Built from the run directory alone.

The main rows are the run's first seed; rows tagged `stage: seed` are the fine-tune arms again at
each further seed of `run.seeds` (eval/stages/seeds.py). An arm that was not repeated (retrieval
and generation are deterministic) is one seed.
"""

from __future__ import annotations

from eval.catalogue import metric
from eval.rundir import main_rows
from eval.scoring.harness import general_knowledge_kept, metric_scores
from eval.scoring.paired import Difference, Scores, difference


class RunScores:
    def __init__(self, summary: dict, rows: list[dict]):
        main = main_rows(rows)
        self.general_ids = general_knowledge_kept(main)
        self.samples = summary["run_info"]["config"]["eval"]["bootstrap_samples"]
        self.seed = summary["run_info"]["seed"]
        by_seed: dict[int, list[dict]] = {self.seed: main}
        for r in rows:
            if r.get("stage") == "seed":
                by_seed.setdefault(r["seed"], []).append(r)
        self._by_seed = by_seed
        self._cache: dict[tuple[str, int], dict[str, Scores]] = {}

    def _scores(self, arm: str, seed: int) -> dict[str, Scores]:
        if (arm, seed) not in self._cache:
            mine = [r for r in self._by_seed[seed] if r["arm"] == arm]
            self._cache[arm, seed] = {m.name: s for m, s in metric_scores(mine, arm, self.general_ids).items()} if mine else {}
        return self._cache[arm, seed]

    def scores(self, arm: str, key: str) -> list[Scores]:
        """One {question id: score} per seed that answered with `arm` (the main seed first); empty
        when the arm has no score of `key`."""
        return [s[key] for seed in self._by_seed if key in (s := self._scores(arm, seed))]

    def difference(self, a: str, b: str, key: str, b_key: str | None = None) -> Difference | None:
        """`b` - `a` on `key` (`b_key` for b's side when it is read off another metric); None when
        either arm has no such score."""
        sa, sb = self.scores(a, key), self.scores(b, b_key or key)
        return difference(sa, sb, samples=self.samples, seed=self.seed) if sa and sb else None


def better(diff: Difference, key: str) -> int:
    """1 when b is called better than a on `key` (the catalogue's `higher_is_better`), -1 worse, 0 a tie."""
    return diff.sign * (1 if metric(key).higher_is_better else -1)
