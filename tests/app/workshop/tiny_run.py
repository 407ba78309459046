"""A finished run on tiny random models, made with `commands.run` as a user would: the workshop UI's
tests load it. Its corpus plants a `<script>` in one document, so escaping is tested with it."""

from __future__ import annotations

from pathlib import Path

from core.config_files import load_config
from app import commands
from tests.conftest import SMALL_DOCS, SMALL_QUESTIONS, save_tiny_sentence_transformer, tiny_llama, tiny_tokenizer, write_corpus

PLANTED = "<script>window.pwned = 1</script>"
DOCS = [*SMALL_DOCS, {"id": "mascot", "title": "Mascot <b>bold</b>", "text": f"The mascot is Mallow. {PLANTED}"}]
QUESTIONS = [
    *SMALL_QUESTIONS,
    {"id": "q5", "question": "What is the mascot?", "answers": ["Mallow"], "doc_ids": ["mascot"], "split": "eval", "kind": "fact", "fact_id": "f4"},
]


def tiny_experiment(root: Path) -> tuple[Path, list[str]]:
    """(a config file, overrides) for a run of tiny random models on the small corpus under `root`."""
    tok = tiny_tokenizer()
    tiny_llama(len(tok)).save_pretrained(root / "lm")
    tok.save_pretrained(root / "lm")
    embedder = save_tiny_sentence_transformer(root / "embedder")
    corpus = write_corpus(root / "corpus", DOCS, QUESTIONS)
    (root / "exp.yaml").write_text(f"name: tiny\ncorpus:\n  dir: {corpus}\n")
    return root / "exp.yaml", [
        f"model.name={root / 'lm'}", f"rag.embedder={embedder}", "model.max_new_tokens=4", "rag.top_k=1",
        "rag.retriever=bm25",  # lexical: the leave question finds the leave document
        "eval.bootstrap_samples=100", "finetune.max_steps=2", "corpus.general_knowledge=false",
    ]


def make_tiny_run(root: Path) -> Path:
    """root/run: index, adapter, predictions, summary and report of a tiny run (seconds)."""
    config, overrides = tiny_experiment(root)
    commands.run(config=load_config(config, overrides), out=root / "run")
    return root / "run"
