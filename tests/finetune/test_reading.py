"""The reading set (raft.reading_set): human questions from a SQuAD-format file, one per paragraph,
the passage around the answer, eval answers and corpus text left out, and its examples in the RAFT set."""

import json

import pytest

from core.config import FinetuneConfig
from core.config_raft import RaftConfig
from core.errors import InputError
from finetune.raft import build_raft_set
from finetune.reading import READING_SOURCE, Exclusions, check_reading_set, load_reading_set, sentences_around
from tests.finetune.test_raft import FakeLookup, _ids, _trained_ids, corpus  # noqa: F401 (the corpus fixture)
from tests.conftest import SMALL_DOCS

NOTHING = Exclusions(answers=set(), documents=[])


def _paragraph(n: int, answer: str, impossible_question: str | None = None) -> dict:
    context = f"Filler sentence number {n} comes first. The river in story {n} is called {answer}. A last sentence ends it."
    qas = [{"id": f"q{n}", "question": f"What is the river in story {n} called?", "answers": [{"text": answer, "answer_start": context.index(answer)}]}]
    if impossible_question:
        qas.append({"id": f"u{n}", "question": impossible_question, "is_impossible": True, "answers": [],
                    "plausible_answers": [{"text": answer, "answer_start": context.index(answer)}]})
    return {"context": context, "qas": qas}


def _squad(tmp_path, paragraphs_per_article=3, articles=("Rivers", "Lakes")):
    data = {"data": [
        {"title": title, "paragraphs": [_paragraph(10 * a + n, f"Answer{10 * a + n}", f"Which sea is in story {10 * a + n}?") for n in range(paragraphs_per_article)]}
        for a, title in enumerate(articles)
    ]}
    path = tmp_path / "reading.json"
    path.write_text(json.dumps(data))
    return path


def _load(path, exclude=NOTHING, **settings):
    args = {"limit": 100, "unanswerable_share": 0.0, "words": 80, "abstention": "I don't know", "exclude": exclude, "seed": 0} | settings
    return load_reading_set(path, **args).items


def test_one_answerable_question_per_paragraph_with_the_passage_holding_its_answer(tmp_path):
    items = _load(_squad(tmp_path))
    assert len(items) == 6 and all(it.question.answerable for it in items)
    for it in items:
        assert it.question.answers[0] in it.passage.text and it.article in ("Rivers", "Lakes")


def test_the_limit_and_the_unanswerable_share_are_followed(tmp_path):
    path = _squad(tmp_path)
    assert len(_load(path, limit=4)) == 4
    items = _load(path, unanswerable_share=1.0)
    assert len(items) == 6 and all(it.question.answers == ["I don't know"] for it in items)
    assert all("Answer" in it.passage.text for it in items)  # shown the passage of its plausible answer


def test_eval_answers_and_corpus_text_are_left_out(tmp_path):
    path = _squad(tmp_path)
    no_eval_answer = _load(path, exclude=Exclusions(answers={"answer0"}, documents=[]))
    assert len(no_eval_answer) == 5 and all(it.question.answers != ["Answer0"] for it in no_eval_answer)
    corpus_text = "filler sentence number 1 comes first river in story 1 is called answer1 last sentence ends it"
    not_the_corpus = _load(path, exclude=Exclusions(answers=set(), documents=[corpus_text]))
    assert len(not_the_corpus) == 5 and all(it.question.answers != ["Answer1"] for it in not_the_corpus)


def test_the_passage_is_whole_sentences_around_the_answer_within_the_word_budget():
    context = "One two three. Four five six seven. The answer is Here. Eight nine. Ten eleven twelve."
    assert sentences_around(context, context.index("Here"), 8) == "The answer is Here. Eight nine."
    assert sentences_around(context, context.index("Here"), 100) == context
    assert sentences_around(context, context.index("Here"), 2) == "The answer is Here."


@pytest.mark.parametrize("content, why", [
    (None, "is not a file"),
    ("{not json", "is not a SQuAD-format file"),
    (json.dumps({"data": [{"paragraphs": [{"context": 3, "qas": []}]}]}), "is not a SQuAD-format file"),
    (json.dumps({"data": []}), "holds no articles"),
])
def test_a_file_that_is_not_squad_is_one_input_error_naming_it(tmp_path, content, why):
    path = tmp_path / "reading.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(InputError, match=f"raft.reading_set: .*reading.json {why}"):
        check_reading_set(path)


