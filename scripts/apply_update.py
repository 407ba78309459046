"""Apply one knowledge-update round of the corpus (`updates/<round>/`) to both approaches of a run
and measure it: RAG updates its index in place (only the changed documents re-embedded), every
configured fine-tune strategy (`updates.strategies`, `full` included) trains, and each answers the
changed facts and the locality sample. Needs the run's index and adapter; rounds before this one
are applied to the corpus and the index first, unmeasured. Writes <out>/updates/<round>/
(`summary.json`, `predictions.jsonl`, `report.md`).

    python scripts/run_comparison.py --config configs/quick.yaml      # or build_index.py + train_lora.py
    python scripts/apply_update.py --config configs/quick.yaml --round r1-policy-changes
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.cli import parser, run_script  # noqa: E402
from core.config import ExperimentConfig  # noqa: E402
from core.models import load_lm  # noqa: E402
from core.rundir import read_jsonl, write_json, write_jsonl, write_text  # noqa: E402
from core.seeding import set_seed  # noqa: E402
from eval.experiment import load_experiment_corpus  # noqa: E402
from eval.render import main_rows as main_predictions  # noqa: E402
from eval.report import updates_section  # noqa: E402
from eval.updates import UpdateInputs, run_one_round  # noqa: E402
from finetune.pipeline import saved_adapter  # noqa: E402
from rag.embedding import Embedder  # noqa: E402
from rag.index import load_index  # noqa: E402


def main(*, config: ExperimentConfig, out: Path, round: str) -> None:
    corpus = load_experiment_corpus(config)
    set_seed(config.run.seed, config.run.threads)
    embedder = Embedder(config.rag.embedder, device=config.model.device, batch_size=config.rag.embed_batch_size)
    index = load_index(out / "index", embedder=embedder.name, corpus_hash=corpus.content_hash())
    adapter = saved_adapter(out)
    lm = load_lm(config.model.name, config.model.device, config.model.dtype)
    # the main comparison's answers, when it ran, give each arm's accuracy on the facts before the change
    predictions = out / "predictions.jsonl"
    main_rows = main_predictions(read_jsonl(predictions)) if predictions.is_file() else []
    rows, updates = run_one_round(UpdateInputs(config, out, corpus, lm, embedder, index, adapter, main_rows), round)
    directory = out / "updates" / round
    write_jsonl(directory / "predictions.jsonl", rows)
    write_json(directory / "summary.json", {"updates": updates})
    report = "\n".join(updates_section({"updates": updates}))
    write_text(directory / "report.md", report)
    print(report)
    print(f"report: {(directory / 'report.md').resolve()}")


if __name__ == "__main__":
    p = parser(__doc__)
    p.add_argument("--round", required=True, help="the round's directory name under <corpus>/updates/")
    sys.exit(run_script(main, __doc__, arg_parser=p))
