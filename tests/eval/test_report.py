"""The report, the verdict and run comparison, on a fixture run directory made without a model."""

import html
import json
import shutil
from html.parser import HTMLParser

import pytest

from eval.catalogue import FINETUNE, RAG
from eval.report.compare import compare_runs, render_comparison
from eval.report.limits import limits
from eval.report.verdict import verdict_rows, verdict_tally
from eval.report.verdict_rules import TIE, by_cost, by_difference
from eval.scoring.paired import Difference
from eval.report.verdict_updates import pooled_update_rates
from eval.rundir import PREDICTIONS_FILE, load_run, write_results
from tests.conftest import run_entry_point
from tests.eval.run_fixture import PLANTED, make_run

VOID = {"meta", "img", "br", "input", "hr", "link"}


class TagBalance(HTMLParser):
    """Fails on a closing tag that does not close the innermost open element."""

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs)["src"])
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()


@pytest.fixture
def run_dir(tmp_path):
    return make_run(tmp_path / "run")


def test_html_parses_embeds_every_plot_and_has_every_verdict_row(run_dir):
    page = (run_dir / "report.html").read_text()
    parser = TagBalance()
    parser.feed(page)
    parser.close()
    assert parser.stack == ["html", "body"] or parser.stack == []  # html/body may be left to the end tag rules
    plots = sorted(p.name for p in (run_dir / "plots").glob("*.png"))
    assert plots == sorted(["accuracy.png", "behaviours.png", "latency.png", "updates.png", "deletions.png", "training_loss.png", "sweep-rag-rag.top_k.png"])
    assert len(parser.images) == len(plots) and all(src.startswith("data:image/png;base64,") for src in parser.images)
    assert "http://" not in page and "https://" not in page  # opens from disk with no network
    summary, rows = load_run(run_dir)
    markdown = (run_dir / "report.md").read_text()
    for row in verdict_rows(summary, rows):
        assert html.escape(row.aspect, quote=False) in page and row.aspect in markdown
    assert page.count('class="side-rag"') == 4 and page.count('class="side-tie"') == 4  # the verdict's sides, coloured
    assert all(f"plots/{name}" in markdown for name in plots)
    # the sweep's accuracy varies with top_k and gets a column; its recall does not and is said once
    assert "| rag.top_k | accuracy % [95% CI] | latency p50 ms |" in markdown
    assert "The same at every point: recall@k 100.0%." in markdown


def test_the_report_says_what_limits_the_comparison_under_the_verdict_and_in_its_own_section(run_dir):
    summary, rows = load_run(run_dir)
    found = limits(summary, rows)
    markdown, page = (run_dir / "report.md").read_text(), (run_dir / "report.html").read_text()
    verdict = markdown[markdown.index("## Verdict"):markdown.index("## Arms")]
    assert f"*{found.footnote}*" in verdict and found.footnote.startswith("What limits this run: ")
    section = markdown[markdown.index("## What limits this comparison"):]
    assert all(sentence in section for sentence in found.sentences) and found.table in section
    assert "<h2>What limits this comparison</h2>" in page and "the reader's ceiling on this run" in page
    assert "<em>What limits this run: " in page


def test_the_header_says_where_the_questions_came_from(run_dir):
    from eval.report.render import questions_origin_text

    markdown = (run_dir / "report.md").read_text()
    assert "| questions | synthesized from the documents by `ragvsft synth`, generator `rules` (see the corpus's synth_report.md) |" in markdown
    assert questions_origin_text({"questions": "hand-written"}) == "hand-written"
    assert "then edited by hand" in questions_origin_text({"questions": "synthesized", "generator": "x", "edited_after_synthesis": True})
    assert questions_origin_text(None) == "not recorded"  # a run from before this was recorded


def test_corpus_text_is_escaped_never_markup(run_dir):
    page = (run_dir / "report.html").read_text()
    assert PLANTED not in page
    assert page.count("<script") == 2  # the passages' JSON block and the page's own filter script
    passages = page.split('<script type="application/json" id="passages">')[1].split("</script>")[0]
    assert json.loads(passages)["evil#0"]["text"].endswith(PLANTED)  # still there, as data


