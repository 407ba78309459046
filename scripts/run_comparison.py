"""Run the whole comparison end to end: index the corpus, train the LoRA adapter (or reuse the
cached one), answer the eval questions with every configured arm, write predictions, summary and
report to the run directory.

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
from eval.experiment import evaluate_and_write, load_experiment_corpus, write_config  # noqa: E402
from eval.report import arms_table  # noqa: E402
from eval.run_info import now  # noqa: E402
from finetune.pipeline import ensure_adapter  # noqa: E402
from rag.embedding import Embedder  # noqa: E402
from rag.indexing import ensure_index  # noqa: E402
from rag.retriever import Retriever  # noqa: E402


def main(*, config: ExperimentConfig, out: Path) -> None:
    started = now()
    corpus = load_experiment_corpus(config)
    set_seed(config.run.seed, config.run.threads)
    embedder = Embedder(config.rag.embedder, device=config.model.device, batch_size=config.rag.embed_batch_size)
    lm = load_lm(config.model.name, config.model.device, config.model.dtype)
    write_config(config, out)
    index, _ = ensure_index(out / "index", corpus, embedder, config.rag)
    retriever = Retriever(index, embedder, config.rag.top_k)
    adapter = ensure_adapter(config, corpus, out, lm) if TUNED_ARMS & set(config.eval.arms) else None
    summary = evaluate_and_write(
        config, out, corpus, lm, retriever, embedder_name=embedder.name, started=started, adapter=adapter
    )
    print(arms_table(summary))
    print(f"\nreport: {(out / 'report.md').resolve()}")


if __name__ == "__main__":
    sys.exit(run_script(main, __doc__))
