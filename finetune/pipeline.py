"""The fine-tune stage: corpus -> training set -> LoRA adapter in <out>/adapter, reusing the saved
adapter when it was trained from exactly the same model, data, settings and seed."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import torch

from core.config import ExperimentConfig
from core.corpus import Corpus
from core.errors import InputError
from core.models import LoadedLM, load_lm, resolve_lm
from core.quiet import library_warnings_filtered
from core.rundir import read_json
from core.text import normalize
from finetune.dataset import TrainingSet, build_training_set
from finetune.raft import PassageLookup, build_raft_set
from finetune.reading import Exclusions, ReadingSet, chosen_reading_set, load_reading_set
from finetune.train import ADAPTER_DIR, TRAINING_FILE, cached_training, train_lora

log = logging.getLogger(__name__)


@dataclass
class AdapterOutcome:
    adapter_dir: Path
    record: dict  # {"metrics": ..., "loss_curve": ...} as saved next to the adapter
    reused: bool


def adapter_key(lm: LoadedLM, training_set: TrainingSet, finetune_cfg, seed: int) -> str:
    """Everything that determines the trained weights; merge_for_inference does not."""
    payload = {
        "model": lm.name,
        "weights": lm.weights_sha256,
        "data": training_set.content_hash(),
        "finetune": finetune_cfg.model_dump(mode="json", exclude={"merge_for_inference"}),
        "seed": seed,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def ensure_adapter(
    cfg: ExperimentConfig,
    corpus: Corpus,
    out: Path,
    base_lm: LoadedLM,
    *,
    resume: bool = False,
    start_from: AdapterOutcome | None = None,
    titles_from: Corpus | None = None,
    reuse_from: Path | None = None,
    callbacks=(),
) -> AdapterOutcome:
    """Train <out>/adapter on the corpus's training set, from scratch or, with `start_from`,
    continuing that adapter; reuse the saved one when every input is the same. `titles_from`: where
    the gold documents' titles come from when `corpus` holds only some documents (delta training).
    `reuse_from`: another run directory whose adapter is reused (never overwritten) when it matches.
    `callbacks`: transformers TrainerCallbacks (a UI's progress bar)."""
    training_set = build_training_set(corpus, base_lm.tokenizer, cfg.finetune, seed=cfg.run.seed, titles_from=titles_from)
    return train_or_reuse(
        cfg, cfg.finetune, training_set, out, base_lm, resume=resume, start_from=start_from, reuse_from=reuse_from, callbacks=callbacks
    )


def train_or_reuse(
    cfg: ExperimentConfig, finetune_cfg, training_set: TrainingSet, out: Path, base_lm: LoadedLM, *, resume: bool = False,
    start_from: AdapterOutcome | None = None, reuse_from: Path | None = None, callbacks=(),
) -> AdapterOutcome:
    """Train <out>/adapter on `training_set` with the `finetune_cfg` settings, or reuse the adapter
    in `reuse_from` or `out` trained from exactly the same inputs (see ensure_adapter)."""
    key = adapter_key(base_lm, training_set, finetune_cfg, cfg.run.seed)
    if start_from:  # the starting weights are an input too
        key = hashlib.sha256(f"{key}+{start_from.record['key']}".encode()).hexdigest()[:16]
    adapter_dir = Path(out) / ADAPTER_DIR
    candidates = ([Path(reuse_from) / ADAPTER_DIR] if reuse_from else []) + [adapter_dir]
    for candidate in [] if resume else candidates:
        if record := cached_training(candidate, key):
            log.info("reusing the adapter in %s (same model, data, settings and seed)", candidate)
            return AdapterOutcome(candidate, record, reused=True)
    stats = training_set.stats
    log.info("training LoRA on %d examples (%d tokens)", stats["examples"], stats["tokens"])
    model = _training_copy(cfg)
    if start_from:
        from peft import PeftModel

        with library_warnings_filtered():  # peft asks a deprecated transformers property (core/quiet.py)
            model = PeftModel.from_pretrained(model, str(start_from.adapter_dir), is_trainable=True)
    result = train_lora(model, base_lm.tokenizer, training_set, finetune_cfg, out_dir=Path(out), seed=cfg.run.seed, resume=resume, key=key, callbacks=callbacks)
    return AdapterOutcome(result.adapter_dir, {"key": key, "metrics": result.metrics, "loss_curve": result.loss_curve}, reused=False)


RAFT_DIR = "raft"  # <out>/raft/adapter: the retrieval-augmented adapter (finetune/raft.py), beside the closed-book one


def raft_settings(cfg: ExperimentConfig):
    """The optimiser settings the RAFT adapter trains with: the finetune section's, its own epochs."""
    return cfg.finetune.model_copy(update={"epochs": cfg.raft.epochs or cfg.finetune.epochs})


def raft_passages(cfg: ExperimentConfig) -> int:
    """Passages in a RAFT prompt, in training and at inference."""
    return cfg.raft.passages or cfg.rag.top_k


def reading_set(cfg: ExperimentConfig, corpus: Corpus) -> ReadingSet | None:
    """The raft.reading_set questions, none whose answer is an eval question's or whose passage is the corpus's text."""
    source = chosen_reading_set(cfg.raft.reading_set, corpus.origin)
    if not source:
        return None
    exclude = Exclusions(
        answers={normalize(a) for q in corpus.split("eval") if q.answerable for a in q.answers},
        documents=[normalize(d.text) for d in corpus.documents],
    )
    return load_reading_set(
        source, limit=cfg.raft.reading_examples, unanswerable_share=cfg.raft.reading_unanswerable,
        words=cfg.rag.chunk_size, abstention=corpus.style.abstention, exclude=exclude, seed=cfg.run.seed,
    )


def ensure_raft_adapter(
    cfg: ExperimentConfig, corpus: Corpus, out: Path, base_lm: LoadedLM, lookup: PassageLookup, *, closed_book: AdapterOutcome | None = None,
    resume: bool = False, reuse_from: Path | None = None, callbacks=(),
) -> AdapterOutcome:
    """Train <out>/raft/adapter on the RAFT set the `lookup` (an index's passages) gives, or reuse it;
    continuing `closed_book` (the lora adapter) when raft.from_closed_book says so."""
    if cfg.raft.from_closed_book and closed_book is None:
        raise ValueError("raft.from_closed_book: the closed-book adapter must be trained first")
    practice = reading_set(cfg, corpus)
    training_set = build_raft_set(
        corpus, base_lm.tokenizer, cfg.finetune, cfg.raft, lookup, k=raft_passages(cfg), seed=cfg.run.seed, reading=practice.items if practice else ()
    )
    if practice:  # which file taught reading: the run's config names it, the hash pins it
        training_set.stats["raft"]["reading_set"] = {"file": practice.file, "sha256": practice.sha256}
    return train_or_reuse(
        cfg, raft_settings(cfg), training_set, Path(out) / RAFT_DIR, base_lm, resume=resume,
        start_from=closed_book if cfg.raft.from_closed_book else None,
        reuse_from=Path(reuse_from) / RAFT_DIR if reuse_from else None, callbacks=callbacks,
    )


def saved_adapter(out: Path) -> AdapterOutcome:
    """The adapter already trained into <out>/adapter (for evaluating without training)."""
    adapter_dir = Path(out) / ADAPTER_DIR
    record_path = adapter_dir / TRAINING_FILE
    if not record_path.is_file():
        raise InputError(f"no trained adapter in {adapter_dir}; train one with `ragvsft train`")
    return AdapterOutcome(adapter_dir, read_json(record_path), reused=True)


def _training_copy(cfg: ExperimentConfig):
    """A separate fp32 copy of the base model to train (bf16 comes from autocast, not the weights);
    with finetune.qlora, a 4-bit copy on CUDA."""
    if not cfg.finetune.qlora:
        return load_lm(cfg.model.name, cfg.model.device, "fp32").model
    if not torch.cuda.is_available():
        raise InputError("finetune.qlora needs a CUDA device")
    try:
        import bitsandbytes  # noqa: F401
    except ImportError:
        raise InputError("finetune.qlora needs bitsandbytes (pip install bitsandbytes)") from None
    from peft import prepare_model_for_kbit_training
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    quant = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16)
    model = AutoModelForCausalLM.from_pretrained(resolve_lm(cfg.model.name)[0], quantization_config=quant, device_map={"": 0})
    return prepare_model_for_kbit_training(model)
