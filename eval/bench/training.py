"""LoRA training throughput: the project's trainer (finetune/train.py: dynamic padding, the shared
prompt opening computed once, the LM head only where a label is) against transformers' Trainer
with its defaults on the same examples (every sequence padded to max_length, logits and loss over
the whole vocabulary at every position), and the compute limit.

Throughput is real (non-padding) tokens per second. The compute limit counts the forward pass
and the activation gradients (2 + 2 FLOPs per parameter per token); the frozen base weights get
no gradients, so LoRA needs no third matmul per layer.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import torch

from core.models import load_lm
from core.quiet import library_warnings_filtered
from eval.bench.memory import peak_rss
from finetune.dataset import build_training_set
from finetune.train import lora_config, right_padded, train_lora

SOURCES = {"qa": {"use_documents": False, "use_qa": True}, "documents": {"use_documents": True, "use_qa": False}}


def bench_training(cfg, corpus, tokenizer, parameters: int, source: str, *, steps: int, gflops: float) -> dict:
    """`parameters`: the model's count (the compute limit); each trainer loads its own fp32 copy."""
    ft = cfg.finetune.model_copy(update={**SOURCES[source], "max_steps": steps, "save_steps": steps + 1, "early_stopping_patience": None})
    training_set = build_training_set(corpus, tokenizer, ft, seed=cfg.run.seed)
    record = {"source": source, "steps": steps, "batch_size": ft.batch_size, "max_length": ft.max_length,
              "examples": len(training_set.examples),
              "mean_tokens": sum(len(e.input_ids) for e in training_set.examples) / len(training_set.examples)}
    with peak_rss(mine := {}):
        record["project_tokens_per_s"] = _project(cfg, ft, tokenizer, training_set)
    record["project_peak_rss_mb"], record["peak_rss_scope"] = mine["peak_rss_mb"], mine["peak_rss_scope"]
    with peak_rss(theirs := {}):
        record["trainer_defaults_tokens_per_s"] = _trainer_defaults(cfg, ft, tokenizer, training_set)
    record["trainer_defaults_peak_rss_mb"] = theirs["peak_rss_mb"]
    record["limit_tokens_per_s"] = gflops * 1e9 / (4 * parameters)
    record["project_vs_trainer_defaults"] = record["project_tokens_per_s"] / record["trainer_defaults_tokens_per_s"]
    return record


def _project(cfg, ft, tokenizer, training_set) -> float:
    model = load_lm(cfg.model.name, cfg.model.device, "fp32").model
    out = Path(tempfile.mkdtemp(prefix="ragvsft-bench-train-"))
    try:
        result = train_lora(model, tokenizer, training_set, ft, out_dir=out, seed=cfg.run.seed, resume=False, key="bench")
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return result.metrics["tokens_per_s"]


def _trainer_defaults(cfg, ft, tokenizer, training_set) -> float:
    from peft import get_peft_model
    from transformers import Trainer, TrainingArguments

    with library_warnings_filtered():  # peft asks a deprecated transformers property (core/quiet.py)
        model = get_peft_model(load_lm(cfg.model.name, cfg.model.device, "fp32").model, lora_config(ft))
    out = Path(tempfile.mkdtemp(prefix="ragvsft-bench-trainer-"))
    args = TrainingArguments(
        output_dir=str(out), per_device_train_batch_size=ft.batch_size, max_steps=ft.max_steps, learning_rate=ft.learning_rate,
        save_strategy="no", report_to="none", use_cpu=not torch.cuda.is_available(), seed=cfg.run.seed,
        remove_unused_columns=False, include_num_input_tokens_seen="non_padding",
    )
    rows = [{"input_ids": e.input_ids, "labels": e.labels} for e in training_set.examples]
    # what DataCollatorWithPadding(padding="max_length") gives: every row max_length long
    pad_to_max = lambda b: right_padded(b, tokenizer.pad_token_id, ft.max_length)  # noqa: E731
    trainer = Trainer(model=model, args=args, train_dataset=rows, data_collator=pad_to_max)
    try:
        start = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - start
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return int(trainer.state.num_input_tokens_seen) / seconds
