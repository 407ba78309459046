"""One assembly of a run: the one place that builds what a run needs (the corpus, the models, the
index and its retriever, the retrieval-confidence gate, the adapter and the tuned model) and turns
an arm's catalogue entry into its answerer. `ragvsft run`, evaluate, update, sweep points, scale
sizes, the seeds stage, the update rounds, the workshop session and bench all get their parts here.

    parts = assemble(cfg, out)            # index and adapter built in `out`, or reused when their inputs match
    parts = assemble_saved(cfg, run_dir)  # the index and adapter a finished run left
    parts.answerers()                     # one answerer per configured arm
    parts.answerer(arm, corpus=after)     # the update stage: an arm on the corpus after a change

The order of the steps is part of the contract: the seed is set once, then models load, then the
index, then training; the same config and seed give the same numbers because that order never
changes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from core.answerer import PromptAnswerer
from core.config import ExperimentConfig
from core.config_files import to_yaml
from core.corpus import Corpus, load_corpus, unanswerable_topics
from core.errors import InputError
from core.models import LoadedLM, check_lm_name, load_lm
from core.origin import train_questions_synthesized
from core.rundir import write_text
from core.seeding import set_seed
from eval.catalogue import ARMS, CLOSED_BOOK, READER, Arm
from eval.rundir import CONFIG_FILE, INDEX_DIR, recorded_gate
from eval.stages.gate import OPEN, Gate, resolve_gate
from eval.stages.run_info import StageTimes
from finetune.pipeline import RAFT_DIR, AdapterOutcome, ensure_adapter, ensure_raft_adapter, raft_passages, saved_adapter
from finetune.reading import check_reading_set
from finetune.updating import tuned_model
from rag.embedding import Embedder
from rag.index import ChunkIndex, load_index, require_index
from rag.indexing import ensure_index, matching_index
from rag.retriever import IndexPassages, Retriever

log = logging.getLogger(__name__)


@dataclass
class Assembly:
    """What a run answers with. `tuned` is the closed-book fine-tuned model once loaded (`load_tuned`,
    or the evaluation stage, which also times it merged and unmerged); `reader` the RAFT-tuned one
    (`load_reader`), trained from `reader_adapter`."""

    cfg: ExperimentConfig
    corpus: Corpus
    lm: LoadedLM  # the base model
    embedder: Embedder | None = None
    index: ChunkIndex | None = None
    index_reused: bool = False
    gate: Gate | None = None
    adapter: AdapterOutcome | None = None
    tuned: LoadedLM | None = None
    reader_adapter: AdapterOutcome | None = None
    reader: LoadedLM | None = None
    # the general-knowledge controls the reference arm answers, once it has: only those measure what an
    # arm kept, so the other arms are asked only those (None: not known yet, ask every one)
    general_kept: set[str] | None = None
    # configured arms that were not run, with why (a whole corpus that does not fit the window)
    not_run: dict[str, dict] = field(default_factory=dict)
    # the opening an arm's prompts share, computed once (core/generate.Opening), by arm
    openings: dict[str, object] = field(default_factory=dict)

    @property
    def retriever(self) -> Retriever | None:
        return Retriever(self.index, self.cfg.rag.top_k) if self.index is not None else None

    def retriever_for(self, arm: Arm) -> Retriever | None:
        """The retriever `arm` reads: top raft.passages for the RAFT reader (it was trained on as many), else top rag.top_k."""
        k = raft_passages(self.cfg) if arm.adapter == READER else self.cfg.rag.top_k
        return Retriever(self.index, k) if self.index is not None else None

    def load_tuned(self) -> LoadedLM:
        if self.adapter is None:
            raise ValueError("no adapter in this assembly to load the tuned model from")
        self.tuned = tuned_model(self.cfg, self.adapter)
        return self.tuned

    def load_reader(self) -> LoadedLM:
        if self.reader_adapter is None:
            raise ValueError("no RAFT adapter in this assembly to load the reader from")
        self.reader = tuned_model(self.cfg, self.reader_adapter)
        return self.reader

    def model_for(self, arm: Arm, tuned: LoadedLM | None = None) -> LoadedLM | None:
        """The weights `arm` answers with: the base model, the closed-book fine-tune (`tuned`, default
        the assembly's) or the RAFT reader."""
        if arm.adapter == READER:
            return self.reader
        if arm.adapter == CLOSED_BOOK:
            return self.tuned if tuned is None else tuned
        return self.lm

    def answerer(self, arm: Arm, *, corpus: Corpus | None = None, tuned: LoadedLM | None = None, gate_open: bool = False) -> PromptAnswerer:
        """The shared prompt answerer for `arm` (a main or update-stage catalogue entry): its passage
        source over `corpus` (default: the assembly's), its weights (model_for), and the gate when the
        catalogue puts it behind one (`gate_open`: one that turns nothing away, to calibrate it on)."""
        corpus = self.corpus if corpus is None else corpus
        model = self.model_for(arm, tuned)
        if model is None:
            raise ValueError(f"the {arm.name} arm needs its fine-tuned model ({arm.adapter})")
        retriever = self.retriever_for(arm)
        if arm.retrieves and retriever is None:
            raise ValueError(f"the {arm.name} arm needs a retriever")
        gate = self.gate.threshold_for if arm.gated and self.gate is not None and not self.gate.pending else None
        gate = OPEN if gate_open else gate
        return PromptAnswerer(
            model, arm.passages.source(corpus, retriever), corpus,
            batch_size=self.cfg.model.batch_size, max_new_tokens=self.cfg.model.max_new_tokens, abstain_below=gate,
            cache_opening=arm.caches_corpus,
        )

    def answerers(self) -> dict[str, PromptAnswerer]:
        """One answerer per configured arm, in report order."""
        return {name: self.answerer(ARMS[name]) for name in self.cfg.eval.arms}


def reader_arms(cfg: ExperimentConfig) -> list[str]:
    """The configured arms that answer with the RAFT adapter."""
    return [a for a in cfg.eval.arms if ARMS[a].adapter == READER]


def needs_reader(cfg: ExperimentConfig) -> bool:
    return bool(reader_arms(cfg))


def needs_retriever(cfg: ExperimentConfig) -> bool:
    """Whether a configured arm retrieves, or the RAFT adapter is trained (its prompts hold retrieved passages)."""
    return any(ARMS[a].retrieves for a in cfg.eval.arms) or needs_reader(cfg)


def needs_adapter(cfg: ExperimentConfig) -> bool:
    """Whether a configured arm answers with the closed-book adapter."""
    return any(ARMS[a].adapter == CLOSED_BOOK for a in cfg.eval.arms)


# Half: both fact groups then have about as many eval questions, so both rates carry similar intervals.
AUTO_WITHHOLD = 0.5


def withhold_share(cfg: ExperimentConfig, corpus: Corpus) -> float:
    """`finetune.withhold_facts` resolved: `auto` withholds half the facts of a synthesized train split."""
    setting = cfg.finetune.withhold_facts
    if setting == "auto":
        return AUTO_WITHHOLD if train_questions_synthesized(corpus.origin) else 0.0
    return float(setting)


def load_experiment_corpus(cfg: ExperimentConfig) -> Corpus:
    """The corpus (or its configured subset) with the standard general-knowledge controls and the
    train questions of withheld facts left out (finetune.withhold_facts), checked to have questions
    in the evaluated split; says when unanswerable eval topics were also trained on."""
    corpus = load_corpus(
        cfg.corpus.dir, cfg.corpus.max_documents, cfg.corpus.max_control_questions, general_knowledge=cfg.corpus.general_knowledge
    )
    corpus = corpus.withhold_train_questions(withhold_share(cfg, corpus), cfg.run.seed)
    if not corpus.split(cfg.eval.split):
        raise InputError(f"{cfg.corpus.dir}: no questions in split {cfg.eval.split!r} for the selected documents")
    if needs_reader(cfg) and not corpus.split("train") and not cfg.raft.use_documents:
        raise InputError(
            f"{cfg.corpus.dir}: the {', '.join(reader_arms(cfg))} arm(s) train on the train split's questions with passages, and it has none "
            "(write some with `ragvsft synth`, set raft.use_documents, or leave them out of eval.arms)"
        )
    if needs_reader(cfg) and cfg.raft.reading_set:
        check_reading_set(cfg.raft.reading_set)
    topics = unanswerable_topics(corpus)
    if topics["seen_in_training"]:
        log.warning(
            "%d of %d unanswerable eval topics also have train questions: abstaining on them measures memory, not abstention",
            topics["seen_in_training"], topics["eval_topics"],
        )
    return corpus


def load_embedder(cfg: ExperimentConfig) -> Embedder:
    return Embedder(cfg.rag.embedder, device=cfg.model.device, batch_size=cfg.rag.embed_batch_size)


def load_base_lm(cfg: ExperimentConfig) -> LoadedLM:
    return load_lm(cfg.model.name, cfg.model.device, cfg.model.dtype)


def load_models(cfg: ExperimentConfig, models: dict | None = None, *, embedder: bool = True) -> tuple[Embedder | None, LoadedLM]:
    """(embedder or None, base language model), from `models` when an earlier run in this process
    loaded them (sweep points and scale sizes share them, and the answers the model already gave)."""
    models = {} if models is None else models
    lm_key = ("lm", cfg.model.name, cfg.model.device, cfg.model.dtype)
    embedder_key = ("embedder", cfg.rag.embedder, cfg.model.device, cfg.rag.embed_batch_size)
    if lm_key not in models:
        check_lm_name(cfg.model.name)  # a bad model name is said before the embedder loads
    if embedder and embedder_key not in models:
        models[embedder_key] = load_embedder(cfg)
    if lm_key not in models:
        models[lm_key] = load_base_lm(cfg)
    return models.get(embedder_key) if embedder else None, models[lm_key]


def write_config(cfg: ExperimentConfig, out: Path) -> None:
    write_text(Path(out) / CONFIG_FILE, to_yaml(cfg))


def assemble(
    cfg: ExperimentConfig, out: Path, *, models: dict | None = None, corpus: Corpus | None = None, retrieval: bool | None = None,
    tuning: bool | None = None, reuse_from: Path | None = None, times: StageTimes | None = None,
) -> Assembly:
    """Build a run's parts into `out`: the index and the adapter are trained there, or reused when
    `out` (or the run `reuse_from`, never written) already has them from the same inputs.
    `retrieval` / `tuning`: whether to build the index / adapter (default: whether a configured arm
    needs it; `ragvsft run` builds both for its update stage)."""
    times = times or StageTimes()
    retrieval = needs_retriever(cfg) if retrieval is None else retrieval
    tuning = (needs_adapter(cfg) if tuning is None else tuning) or (needs_reader(cfg) and cfg.raft.from_closed_book)
    corpus = load_experiment_corpus(cfg) if corpus is None else corpus
    set_seed(cfg.run.seed, cfg.run.threads)
    with times.stage("load models"):
        embedder, lm = load_models(cfg, models, embedder=retrieval)
    write_config(cfg, out)
    parts = Assembly(cfg, corpus, lm, embedder)
    if retrieval:
        with times.stage("index"):
            reused = matching_index(Path(reuse_from) / INDEX_DIR, corpus, embedder, cfg.rag) if reuse_from else None
            parts.index, parts.index_reused = (reused, True) if reused is not None else ensure_index(Path(out) / INDEX_DIR, corpus, embedder, cfg.rag)
    if tuning:
        with times.stage("fine-tune"):
            parts.adapter = ensure_adapter(cfg, corpus, out, lm, reuse_from=reuse_from)
    if retrieval and needs_reader(cfg):
        with times.stage("raft fine-tune"):
            parts.reader_adapter = ensure_raft_adapter(
                cfg, corpus, out, lm, IndexPassages(parts.index), closed_book=parts.adapter, reuse_from=reuse_from
            )
    if retrieval:
        parts.gate = resolve_gate(cfg)
    return parts


def train_reader(
    cfg: ExperimentConfig, corpus: Corpus, out: Path, lm: LoadedLM, embedder: Embedder, closed_book: AdapterOutcome, *, resume: bool = False
) -> AdapterOutcome:
    """The RAFT adapter in <out>/raft, trained on the passages of the index in <out>/index (`ragvsft train`)."""
    index = load_index(Path(out) / INDEX_DIR, embedder=embedder, corpus_hash=corpus.content_hash())
    return ensure_raft_adapter(cfg, corpus, out, lm, IndexPassages(index), closed_book=closed_book, resume=resume)


def assemble_saved(
    cfg: ExperimentConfig, run_dir: Path, *, retrieval: bool | None = None, tuning: bool | None = None, corpus: Corpus | None = None,
    calibrate: bool = False,
) -> Assembly:
    """A finished run's parts: its index and adapter as saved (an InputError says which is missing);
    `corpus`: the experiment's corpus when the caller already loaded it. An `auto` gate is the one
    the run calibrated, unless `calibrate` (answering the eval questions again calibrates it anew)."""
    retrieval = needs_retriever(cfg) if retrieval is None else retrieval
    tuning = needs_adapter(cfg) if tuning is None else tuning
    corpus = load_experiment_corpus(cfg) if corpus is None else corpus
    # what the run must already hold, said before the models load, in the order the commands make them
    if retrieval:
        require_index(Path(run_dir) / INDEX_DIR)
    adapter = saved_adapter(run_dir) if tuning else None
    reader_adapter = saved_adapter(Path(run_dir) / RAFT_DIR) if needs_reader(cfg) else None
    set_seed(cfg.run.seed, cfg.run.threads)
    embedder, lm = load_models(cfg, embedder=retrieval)
    index = load_index(Path(run_dir) / INDEX_DIR, embedder=embedder, corpus_hash=corpus.content_hash()) if retrieval else None
    parts = Assembly(cfg, corpus, lm, embedder, index, index_reused=True, adapter=adapter, reader_adapter=reader_adapter)
    if retrieval:
        parts.gate = resolve_gate(cfg, None if calibrate else recorded_gate(run_dir))
    return parts