def test_the_explorer_has_a_row_per_arm_and_question_with_its_outcome(run_dir):
    page = (run_dir / "report.html").read_text()
    assert page.count('<tr data-arm="') == 5 * 4  # the main arms only, not the update rows
    assert page.count('data-arm="oracle" data-outcome="right"') == 4
    assert page.count('data-arm="base" data-outcome="wrong"') == 4


def test_the_verdict_calls_sides_only_outside_the_intervals_and_by_cost():
    # which way is better comes from the catalogue: higher accuracy, lower leak rate
    def diff(lo: float, hi: float) -> Difference:  # fine-tune minus RAG
        return Difference(0.5, 0.5 + (lo + hi) / 2, (lo + hi) / 2, [lo, hi], True, 100, (1, 1), 0.1)

    assert by_difference(diff(-0.3, -0.1), "accuracy") == RAG
    assert by_difference(diff(-0.3, -0.1), "leak_rate") == FINETUNE  # a lower leak is better
    assert by_difference(diff(0.1, 0.3), "false_abstention_rate") == RAG
    assert by_difference(diff(0.1, 0.3), "accuracy") == FINETUNE
    assert by_difference(diff(-0.05, 0.3), "accuracy") == TIE
    assert by_cost(1.0, 1.4) == TIE and by_cost(1.0, 1.5) == RAG and by_cost(30.0, 10.0) == FINETUNE


def test_verdict_rows_from_the_fixture_and_what_a_run_did_not_measure(run_dir):
    summary, rows = load_run(run_dir)
    verdict = {v.aspect: v for v in verdict_rows(summary, rows)}
    assert len(verdict) == 11
    accuracy = verdict["Accuracy on the corpus"]
    # decided on the facts the fixture's fine-tune met only in the documents (3 of its 4 answerable questions)
    assert accuracy.favours == TIE and accuracy.rag.startswith("33.3%") and accuracy.finetune.startswith("0.0%")
    assert "`accuracy_document_facts`" in accuracy.basis and "only in the documents" in accuracy.basis
    assert "trained on as other questions: rag 100.0%" in accuracy.basis  # the other group beside it
    summary["run_info"]["config"]["eval"]["verdict_facts"] = "all"  # the corpus author's choice: every answerable question
    assert verdict_rows(summary, rows)[0].rag.startswith("50.0%")
    summary["run_info"]["config"]["eval"]["verdict_facts"] = "auto"
    assert verdict["Cost of absorbing an update (s per round)"].favours == RAG  # 0.2 s vs 30 s
    assert "lora_delta" in verdict["Adapting to changed facts (efficacy; stale)"].finetune
    assert verdict["Removing data (leak after deletion; cost)"].favours == RAG  # leak tied, 0.01 s vs 100 s
    assert verdict["Latency per query (p50 / p95)"].favours == TIE
    # efficacy over the changed facts the fine-tune met only in the documents (q3): rag 1/1, lora_delta 0/1
    adapt = verdict["Adapting to changed facts (efficacy; stale)"]
    assert adapt.favours == RAG and "changed facts counted: facts the fine-tune met only in the documents" in adapt.basis
    tally = "Of 11 aspects, the measurement favours RAG on 4, fine-tuning on 0, and calls 4 a tie; 3 not measured in this run."
    assert verdict_tally(list(verdict.values())) == tally and tally in (run_dir / "report.md").read_text()
    del summary["updates"], summary["deletions"], summary["index"]
    missing = {v.aspect: v for v in verdict_rows(summary, rows)}
    assert len(missing) == 11  # rows the run did not measure stay, and say so
    assert missing["Cost of absorbing an update (s per round)"].favours == "not measured"
    assert "updates.deletions" in missing["Removing data (leak after deletion; cost)"].basis
    assert missing["Set-up cost (index vs training)"].favours == "not measured"


