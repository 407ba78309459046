"""Evaluate the configured arms with the index already built in <out>/index and, for the lora
and hybrid arms, the adapter already trained into <out>/adapter.

    python scripts/build_index.py --config configs/quick.yaml
    python scripts/train_lora.py --config configs/quick.yaml
    python scripts/evaluate.py --config configs/quick.yaml
    python scripts/evaluate.py --config configs/quick.yaml --set eval.arms=[base,rag]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.cli import run_script  # noqa: E402
from core.config import ExperimentConfig  # noqa: E402
from core.models import load_lm  # noqa: E402
from core.seeding import set_seed  # noqa: E402
from eval.arms import RETRIEVING_ARMS, TUNED_ARMS  # noqa: E402
from eval.experiment import evaluate_experiment, load_experiment_corpus, write_config, write_results  # noqa: E402
from eval.report import arms_table  # noqa: E402
from eval.run_info import now  # noqa: E402
from finetune.pipeline import saved_adapter  # noqa: E402
from rag.embedding import Embedder  # noqa: E402
from rag.index import load_index  # noqa: E402
from rag.retriever import Retriever  # noqa: E402


def main(*, config: ExperimentConfig, out: Path) -> None:
    started = now()
    corpus = load_experiment_corpus(config)
    set_seed(config.run.seed, config.run.threads)
    retriever, embedder_name = None, None
    if RETRIEVING_ARMS & set(config.eval.arms):
        embedder = Embedder(config.rag.embedder, device=config.model.device, batch_size=config.rag.embed_batch_size)
        index = load_index(out / "index", embedder=embedder.name, corpus_hash=corpus.content_hash())
        retriever, embedder_name = Retriever(index, embedder, config.rag.top_k), embedder.name
    adapter = saved_adapter(out) if TUNED_ARMS & set(config.eval.arms) else None
    lm = load_lm(config.model.name, config.model.device, config.model.dtype)
    write_config(config, out)
    rows, summary = evaluate_experiment(config, corpus, lm, retriever, embedder_name=embedder_name, started=started, adapter=adapter)
    write_results(out, rows, summary)
    print(arms_table(summary))
    print(f"\nreport: {out / 'report.md'}")


if __name__ == "__main__":
    sys.exit(run_script(main, __doc__))
