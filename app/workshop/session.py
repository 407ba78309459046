"""One workshop session: a live copy of a finished run that a room asks questions of and changes.

The session holds its own corpus, its own copy of the index (loaded from the run, changed in
memory) and its current adapter; the run directory is never written. An edit re-indexes the one
document for RAG at once (the milliseconds are the absorb time) and leaves the fine-tune as it was
until a retrain continues (delta) or redoes (full) the adapter on the pending changes, the update
stage's own strategies (finetune/strategies.py). After every change, each change's probe question
is put to every arm again, so the change list says who now gives the new value, the old one or
neither. Every method raises an InputError with a sentence for the page on bad input.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from core.answerer import Answer
from core.corpus import Corpus, Question
from core.errors import InputError
from core.text import normalize
from app.workshop.edits import FactChange, changed_facts, fact_questions, text_with_new_value, with_changes
from app.workshop.loaded_run import LoadedRun
from app.workshop.rounds import pending_round, save_as_round, zip_directory
from eval.catalogue import ARMS, CLOSED_BOOK
from eval.stages.window import does_not_fit
from eval.rundir import INDEX_DIR
from eval.scoring.metrics import accuracy
from finetune.strategies import STRATEGIES
from finetune.updating import train_strategy, tuned_model
from rag.index import load_index, save_index
from rag.indexing import update_index

NEW, OLD, NEITHER = "new", "old", "neither"  # what an arm now answers to a change's probe question
ASKED_ID = "asked"  # the id of a typed question that is not the corpus's
NOTHING_TO_RETRIEVE = "(nothing to retrieve: every document has been deleted in this session)"


@dataclass
class Reply:
    arm: str
    answer: Answer
    correct: bool | None  # None: the question is not the corpus's, so nothing says what is right


@dataclass
class Change:
    number: int
    action: str  # "edit" | "delete"
    doc_id: str
    title: str
    what: str  # one line for the change list
    facts: list[FactChange]
    probe: Question | None  # asked of every arm after each change; None when the edit changed no fact
    index_ms: float  # RAG's absorb time
    retrain: str | None = None  # "<strategy> in <s> s" once a retrain absorbed it
    status: dict[str, str] = field(default_factory=dict)  # arm -> NEW | OLD | NEITHER
    gated: set[str] = field(default_factory=set)  # arms whose retrieval-confidence gate abstained on the probe

    @property
    def old_values(self) -> list[str]:
        return [v for f in self.facts for v in f.old]

    @property
    def new_values(self) -> list[str]:
        return [f.new for f in self.facts if f.new]


class Session:
    def __init__(self, run: LoadedRun, workdir: Path, save_root: Path | None = None):
        """`workdir`: this session's own folder (removed when the session ends); `save_root`: where the
        server keeps saved update rounds (`ragvsft ui --save-dir`), else they stay in `workdir`."""
        self.run, self.workdir, self.save_root = run, Path(workdir), save_root
        self.limits = run.cfg.workshop
        # the session's live state: the run's parts with its own copy of the index (changed in memory,
        # saved in workdir); its corpus, adapter and tuned model are replaced as the room changes them
        index = load_index(run.run_dir / INDEX_DIR, embedder=run.parts.embedder, corpus_hash=run.corpus.content_hash())
        self.parts = replace(run.parts, index=index)
        self.trained_on: Corpus = run.corpus  # what the current adapter has absorbed
        self.changes: list[Change] = []
        self.training_since: float | None = None
        self._training = threading.Lock()
        self._versions = {"index": 0, "adapter": 0}
        self._probe_cache: dict[tuple, Answer] = {}  # greedy decoding: same prompt, same weights, same answer
        self._saves = 0

    # -- asking ---------------------------------------------------------------------------------
    def ask(self, text: str) -> tuple[Question, list[Reply]]:
        """Every live arm's answer to `text`; right or wrong when it is one of the corpus's questions."""
        question = self.find_question(text)
        known = question.id != ASKED_ID
        replies = []
        for arm in self.run.arms:
            answer = self._answers(arm, [question])[0]
            replies.append(Reply(arm, answer, bool(accuracy([answer.text], [question.answers]).value) if known else None))
        return question, replies

    def _answers(self, arm: str, questions: list[Question]) -> list[Answer]:
        if ARMS[arm].retrieves and not self.corpus.documents:  # the room deleted every document
            return [Answer(q.id, NOTHING_TO_RETRIEVE) for q in questions]
        answerer = self._answerer(arm)
        if ARMS[arm].caches_corpus and (unfit := does_not_fit(answerer, questions)):  # the room's edits grew it past the window
            said = f"(not answered: the whole corpus is now {unfit['prompt_tokens']:,} tokens, past the model's window of {unfit['window']:,})"
            return [Answer(q.id, said) for q in questions]
        return answerer.answer(questions)

    def find_question(self, text: str) -> Question:
        text = (text or "").strip()
        if not text:
            raise InputError("the question is empty; type one or pick an example")
        self._check_length("the question", text)
        wanted = normalize(text)
        matches = [q for q in self.corpus.questions if normalize(q.question) == wanted]
        if matches:
            return min(matches, key=lambda q: q.split != "eval")  # its eval phrasing when there is one
        # not validated: a free question has no answers or gold documents, it is only answered
        return Question.model_construct(id=ASKED_ID, question=text, answers=[], doc_ids=[], split="eval", kind="asked", fact_id=None, old_answers=[])

    # -- changing -------------------------------------------------------------------------------
    def edit_document(self, doc_id: str, new_text: str, stated: FactChange | None = None) -> Change:
        """Replace a document's text; the facts it no longer states change to what replaced them.
        `stated`: a fact whose new value is known (a fact edit), whatever the diff reads."""
        document = self.document(doc_id)
        new_text = (new_text or "").strip()
        if not new_text:
            raise InputError(f"document {doc_id}: the new text is empty; to remove the document use Delete")
        if len(new_text) > len(document.text) + self.limits.max_chars:
            raise InputError(
                f"document {doc_id}: the edit adds {len(new_text) - len(document.text):,} characters; "
                f"an edit may add at most {self.limits.max_chars:,} (workshop.max_chars)"
            )
        if new_text == document.text:
            raise InputError(f"document {doc_id}: the text is unchanged; edit it first")
        facts = [f for f in changed_facts(self.corpus, doc_id, new_text) if not stated or f.fact_id != stated.fact_id]
        facts += [stated] if stated else []
        after = with_changes(self.corpus, [document.model_copy(update={"text": new_text})], facts)
        what = "; ".join(f"{f.fact_id}: {' / '.join(f.old)} -> {f.new or '(removed)'}" for f in facts) or "text edited, no fact's value changed"
        return self._apply("edit", document, after, facts, what)

    def edit_fact(self, fact_id: str, new_value: str) -> Change:
        """Change a fact's value: its gold document's text is changed where the old value occurs."""
        self._check_length("the new value", (new_value or "").strip())
        document, new_text = text_with_new_value(self.corpus, fact_id, new_value)
        old = fact_questions(self.corpus, fact_id)[0].answers
        return self.edit_document(document.id, new_text, FactChange(fact_id, list(old), new_value.strip()))

    def delete_document(self, doc_id: str) -> Change:
        document = self.document(doc_id)
        about = [q for q in self.corpus.questions if doc_id in q.doc_ids]
        facts = list({q.fact_id: FactChange(q.fact_id, list(q.answers), None) for q in about if q.fact_id}.values())
        after = self.corpus.only_documents({d.id for d in self.corpus.documents} - {doc_id})
        return self._apply("delete", document, after, facts, f"deleted ({len(facts)} facts were in it)")

    def document(self, doc_id: str):
        found = self.corpus.by_doc_id().get(doc_id)
        if found is None:
            gone = doc_id in self.run.corpus.by_doc_id()
            raise InputError(f"no document {doc_id!r}" + (" any more: it was deleted in this session" if gone else " in the corpus"))
        return found

    def _apply(self, action: str, document, after: Corpus, facts: list[FactChange], what: str) -> Change:
        probe = self._probe(facts, self.corpus)
        start = time.perf_counter()
        update_index(self.index, self.corpus, after)
        save_index(self.index, self.workdir / INDEX_DIR)  # as the update stage does: live and on disk
        index_ms = (time.perf_counter() - start) * 1000
        self.parts.corpus = after
        self._versions["index"] += 1
        change = Change(len(self.changes) + 1, action, document.id, document.title, what, facts, probe, index_ms)
        self.changes.append(change)
        self.refresh_status()
        return change

    def _probe(self, facts: list[FactChange], corpus: Corpus) -> Question | None:
        """The first changed fact's first phrasing: the one the fact list shows, so the room sees
        the question the change list reports on (the eval phrasings are measured by a saved round)."""
        for fact in facts:
            questions = fact_questions(corpus, fact.fact_id)
            if questions:
                return questions[0]
        return None

    # -- retraining -----------------------------------------------------------------------------
    def retrain(self, strategy_name: str, callbacks=()) -> float:
        """Train the pending changes into the adapter with an update strategy; seconds it took."""
        if not self._training.acquire(blocking=False):
            raise InputError(f"a retrain is already running (for {time.perf_counter() - self.training_since:.0f} s); wait for it to finish")
        try:
            self.training_since = time.perf_counter()
            return self._retrain(strategy_name, callbacks)
        finally:
            self.training_since = None
            self._training.release()

    def _retrain(self, strategy_name: str, callbacks) -> float:
        strategy = STRATEGIES.get(strategy_name)
        if strategy is None:
            raise InputError(f"no update strategy {strategy_name!r} (strategies: {', '.join(STRATEGIES)})")
        target, changes = self.corpus, [c for c in self.changes if c.retrain is None]
        rnd, deleted = pending_round(self.trained_on, target)
        if not (rnd.documents or rnd.questions or deleted):
            raise InputError("nothing to retrain: apply an edit or a deletion first")
        if not strategy.from_scratch and not (rnd.documents or rnd.questions):
            raise InputError(f"{strategy.name} continues the adapter on changed facts; a deleted document is forgotten only by retraining from scratch (full)")
        cfg = self.run.cfg
        out = self.workdir / f"retrain-{self._versions['adapter'] + 1}-{strategy.name}"
        start = time.perf_counter()
        outcome = train_strategy(cfg, self.parts.lm, strategy, rnd, target, None if strategy.from_scratch else self.adapter, out, callbacks)
        tuned = tuned_model(cfg, outcome)
        seconds = time.perf_counter() - start
        self.parts.tuned, self.parts.adapter, self.trained_on = tuned, outcome, target
        self._versions["adapter"] += 1
        for change in changes:
            if change.action != "delete" or strategy.from_scratch:  # continuing an adapter does not forget
                change.retrain = f"{strategy.name} in {seconds:.0f} s"
        self.refresh_status()
        return seconds

    # -- status -----------------------------------------------------------------------------------
    def refresh_status(self) -> None:
        """Put every change's probe question to every arm (cached per weights and index state)."""
        probed = [c for c in self.changes if c.probe is not None]
        for arm in self.run.arms:
            answers = self._cached_answers(arm, [c.probe for c in probed])
            for change, answer in zip(probed, answers):
                change.status[arm] = _status(answer.text, change.new_values, change.old_values)
                (change.gated.add if answer.gated else change.gated.discard)(arm)

    def _cached_answers(self, arm: str, questions: list[Question]) -> list[Answer]:
        spec = ARMS[arm]
        # a retrain replaces the closed-book adapter only; the RAFT reader keeps its weights and re-reads the index;
        # the whole corpus in the prompt changes with every change to the documents, as the index does
        reads_documents = spec.retrieves or spec.caches_corpus
        state = (arm, self._versions["index"] if reads_documents else None, self._versions["adapter"] if spec.adapter == CLOSED_BOOK else None)
        todo = [q for q in questions if (*state, q.question) not in self._probe_cache]
        if todo:
            for q, answer in zip(todo, self._answers(arm, todo)):
                self._probe_cache[(*state, q.question)] = answer
        return [self._probe_cache[(*state, q.question)] for q in questions]

    @property
    def corpus(self) -> Corpus:
        return self.parts.corpus

    @property
    def adapter(self):
        return self.parts.adapter

    @property
    def index(self):
        return self.parts.index

    def _answerer(self, arm: str):
        return self.parts.answerer(ARMS[arm])

    def _check_length(self, what: str, text: str) -> None:
        if len(text) > self.limits.max_chars:
            raise InputError(f"{what} is {len(text):,} characters long; at most {self.limits.max_chars:,} are accepted (workshop.max_chars)")

    # -- saving -----------------------------------------------------------------------------------
    def save_round(self) -> tuple[Path, Path]:
        """(the corpus directory holding the session's edits as an update round, a zip of it to
        download). The server chooses where: under `save_root`, else in the session's folder; a
        browser never names a path (a room must not be able to write where the teacher can)."""
        self._saves += 1
        name = f"{self.run.cfg.name}-{self.workdir.name}-{self._saves}"
        target = save_as_round(self.run.cfg.corpus.dir, self.run.corpus, self.corpus, (self.save_root or self.workdir / "saved") / name)
        return target, zip_directory(target, self.workdir / "downloads" / f"{name}.zip")


def _status(text: str, new: list[str], old: list[str]) -> str:
    if new and accuracy([text], [new]).value:
        return NEW
    return OLD if old and accuracy([text], [old]).value else NEITHER