def test_a_rate_row_shows_the_paired_difference_and_pools_the_seeds_of_a_fine_tune(run_dir):
    summary, rows = load_run(run_dir)
    one = next(v for v in verdict_rows(summary, rows) if v.aspect == "Transparency (a right answer with a gold source shown)")
    assert "paired on the same 4 questions, one seed (seed variance is not in the interval)" in one.basis
    assert one.difference.seeds == (1, 1) and one.difference_cell().startswith(f"{100 * one.difference.delta:+.1f} [")
    # lora again at two more seeds, right on every question at one and on none at the other
    main = [r for r in rows if r["arm"] == "lora" and "stage" not in r]
    seeds = [{**r, "stage": "seed", "seed": s, "attributed": None if r["attributed"] is None else float(s == 1)} for s in (1, 2) for r in main]
    pooled = next(v for v in verdict_rows(summary, rows + seeds) if v.aspect == one.aspect)
    assert "lora over 3 seeds (seeds resampled too)" in pooled.basis and pooled.difference.seeds == (1, 3)
    width = lambda d: d.ci[1] - d.ci[0]  # noqa: E731
    assert width(pooled.difference) > width(one.difference) and pooled.difference.detectable > one.difference.detectable


def test_make_report_rerenders_a_finished_run_and_rejects_a_directory_without_one(run_dir, tmp_path):
    before = (run_dir / "report.md").read_text()
    shutil.rmtree(run_dir / "plots")
    (run_dir / "report.md").unlink()
    (run_dir / "report.html").unlink()
    assert run_entry_point("make_report.py", "--run", str(run_dir)).returncode == 0
    assert (run_dir / "report.md").read_text() == before and (run_dir / "plots" / "accuracy.png").is_file()
    missing = run_entry_point("make_report.py", "--run", str(tmp_path / "nothing"))
    assert missing.returncode == 2 and missing.stderr.strip().endswith("no summary.json (is this a finished run directory? `ragvsft run` makes one)")
    assert not (tmp_path / "nothing").exists()


def test_compare_runs_gives_paired_deltas_with_intervals(tmp_path):
    a = make_run(tmp_path / "a", rag_right=("q2", "q3"))
    b = make_run(tmp_path / "b", rag_right=("q2", "q3", "q4", "q5"))
    out = tmp_path / "cmp"
    done = run_entry_point("compare_runs.py", str(a), str(b), "--out", str(out))
    assert done.returncode == 0, done.stderr
    record = json.loads((out / "comparison.json").read_text())
    deltas = {(d["arm"], d["metric"]): d for d in record["deltas"]}
    rag = deltas["rag", "accuracy"]
    assert rag["a"] == 0.5 and rag["b"] == 1.0 and rag["delta"] == 0.5 and rag["paired"]
    # each paired resample gains (draws of q4/q5) / 4; none or all four such draws each have p = 1/16 > 2.5%
    assert rag["delta_ci"] == [0.0, 1.0]
    assert deltas["lora", "accuracy"]["delta"] == 0.0 and deltas["lora", "accuracy"]["delta_ci"] == [0.0, 0.0]
    assert "| rag | accuracy | 50.0 | 100.0 | +50.0 [" in done.stdout
    assert (out / "comparison.md").is_file()
    again = run_entry_point("compare_runs.py", str(b), str(a), "--out", str(out))  # onto it: refused, nothing written
    assert again.returncode == 2 and "--force" in again.stderr and json.loads((out / "comparison.json").read_text()) == record
    forced = run_entry_point("compare_runs.py", str(b), str(a), "--out", str(out), "--force")
    assert forced.returncode == 0 and json.loads((out / "comparison.json").read_text())["deltas"] != record["deltas"]


@pytest.mark.parametrize("rag_right, lora_right", [((), ("q2", "q3", "q4", "q5")), (("q2", "q3"), ("q2",)), (("q2", "q3", "q4", "q5"), ())])
def test_compare_and_the_verdict_give_the_same_call_for_the_same_pair_of_arms(tmp_path, rag_right, lora_right):
    """Run B is run A with its lora answers standing as rag: B's rag minus A's rag in `ragvsft compare`
    is lora minus rag in A's verdict, by the same rule, so the interval and the call are the same."""
    a = make_run(tmp_path / "a", rag_right=rag_right, lora_right=lora_right)
    summary, rows = load_run(a)
    b = tmp_path / "b"
    b.mkdir()
    swapped = [{**r, "arm": "rag"} for r in rows if r["arm"] == "lora" and "stage" not in r] + [r for r in rows if r["arm"] != "rag"]
    write_results(b, swapped, {**summary, "arms": {**summary["arms"], "rag": summary["arms"]["lora"]}})
    row = next(v for v in verdict_rows(summary, rows) if v.aspect == "Accuracy on the corpus")
    key = row.basis.split("`")[1]
    delta = next(d for d in compare_runs(a, b)["deltas"] if d["arm"] == "rag" and d["metric"] == key)
    assert delta["delta_ci"] == row.difference.ci and delta["delta"] == row.difference.delta
    lo, hi = delta["delta_ci"]
    assert row.favours == (FINETUNE if lo > 0 else RAG if hi < 0 else TIE)


