"""Run the whole comparison end to end: index the corpus, train the LoRA adapter (or reuse the
cached one), answer the eval questions with every configured arm (the fine-tune arms once per seed
in `run.seeds`), then apply the corpus's update
rounds and deletions to both approaches and measure them (`updates` in the config); write
predictions, summary and report to the run directory.

    python scripts/run_comparison.py --config configs/default.yaml          # what `make demo` runs
    python scripts/run_comparison.py --config configs/quick.yaml --set rag.top_k=5 --out runs/k5
    python scripts/run_comparison.py --config configs/default.yaml --set corpus.dir=path/to/my_corpus
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.cli import run_script  # noqa: E402
from core.config import ExperimentConfig  # noqa: E402
from core.models import load_lm  # noqa: E402
from core.seeding import set_seed  # noqa: E402
from eval.arms import TUNED_ARMS  # noqa: E402
from eval.experiment import evaluate_experiment, load_experiment_corpus, write_config, write_results  # noqa: E402
from eval.console import print_summary  # noqa: E402
from eval.run_info import StageTimes, now  # noqa: E402
from eval.seeds import run_seeds  # noqa: E402
from eval.updates import UpdateInputs, run_updates  # noqa: E402
from finetune.pipeline import ensure_adapter  # noqa: E402
from rag.embedding import Embedder  # noqa: E402
from rag.indexing import ensure_index, index_stats  # noqa: E402
from rag.retriever import Retriever  # noqa: E402


def main(*, config: ExperimentConfig, out: Path) -> None:
    started, times = now(), StageTimes()
    corpus = load_experiment_corpus(config)
    set_seed(config.run.seed, config.run.threads)
    with times.stage("load models"):
        embedder = Embedder(config.rag.embedder, device=config.model.device, batch_size=config.rag.embed_batch_size)
        lm = load_lm(config.model.name, config.model.device, config.model.dtype)
    write_config(config, out)
    with times.stage("index"):
        index, reused = ensure_index(out / "index", corpus, embedder, config.rag)
    retriever = Retriever(index, embedder, config.rag.top_k)
    updates = config.updates.rounds or config.updates.deletions
    adapter = None
    if updates or TUNED_ARMS & set(config.eval.arms):
        with times.stage("fine-tune"):
            adapter = ensure_adapter(config, corpus, out, lm)
    with times.stage("evaluate"):
        rows, summary = evaluate_experiment(config, corpus, lm, retriever, embedder_name=embedder.name, started=started, adapter=adapter)
    summary["index"] = index_stats(out / "index", index, reused)
    if config.run.seeds and TUNED_ARMS & set(config.eval.arms):
        with times.stage("seeds"):
            seed_rows, summary["seeds"] = run_seeds(config, corpus, out, lm, retriever, summary, embedder_name=embedder.name)
        rows += seed_rows
    if updates:
        with times.stage("updates and deletions"):
            update_rows, parts = run_updates(UpdateInputs(config, out, corpus, lm, embedder, index, adapter, rows))
        rows, summary = rows + update_rows, {**summary, **parts}
    summary["run_info"].update(finished=now(), stages=times.seconds)
    write_results(out, rows, summary)
    print_summary(out, summary, rows)


if __name__ == "__main__":
    sys.exit(run_script(main, __doc__))
