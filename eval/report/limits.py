"""What limits this comparison, in plain words, from summary.json alone.

A retrieving arm's wrong answers split in two (eval/scoring/scores.py): lost to retrieval (no gold
passage reached the reader: none retrieved, or the confidence gate answered) and lost to reading
(a gold passage was in the prompt and the answer was still wrong). The arm that reads the gold
documents (oracle) is the reader's ceiling: no arm reading passages with this model is expected
above it. The fine-tune reads nothing, so what bounds it is what training stored and how far it
carries to new phrasings; base is the same model untrained.

Which of two losses "limits" an arm is decided by the verdict's rule (eval/scoring/paired.py): the
paired difference of the two losses over the same questions, called when its 95% interval excludes
0; otherwise both bound it. Arms are set against their ceilings the same way.

A closed-book fine-tune called above the ceiling on the same questions is flagged, in the
section and under the verdict: a model without the document cannot know more than the same model
holding it, unless the eval questions repeat what it was trained on (../shared/DESIGN.md, validity
rule 3).
"""

from __future__ import annotations

from dataclasses import dataclass

from eval.catalogue import FINETUNE, GOLD, NO_PASSAGES, RAG, READER, arm, metrics_in, reference_arm, side_arm
from eval.report.evidence import RunScores
from eval.report.format import markdown_table, pct, rate_cell
from eval.report.tables import metric_header
from eval.report.whole_corpus import reading_limit_sentence

RETRIEVAL, READING, BOTH = "retrieval", "reading", "retrieval and reading alike"


@dataclass(frozen=True)
class Limits:
    table: str | None  # per retrieving arm (and the ceiling): accuracy and the two losses
    sentences: list[str]  # the section's prose, one finding each
    footnote: str  # one line under the verdict


def _pct(record: dict, key: str) -> str:
    return f"{pct(record[key])}%"


def order(scores: RunScores, a: str, b: str, key: str, b_key: str | None = None) -> int:
    """1 when `a`'s `key` is called above `b`'s (`b_key`) on the same questions, -1 below, 0 a tie or unmeasured."""
    diff = scores.difference(b, a, b_key or key, key)
    return diff.sign if diff else 0


def limiting(scores: RunScores, name: str) -> str:
    """RETRIEVAL, READING, or BOTH when the paired difference of the two losses is a tie."""
    return {1: RETRIEVAL, -1: READING, 0: BOTH}[order(scores, name, name, "retrieval_miss_rate", "reading_miss_rate")]


def _ceiling_arm(arms: dict, adapter: str | None = None) -> str | None:
    """The arm reading the gold documents with the given weights (None: the untuned reader's ceiling)."""
    return next((a for a in arms if arm(a) and arm(a).passages is GOLD and arm(a).adapter == adapter and "accuracy" in arms[a]), None)


def _own_ceiling(name: str, arms: dict) -> str | None:
    """A retrieving arm's ceiling: the gold-document arm with its own weights, else the untuned one."""
    return _ceiling_arm(arms, arm(name).adapter if arm(name) else None) or _ceiling_arm(arms)


# Where a closed-book fine-tune above the ceiling is looked for: every answerable question, and
# each fact group (on synthesized questions the trained group alone can sit above it).
CEILING_CHECKED = {
    "accuracy": "the answerable questions",
    "accuracy_trained_facts": "the facts it trained on as other questions",
    "accuracy_document_facts": "the facts it met only in the documents",
}


def above_ceiling(arms: dict, scores: RunScores, ceiling: str | None) -> list[tuple[str, str]]:
    """(arm, metric) for each closed-book tuned arm called above the ceiling arm on a checked question set."""
    if ceiling is None:
        return []
    closed_book_tuned = [a for a in arms if arm(a) and arm(a).tuned and arm(a).passages is NO_PASSAGES]
    return [
        (a, key) for a in closed_book_tuned for key in CEILING_CHECKED
        if key in arms[a] and key in arms[ceiling] and order(scores, a, ceiling, key) == 1
    ]


def _above_ceiling_sentence(name: str, key: str, arms: dict, ceiling: str) -> str:
    return (
        f"On {CEILING_CHECKED[key]}, `{name}` answers {_pct(arms[name], key)} from its weights alone, above the reader's ceiling "
        f"(`{ceiling}`, {_pct(arms[ceiling], key)}), called on the same questions. A model without the document cannot know more than the "
        "same model holding it unless the eval questions repeat what it was trained on: read this as a sign that the eval set "
        "copies the training set (phrasing transfer, not knowledge), and check the eval phrasings against the train ones."
    )