def test_compare_puts_two_question_sets_on_the_same_documents_side_by_side(tmp_path):
    """The synthesized-vs-human recipe (docs/your-documents.md): the same documents and train split,
    asked two eval sets; nothing pairs, and the verdicts are compared row by row."""
    human = make_run(tmp_path / "human", rag_right=("q2", "q3"))
    synth = make_run(tmp_path / "synth", rag_right=("q2", "q3", "q4", "q5"), lora_right=("q2", "q3", "q4", "q5"))
    rows = [json.loads(line) for line in (synth / PREDICTIONS_FILE).read_text().splitlines()]
    (synth / PREDICTIONS_FILE).write_text("".join(json.dumps({**r, "question_id": f"synth-{r['question_id']}"}) + "\n" for r in rows))
    record = compare_runs(synth, human, samples=200)
    rag = next(d for d in record["deltas"] if d["arm"] == "rag" and d["metric"] == "accuracy")
    assert not rag["paired"] and rag["delta"] == -0.5  # human 2/4 against synthesized 4/4
    verdicts = {v["aspect"]: v for v in record["verdicts"]}
    assert len(verdicts) == 11 and verdicts["Accuracy on the corpus"]["a"] in (RAG, FINETUNE, TIE)
    text = render_comparison(record)
    measured = [v for v in record["verdicts"] if "not measured" not in (v["a"], v["b"])]
    same = sum(v["a"] == v["b"] for v in measured)
    assert f"point the same way on {same} of the {len(measured)} aspects both measured" in text
    if same < len(measured):
        assert "differs" in text


def test_update_efficacy_in_the_verdict_is_over_the_answers_given_not_the_gate():
    # a rag row the gate refused while its reader gave the new value; a lora row that stayed stale
    base = {"stage": "update", "probe": "changed", "round": "r1", "old_answers": ["old"], "kind": "fact"}
    rows = [
        {**base, "arm": "rag", "question_id": "q1", "correct": 0.0, "stale": 0.0, "gated": 1.0, "reader_correct": 1.0, "reader_stale": 0.0},
        {**base, "arm": "rag", "question_id": "q2", "correct": 0.0, "stale": 0.0, "gated": 1.0, "reader_correct": 0.0, "reader_stale": 1.0},
        {**base, "arm": "lora_delta", "question_id": "q1", "correct": 0.0, "stale": 1.0},
    ]
    pooled = pooled_update_rates(rows, samples=100, seed=0)
    assert pooled["rag"]["efficacy"] == 0.5 and pooled["rag"]["stale_rate"] == 0.5
    assert pooled["lora_delta"]["efficacy"] == 0.0 and pooled["lora_delta"]["stale_rate"] == 1.0


def test_the_raft_cost_names_its_reading_practice_and_the_file_it_came_from():
    from eval.report.tables import raft_cost_text

    made = {"raft_gold": 75, "raft_distractors": 6, "raft_unanswerable": 25, "no_gold_chunk": 0, "passages": 1}
    arms = {"lora": {"train": {"tokens": 100, "seconds": 10.0}}, "raft": {"train": {"tokens": 300, "seconds": 40.0, "raft": made}}}
    without = raft_cost_text(arms)
    assert "Reading practice" not in without and "3.0 times `lora`'s tokens, 4.0 times its training time" in without
    made |= {"raft_reading": 600, "reading_set": {"file": "train-v2.0.json", "sha256": "ab" * 32}}
    assert "Reading practice: 600 human questions on passages outside the corpus, from `train-v2.0.json` (sha256 abababababab)" in raft_cost_text(arms)
