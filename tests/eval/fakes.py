"""A fake answerer: the harness, summaries and report tested without a model."""

from core.answerer import Answer, Passage


class FakeAnswerer:
    """Answers from a fixed table, retrieving a fixed document, with fixed timings."""

    def __init__(self, answers: dict[str, str], doc_id: str | None = None):
        self.answers, self.doc_id = answers, doc_id

    def answer(self, questions):
        passages = [Passage(f"{self.doc_id}#0", self.doc_id, "T", "text", 0.5)] if self.doc_id else []
        return [Answer(q.id, self.answers.get(q.id, "no idea"), passages, 2.0, 8.0, 100, 5, self._cited(q.id)) for q in questions]

    def _cited(self, question_id: str) -> list[str]:
        return [self.doc_id] if self.doc_id and "[1]" in self.answers.get(question_id, "") else []