LEVERS = {
    RETRIEVAL: "`rag.retriever`, `rag.top_k` or the chunking are the levers (see Retrieval)",
    READING: "a larger `model.name` is the lever, or a reader trained to read the corpus's passages (the `raft` arm)",
    BOTH: "a better retriever and a larger `model.name` would each help",
}


# When the confidence gate caused most retrieval losses, its threshold is the lever, not the retriever.
GATE_LEVERS = {
    RETRIEVAL: "`rag.abstain_below` is the lever: the confidence gate caused most of those losses",
    BOTH: "a lower `rag.abstain_below` and a larger `model.name` would each help",
}


# The RAFT reader is already trained to read: its own settings are the lever.
READER_LEVERS = {READING: "`raft.reading_set` (questions people wrote), a larger `model.name` or more `raft.epochs` are the levers"}


def levers(found: str, record: dict, adapter: str | None = None) -> str:
    """The config keys that move what limits an arm (`adapter`: the weights it answers with)."""
    by_gate = record.get("gate_false_abstention_rate", 0.0) > record["retrieval_miss_rate"] / 2
    if by_gate and found in GATE_LEVERS:
        return GATE_LEVERS[found]
    return READER_LEVERS.get(found, LEVERS[found]) if adapter == READER else LEVERS[found]


def _retrieving_sentence(name: str, record: dict, gated: bool, found: str) -> str:
    how = "no gold passage reached the reader: none retrieved" + (", or the confidence gate answered" if gated else "")
    lead = f"{found.capitalize()} limit" if found == BOTH else f"{found.capitalize()}, not {READING if found == RETRIEVAL else RETRIEVAL}, limits"
    return (
        f"`{name}` answers {_pct(record, 'accuracy')}. It loses {_pct(record, 'retrieval_miss_rate')} of the questions to "
        f"retrieval ({how}) and {_pct(record, 'reading_miss_rate')} to reading (a gold passage was in the prompt, the "
        f"answer was wrong). {lead} `{name}`: {levers(found, record, arm(name).adapter if arm(name) else None)}."
    )


def _tuned_ceiling_sentence(tuned: str, arms: dict, untuned: str | None, scores: RunScores) -> str:
    against = f", against {_pct(arms[untuned], 'accuracy')} for the untrained reader (`{untuned}`)" if untuned else ""
    lead = f"With the gold document in the prompt the reader trained to read (`{tuned}`) answers {_pct(arms[tuned], 'accuracy')}{against}"
    if untuned and order(scores, tuned, untuned, "accuracy") < 0:
        return (
            f"{lead}: both hold the same document, so it lost reading skill instead of gaining it; training taught it "
            "something other than reading the passage. A reader trained only on questions synthesized from the documents "
            "learns to match their copied sentences and to abstain on other phrasings; `raft.reading_set` (questions people "
            "wrote about other passages) is the lever."
        )
    return f"{lead}: the tuned reader's ceiling. What it gains over the untrained one is reading skill, since both hold the same document."


def _gate_sentence(name: str, record: dict, gate: dict) -> str:
    held = (gate.get("calibration") or {}).get("held_out") or {}
    out_of_sample = (
        f" (each behind a threshold chosen without it; right answers among them cost its reader {pct(held['accuracy_lost'])} "
        "points of accuracy, the rest it would have got wrong anyway)"
    ) if "accuracy_lost" in held and name == side_arm(RAG, [name]) else ""
    without = f" Without the gate `{name}` would answer {_pct(record, 'reader_accuracy')}." if "reader_accuracy" in record else ""
    alone = f" (its reader alone: {_pct(record, 'reader_abstention_rate')})" if "reader_abstention_rate" in record else ""
    return (
        f"Of those retrieval losses, the confidence gate ({gate['how']}) turned away "
        f"{_pct(record, 'gate_false_abstention_rate')} of the answerable questions{out_of_sample}; `{name}` abstains on "
        f"{_pct(record, 'abstention_rate')} of the unanswerable ones{alone}.{without} `rag.abstain_below` and "
        "`rag.gate_max_cost` set the trade (`null`: no gate)."
    )


