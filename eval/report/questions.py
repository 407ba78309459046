"""One sentence under the verdict: what kind of questions this run's numbers come from, and what
that means for each side (../shared/DESIGN.md, validity rules 1 and 2). Hand-written, synthesized
and generated questions test a fine-tune differently: an eval question about a fact whose other
phrasings were trained measures phrasing transfer; one about a fact it met only in the documents
measures knowledge injection, what the literature compares RAG with."""

from __future__ import annotations

from eval.catalogue import FINETUNE, RAG, side_arm

# What the verdict's accuracy row compares, per `eval.verdict_facts`: the metric, and the questions it is over.
FACT_GROUPS = {
    "documents": ("accuracy_document_facts", "facts the fine-tune met only in the documents (knowledge injection)"),
    "trained": ("accuracy_trained_facts", "facts the fine-tune trained on as other questions (phrasing transfer)"),
    "all": ("accuracy", "all answerable questions"),
}


def verdict_fact_group(summary: dict) -> str:
    """The group the accuracy row decides on: as configured, else (`auto`) the facts learned only
    from the documents when the run has such questions on both sides, else those trained as questions."""
    setting = summary["run_info"]["config"].get("eval", {}).get("verdict_facts", "auto")
    if setting != "auto":
        return setting
    arms = summary.get("arms", {})
    rag, lora = arms.get(side_arm(RAG, arms)), arms.get(side_arm(FINETUNE, arms))
    for group in ("documents", "trained"):
        if rag and lora and FACT_GROUPS[group][0] in rag and FACT_GROUPS[group][0] in lora:
            return group
    return "all"

KINDS = {
    "hand-written": "hand-written questions",
    "human-written": "human-written questions nobody on this project wrote",
    "synthesized": "questions `ragvsft synth` wrote from the documents' own sentences (they keep most of the sentence's words)",
}


def kind_text(origin: dict | None) -> str:
    """What kind of questions a run asked, in words (its corpus's questions_origin)."""
    if not origin:
        return "questions of unrecorded origin"
    name = origin.get("questions", "")
    return KINDS.get(name) or ("template questions generated with the knowledge base" if name.startswith("generated") else f"{name} questions")


def _coverage(coverage: dict | None, finetune: dict) -> str:
    if not coverage or not coverage.get("eval_questions"):
        return ""
    n, trained = coverage["eval_questions"], coverage["of_facts_with_train_questions"]
    if not finetune.get("use_qa", True):
        trained = 0  # the fine-tune trained on no question
    rest = n - trained
    elsewhere = "only in the documents it trained on" if finetune.get("use_documents", True) else "nowhere in its training"
    parts = []
    if trained:
        share = f"all {n} answerable ones" if trained == n else f"{trained} of the {n} answerable ones"
        parts.append(f"{share} ask facts the fine-tune trained on as other questions (phrasing transfer)")
    if rest:
        parts.append(f"{rest} ask facts it met {elsewhere}" + (" (knowledge injection)" if elsewhere.startswith("only") else ""))
    return ": " + " and ".join(parts)


def measured_on(summary: dict) -> str:
    corpus = summary.get("meta_info", {}).get("corpus") or {}
    finetune = summary["run_info"]["config"].get("finetune", {})
    origin = corpus.get("origin")
    train = ""
    if origin and origin.get("train") and origin["train"] != origin.get("questions"):
        train = " (the fine-tune's train questions " + ("synthesized by `ragvsft synth`)" if origin["train"] == "synthesized" else f"{origin['train']})")
    sentence = f"Measured on {kind_text(origin)}{train}{_coverage(corpus.get('eval_facts'), finetune)}."
    group = verdict_fact_group(summary)
    if group != "all":
        sentence += f" The verdict's accuracy row decides on the {FACT_GROUPS[group][1]}."
    if origin and origin.get("questions") == "synthesized":
        sentence += (" Shared wording helps retrieval and, on facts trained as questions, lets a fine-tune score by recalling "
                     "trained sentences: trust a fine-tune number there only while it stays below the oracle's.")
    elif group == "trained":
        sentence += (" The fine-tune's accuracy there is recall of trained facts under new wording, not learning from documents; "
                     "RAG is measured on finding and reading the passage either way.")
    return sentence
