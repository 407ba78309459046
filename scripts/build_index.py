"""Chunk, embed and index the corpus into <out>/index (reused when its inputs are unchanged).

    python scripts/build_index.py --config configs/quick.yaml
    python scripts/build_index.py --config configs/default.yaml --set rag.index=hnsw --out runs/hnsw
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.cli import run_script  # noqa: E402
from core.config import ExperimentConfig  # noqa: E402
from core.seeding import set_seed  # noqa: E402
from eval.experiment import load_experiment_corpus, write_config  # noqa: E402
from rag.embedding import Embedder  # noqa: E402
from rag.indexing import ensure_index  # noqa: E402


def main(*, config: ExperimentConfig, out: Path) -> None:
    corpus = load_experiment_corpus(config)
    set_seed(config.run.seed, config.run.threads)
    embedder = Embedder(config.rag.embedder, device=config.model.device, batch_size=config.rag.embed_batch_size)
    write_config(config, out)
    index, reused = ensure_index(out / "index", corpus, embedder, config.rag)
    print(f"{'reused' if reused else 'built'} {config.rag.index} index of {len(index.chunks)} chunks in {out / 'index'}")


if __name__ == "__main__":
    sys.exit(run_script(main, __doc__))