def _finetune_sentence(name: str, record: dict, base: dict | None) -> str:
    untrained = f" ({_pct(base, 'accuracy')} for the same model untrained)" if base and "accuracy" in base else ""
    loss = f" (final training loss {record['train']['final_loss']:.3f})" if "train" in record else ""
    return (
        f"`{name}` answers {_pct(record, 'accuracy')} from its weights alone{untrained}. It retrieves nothing to miss: "
        f"what training stored{loss} and how far that carries to phrasings it was not trained on bound it; more "
        f"`finetune.epochs`, `finetune.use_documents` or a larger `model.name` are the levers."
    )


def limits(summary: dict, rows: list[dict]) -> Limits:
    arms, scores = summary["arms"], RunScores(summary, rows)
    gated = (summary.get("gate") or {}).get("threshold") is not None
    retrieving = [a for a in arms if "reading_miss_rate" in arms[a]]
    ceiling = _ceiling_arm(arms)
    sentences = []
    if ceiling:
        sentences.append(
            f"With the gold document in the prompt (`{ceiling}`) the model answers {_pct(arms[ceiling], 'accuracy')}: "
            f"that is the reader's ceiling on this run, and no arm that reads passages with this model is expected above it."
        )
    if tuned_ceiling := _ceiling_arm(arms, READER):
        sentences.append(_tuned_ceiling_sentence(tuned_ceiling, arms, ceiling, scores))
    high = above_ceiling(arms, scores, ceiling)
    sentences += [_above_ceiling_sentence(name, key, arms, ceiling) for name, key in high]
    for name in retrieving:
        found = limiting(scores, name)
        sentences.append(_retrieving_sentence(name, arms[name], gated and "gate_false_abstention_rate" in arms[name], found))
        if "gate_false_abstention_rate" in arms[name]:
            sentences.append(_gate_sentence(name, arms[name], summary["gate"]))
        own = _own_ceiling(name, arms)
        if own and not order(scores, name, own, "accuracy"):
            sentences.append(f"`{name}` is at its reader's ceiling (`{own}`), no difference called on the same questions: better retrieval could not show on this run.")
    finetune = side_arm(FINETUNE, arms)
    if finetune:
        sentences.append(_finetune_sentence(finetune, arms[finetune], arms.get(reference_arm())))
    if not retrieving:
        sentences.append("No arm here retrieves, so no error could be split into retrieval and reading misses.")
    sentences += reading_limit_sentence(summary, rows)
    rag = side_arm(RAG, retrieving)
    return Limits(_table(arms, retrieving, ceiling), sentences, _footnote(arms, rag, ceiling, high, limiting(scores, rag) if rag else None))


def _footnote(arms: dict, rag: str | None, ceiling: str | None, high: list[tuple[str, str]], found: str | None) -> str:
    warning = "".join(
        f"Warning: on {CEILING_CHECKED[key]}, `{name}` scores above the gold-document ceiling ({_pct(arms[name], key)} against "
        f"{_pct(arms[ceiling], key)}, called on the same questions): those eval questions likely repeat its training set. "
        for name, key in high
    )
    if rag is None:
        return f"{warning}What limits this run: no retrieving arm ran, so retrieval and reading misses could not be told apart."
    record = arms[rag]
    at_ceiling = f"With the gold document in the prompt the model answers {_pct(arms[ceiling], 'accuracy')}; " if ceiling else ""
    return (
        f"{warning}What limits this run: {found}. {at_ceiling}`{rag}` loses {_pct(record, 'reading_miss_rate')} of "
        f"the questions to reading and {_pct(record, 'retrieval_miss_rate')} to retrieval; {levers(found, record)}. "
        "See \"What limits this comparison\"."
    )


def _table(arms: dict, retrieving: list[str], ceiling: str | None) -> str | None:
    if not retrieving:
        return None
    losses = metrics_in("limits")
    rows = [[name, rate_cell(arms[name], "accuracy"), *(rate_cell(arms[name], m.name) for m in losses)] for name in retrieving]
    if ceiling:
        rows.append([f"{ceiling} (the reader's ceiling)", rate_cell(arms[ceiling], "accuracy"), *("–" for _ in losses)])
    if tuned := _ceiling_arm(arms, READER):
        rows.append([f"{tuned} (the tuned reader's ceiling)", rate_cell(arms[tuned], "accuracy"), *("–" for _ in losses)])
    return markdown_table(["arm", "accuracy % [95% CI]", *(metric_header(m) for m in losses)], rows)
