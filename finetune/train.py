"""LoRA training with transformers' Trainer and peft.

Dynamic padding (each batch padded to its own longest sequence), optional packing, checkpoints
every `save_steps` so `resume=True` continues an interrupted run to the same final adapter, bf16
autocast when asked (on a CPU it only pays off with native bf16 instructions; without them it was
many times slower than fp32), optional early stopping on a held-out slice. The same code runs unchanged under `accelerate launch` / `torchrun`
(Trainer reads the distributed environment those set up).
"""

from __future__ import annotations

import logging
import resource
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from core.errors import InputError
from core.quiet import library_warnings_filtered
from core.rundir import read_json, write_dir, write_json
from finetune.dataset import IGNORE, Example, TrainingSet

log = logging.getLogger(__name__)

ADAPTER_DIR = "adapter"  # <out>/adapter: the saved adapter, with its training record beside the weights
TRAINING_FILE = "training.json"  # metrics + loss curve + the key of the inputs, next to the adapter


@dataclass
class TrainResult:
    model: object  # the trained PeftModel (adapter not merged), ready for inference
    adapter_dir: Path
    metrics: dict
    loss_curve: list[dict]


def lora_config(cfg):
    from peft import LoraConfig

    return LoraConfig(
        r=cfg.lora_r,
        lora_alpha=cfg.lora_alpha,
        lora_dropout=cfg.lora_dropout,
        target_modules=cfg.target_modules,
        task_type="CAUSAL_LM",
    )


def pack(examples: list[Example], max_length: int) -> list[dict]:
    """Concatenate all examples and cut the stream into max_length blocks (no padding at all)."""
    ids = [t for ex in examples for t in ex.input_ids]
    labels = [t for ex in examples for t in ex.labels]
    return [{"input_ids": ids[i : i + max_length], "labels": labels[i : i + max_length]} for i in range(0, len(ids), max_length)]