def test_reading_examples_join_the_raft_set_among_passages_of_other_articles(tmp_path, corpus, tiny_lm):  # noqa: F811
    items = _load(_squad(tmp_path), unanswerable_share=0.5)
    made = build_raft_set(corpus, tiny_lm.tokenizer, FinetuneConfig(), RaftConfig(), FakeLookup(SMALL_DOCS), k=2, seed=0, reading=items)
    reading = [e for e in made.examples if e.source == READING_SOURCE]
    assert len(reading) == len(items) == made.stats["raft"][READING_SOURCE]
    for example in reading:
        item = next(it for it in items if it.question.id == example.source_id)
        assert example.text.count("Passage ") == 2 and item.passage.text in example.text
        other = "Lakes" if item.article == "Rivers" else "Rivers"
        assert f"({other})" in example.text  # the distractor is another article's
        q = item.question
        answer = corpus.style.render(q.answers[0], item.article) if q.answerable else "I don't know"
        assert _trained_ids(example) == _ids(tiny_lm.tokenizer, answer)  # the loss on the answer, citing the article


def test_the_bundled_practice_loads_by_name_and_shares_no_article_with_the_public_corpus():
    import json

    from core.bundled import corpora_dir, reading_set_path

    check_reading_set("bundled:squad_practice")
    path = reading_set_path("bundled:squad_practice")
    articles = {a["title"] for a in json.loads(path.read_text(encoding="utf-8"))["data"]}
    corpus = {json.loads(line)["title"].split(" (paragraph")[0].replace(" ", "_")
              for line in (corpora_dir() / "squad_dev" / "documents.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()}
    assert len(articles) == 10 and not articles & corpus
    cut = json.loads((path.parent / "cut.json").read_text())
    assert cut["source_sha256"].startswith("53e67dd9") and (path.parent / "LICENSE.txt").is_file()
    items = load_reading_set("bundled:squad_practice", limit=600, unanswerable_share=0.0, words=120, abstention="I don't know.",
                             exclude=Exclusions(set(), []), seed=0).items
    assert len(items) == 600 and len({i.passage.text for i in items}) > 590  # one per paragraph


def test_an_unknown_bundled_reading_set_is_named():
    with pytest.raises(InputError, match="no bundled reading set 'nope' .*squad_practice"):
        check_reading_set("bundled:nope")


@pytest.mark.parametrize("origin, chosen", [
    ({"questions": "synthesized", "generator": "rules"}, "bundled:squad_practice"),
    ({"questions": "human-written", "train": "synthesized"}, "bundled:squad_practice"),
    ({"questions": "hand-written"}, None),
])
def test_auto_reads_the_bundled_practice_only_where_the_train_questions_were_synthesized(origin, chosen):
    from finetune.reading import chosen_reading_set

    assert chosen_reading_set("auto", origin) == chosen
    assert chosen_reading_set("/my/file.json", origin) == "/my/file.json" and chosen_reading_set(None, origin) is None
    check_reading_set("auto")


@pytest.mark.parametrize("synthesized", [True, False])
def test_by_default_a_corpus_with_synthesized_train_questions_reads_the_bundled_practice(small_corpus_dir, synthesized):
    """`raft.reading_set` defaults to auto: `ragvsft import` + `synth` + `run` gets reading practice with no
    setting, a hand-written corpus (quillfeather) trains exactly as before."""
    from core.config import ExperimentConfig
    from core.corpus import load_corpus
    from core.origin import ORIGIN_FILE
    from finetune.pipeline import reading_set

    if synthesized:
        (small_corpus_dir / ORIGIN_FILE).write_text(json.dumps({"questions": "hand-written", "train": "synthesized"}))
    practice = reading_set(ExperimentConfig(corpus={"dir": str(small_corpus_dir)}), load_corpus(small_corpus_dir))
    if synthesized:
        assert practice.file == "reading_set.json" and len(practice.items) == 600
    else:
        assert practice is None
