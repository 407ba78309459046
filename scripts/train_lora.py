"""Build the training set from the corpus and train the LoRA adapter into <out>/adapter
(reused when model, data, settings and seed are unchanged; --resume continues from the last checkpoint).

    python scripts/train_lora.py --config configs/quick.yaml
    python scripts/train_lora.py --config configs/default.yaml --set finetune.paraphrases_per_fact=1 --out runs/p1
    python scripts/train_lora.py --config configs/default.yaml --resume          # after an interruption

Several GPUs: the same script under a launcher, e.g.
    accelerate launch --num_processes 2 scripts/train_lora.py --config configs/default.yaml
    torchrun --nproc_per_node 2 scripts/train_lora.py --config configs/default.yaml
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.cli import parser, run_script  # noqa: E402
from core.config import ExperimentConfig  # noqa: E402
from core.models import load_lm  # noqa: E402
from core.seeding import set_seed  # noqa: E402
from eval.experiment import load_experiment_corpus, write_config  # noqa: E402
from finetune.pipeline import ensure_adapter  # noqa: E402


def main(*, config: ExperimentConfig, out: Path, resume: bool = False) -> None:
    corpus = load_experiment_corpus(config)
    set_seed(config.run.seed, config.run.threads)
    lm = load_lm(config.model.name, config.model.device, config.model.dtype)
    write_config(config, out)
    outcome = ensure_adapter(config, corpus, out, lm, resume=resume)
    m = outcome.record["metrics"]
    print(
        f"{'reused' if outcome.reused else 'trained'} adapter in {outcome.adapter_dir}: {m['examples']} examples, "
        f"{m['tokens']} tokens, {m['steps']} steps, {m['seconds']:.0f} s, {m['tokens_per_s']:.0f} tokens/s, "
        f"final loss {m['final_loss']:.3f}"
    )


if __name__ == "__main__":
    p = parser(__doc__)
    p.add_argument("--resume", action="store_true", help="continue from the last checkpoint in <out>/checkpoints")
    sys.exit(run_script(main, __doc__, arg_parser=p))