def collate(batch: list[dict], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-pad to the longest sequence in this batch; padding is masked and has no loss.

    The LM head (a 49k-word vocabulary on the default model) is projected only at the positions
    whose next token is trained on: `logits_to_keep` selects them and `shift_labels` holds their
    targets. A QA example trains on its ~5 answer tokens out of ~55, so this skips most of the
    head's forward and backward work; the loss is the same as over the full logits.
    """
    return with_head_targets(right_padded(batch, pad_id, max(len(row["input_ids"]) for row in batch)))


def right_padded(batch: list[dict], pad_id: int, width: int) -> dict[str, torch.Tensor]:
    """input_ids, attention_mask and labels, every row padded on the right to `width`."""
    out = {"input_ids": [], "attention_mask": [], "labels": []}
    for row in batch:
        pad = width - len(row["input_ids"])
        out["input_ids"].append(row["input_ids"] + [pad_id] * pad)
        out["attention_mask"].append([1] * len(row["input_ids"]) + [0] * pad)
        out["labels"].append(row["labels"] + [IGNORE] * pad)
    return {k: torch.tensor(v) for k, v in out.items()}


def with_head_targets(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Adds `logits_to_keep` (the positions whose next token is trained on) and `shift_labels`."""
    next_token = torch.nn.functional.pad(tensors["labels"][:, 1:], (0, 1), value=IGNORE)
    trained = next_token != IGNORE
    return {**tensors, "logits_to_keep": trained, "shift_labels": next_token[trained]}


def passes(batch: dict[str, torch.Tensor], max_tokens: int, shared: int = 0) -> list[dict[str, torch.Tensor]]:
    """The batch's rows in consecutive groups of at most `max_tokens` (padded) tokens each past the
    `shared` prefix (computed once, one row: the rows' own tokens are what grows with the batch),
    every group cut to its own longest row. Backward on each in turn sums the same gradients as
    one pass over the whole batch, while only one group's activations are alive at a time."""
    lengths = batch["attention_mask"].sum(dim=1).tolist()
    groups, start = [], 0
    while start < len(lengths):
        end = start + 1
        while end < len(lengths) and (max(lengths[start : end + 1]) - shared) * (end + 1 - start) <= max_tokens:
            end += 1
        groups.append((start, end))
        start = end
    if len(groups) == 1:
        return [batch]
    keys = ("input_ids", "attention_mask", "labels")
    return [with_head_targets({k: batch[k][a:b, : int(max(lengths[a:b]))] for k in keys}) for a, b in groups]


MIN_SHARED_PREFIX = 8  # shorter shared prefixes save less than the extra forward pass costs


def shared_prefix_length(batch: dict[str, torch.Tensor]) -> int:
    """Leading positions where every row holds the same real token and none trains on the next one."""
    ids, mask, trained = batch["input_ids"], batch["attention_mask"], batch["logits_to_keep"]
    same = (ids == ids[:1]).all(dim=0) & mask.bool().all(dim=0) & ~trained.any(dim=0)
    return min(int(same.long().cumprod(dim=0).sum()), ids.shape[1] - 1)


def with_shared_prefix(model, batch: dict[str, torch.Tensor], n: int) -> dict:
    """The batch's inputs with its first n positions, identical in every row, computed once: their
    keys and values are repeated for each row, and the rows carry on from there."""
    rows, width = batch["input_ids"].shape
    cache = model(input_ids=batch["input_ids"][:1, :n], use_cache=True, logits_to_keep=1).cache
    cache.batch_repeat_interleave(rows)
    return {
        **batch,
        "input_ids": batch["input_ids"][:, n:],
        "labels": batch["labels"][:, n:],
        "logits_to_keep": batch["logits_to_keep"][:, n:],
        "position_ids": torch.arange(n, width, device=batch["input_ids"].device).expand(rows, -1),
        "cache": cache,  # attention_mask stays full width: prefix + rest
    }


def _progress_bar_only(trainer) -> None:
    """Keep the Trainer's progress bar but not the dict it prints at every logged step: the loss
    curve goes to training.json and the report, and a line per step would bury everything else."""
    from transformers.trainer_callback import ProgressCallback

    class BarOnly(ProgressCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            pass

    if trainer.pop_callback(ProgressCallback) is not None:
        trainer.add_callback(BarOnly)


def _project_trainer():
    from transformers import Trainer

    class ProjectTrainer(Trainer):
        """Two savings that leave the loss and gradients as they are (tests compare them):

        - Every QA pair starts with the same system prompt and user-turn opening (~25 of its ~55
          tokens); that is computed once per batch instead of once per row (`share_prefix`).
        - A batch of long rows (documents) runs in passes of at most `max_tokens_per_pass` tokens
          of their own whose gradients add up, so activations and logits for the whole batch are
          never alive at once: on the bundled documents (8 x ~190 tokens a batch) peak RSS fell from
          5.5 to 2.8 GB and steps got faster (smaller working set); QA batches (at most ~360 tokens
          past their shared opening) stay one pass.
        """

        share_prefix = True
        max_tokens_per_pass: int | None = None

        def training_step(self, model, inputs, num_items_in_batch=None):
            shared = shared_prefix_length(inputs) if self.share_prefix else 0
            shared = shared if shared >= MIN_SHARED_PREFIX else 0
            parts = passes(inputs, self.max_tokens_per_pass, shared) if self.max_tokens_per_pass else [inputs]
            if len(parts) == 1:
                return super().training_step(model, inputs, num_items_in_batch)
            # every pass is normalized by the whole batch's count, so the passes sum to the batch's loss
            total = num_items_in_batch if num_items_in_batch is not None else int(inputs["logits_to_keep"].sum())
            return sum(super(ProjectTrainer, self).training_step(model, part, total) for part in parts)

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            n = shared_prefix_length(inputs) if model.training and self.share_prefix else 0
            if n >= MIN_SHARED_PREFIX:
                inputs = with_shared_prefix(model, inputs, n)
            return super().compute_loss(model, inputs, return_outputs=return_outputs, num_items_in_batch=num_items_in_batch)

    return ProjectTrainer


def train_lora(
    model, tokenizer, training_set: TrainingSet, cfg, *, out_dir: Path, seed: int, resume: bool, key: str, callbacks=()
) -> TrainResult:
    """Train a LoRA adapter on `model` (modified in place into a PeftModel) and save it to out_dir/adapter.

    A `model` that already is a PeftModel (a trainable adapter loaded from disk) keeps training that
    adapter: how an update continues from the adapter it changes.
    """
    from peft import PeftModel, get_peft_model
    from transformers import EarlyStoppingCallback, TrainingArguments

    rows = _rows(training_set.examples, cfg)
    train_rows, eval_rows = _holdout(rows, cfg.holdout_fraction)
    checkpoints = out_dir / "checkpoints"
    if not resume:
        shutil.rmtree(checkpoints, ignore_errors=True)
    elif not any(checkpoints.glob("checkpoint-*")):
        raise InputError(f"--resume: no checkpoint in {checkpoints} to resume from")
    early_stopping = bool(cfg.early_stopping_patience and eval_rows)
    args = TrainingArguments(
        output_dir=str(checkpoints),
        per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=cfg.batch_size,
        gradient_accumulation_steps=cfg.grad_accumulation,
        num_train_epochs=cfg.epochs,
        max_steps=cfg.max_steps or -1,
        learning_rate=cfg.learning_rate,
        lr_scheduler_type=cfg.lr_scheduler,
        warmup_steps=cfg.warmup_ratio,
        bf16=cfg.bf16 or (torch.cuda.is_available() and torch.cuda.is_bf16_supported()),
        use_cpu=not torch.cuda.is_available(),
        seed=seed,
        data_seed=seed,
        logging_steps=1,
        save_strategy="steps",
        save_steps=cfg.save_steps,
        eval_strategy="steps" if early_stopping else "no",
        eval_steps=cfg.save_steps if early_stopping else None,
        load_best_model_at_end=early_stopping,
        metric_for_best_model="eval_loss" if early_stopping else None,
        save_total_limit=2,
        report_to="none",
        remove_unused_columns=False,
        prediction_loss_only=True,  # eval is for early stopping: only its loss is used
        # Batches of similar length: documents (~170 tokens) and QA pairs (~55) mixed at random
        # would pad most of every batch to the longest document.
        train_sampling_strategy="group_by_length",
        include_num_input_tokens_seen="non_padding",
        dataloader_num_workers=0,
    )
    with library_warnings_filtered():  # peft asks a deprecated transformers property (core/quiet.py)
        peft_model = model if isinstance(model, PeftModel) else get_peft_model(model, lora_config(cfg))
    trainer_class = _project_trainer()
    trainer_class.share_prefix, trainer_class.max_tokens_per_pass = cfg.share_prefix, cfg.max_tokens_per_pass
    trainer = trainer_class(
        model=peft_model,
        args=args,
        train_dataset=train_rows,
        eval_dataset=eval_rows or None,
        data_collator=lambda batch: collate(batch, tokenizer.pad_token_id),
        callbacks=[*callbacks, *([EarlyStoppingCallback(cfg.early_stopping_patience)] if early_stopping else [])],
    )
    _progress_bar_only(trainer)
    start = time.perf_counter()
    trainer.train(resume_from_checkpoint=resume or None)
    seconds = time.perf_counter() - start
    adapter_dir = write_dir(out_dir / ADAPTER_DIR, lambda tmp: peft_model.save_pretrained(str(tmp)))
    curve = [{"step": e["step"], "loss": e["loss"]} for e in trainer.state.log_history if "loss" in e]
    curve += [{"step": e["step"], "eval_loss": e["eval_loss"]} for e in trainer.state.log_history if "eval_loss" in e]
    tokens = int(trainer.state.num_input_tokens_seen)
    metrics = {
        "seconds": seconds,
        "steps": trainer.state.global_step,
        "examples": training_set.stats["examples"],
        "tokens": training_set.stats["tokens"],
        "tokens_seen": tokens,
        "tokens_per_s": tokens / seconds if seconds > 0 else None,
        "peak_rss_mb": _peak_rss_mb(),
        "final_loss": next((e["loss"] for e in reversed(curve) if "loss" in e), None),
        "trainable_params": sum(p.numel() for p in peft_model.parameters() if p.requires_grad),
        "adapter_mb": sum(f.stat().st_size for f in adapter_dir.iterdir()) / 2**20,
        "resumed": resume,
        "by_source": training_set.stats["by_source"],
        # a retrieval-augmented set says how its prompts were made (finetune/raft.py)
        **({"raft": training_set.stats["raft"]} if "raft" in training_set.stats else {}),
    }
    write_json(adapter_dir / TRAINING_FILE, {"key": key, "metrics": metrics, "loss_curve": curve})
    return TrainResult(peft_model, adapter_dir, metrics, curve)


def cached_training(adapter_dir: Path, key: str) -> dict | None:
    """The saved training record when the adapter there was trained from exactly these inputs."""
    record_path = adapter_dir / TRAINING_FILE
    if not record_path.is_file():
        return None
    record = read_json(record_path)
    return record if record.get("key") == key else None


def _rows(examples: list[Example], cfg) -> list[dict]:
    if cfg.packing:
        return pack(examples, cfg.max_length)
    return [{"input_ids": ex.input_ids, "labels": ex.labels} for ex in examples]


def _holdout(rows: list[dict], fraction: float) -> tuple[list[dict], list[dict]]:
    """The last `fraction` of the (already shuffled) rows, held out for early stopping."""
    n = int(len(rows) * fraction)
    return (rows[: len(rows) - n], rows[len(rows) - n :]) if n else (rows, [])


def _peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (2**20 if sys.platform == "darwin" else 2**10)
