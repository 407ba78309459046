"""The bad-input battery: many kinds of bad input across every command and corpus file, each of
which must end in exit code 2 with one line on stderr that names what is wrong and where, no
traceback, no model loaded, and the workspace byte for byte as it was (nothing half-written).

Each case prepares its bad input in a fresh workspace (a valid corpus, a valid config pointing at
it and a finished run made with the fake answerer) and returns the command line and the words the
message must contain."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
from pathlib import Path
from typing import Callable

import pytest

from app.cli import main
from tests.conftest import SMALL_DOCS, write_corpus
from tests.eval.run_fixture import make_run

ROOT = os.geteuid() == 0  # root ignores permission bits: the read-only cases cannot fail there


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return make_workspace(tmp_path_factory.mktemp("battery"))


def make_workspace(w: Path) -> Path:
    """A workspace made once and copied for each case: corpus/, ok.yaml, run/ (finished), run2/."""
    write_corpus(w / "corpus")
    round_dir = _dir(w / "corpus" / "updates" / "r1")
    _rows(round_dir / "documents.jsonl", {**SMALL_DOCS[0], "text": SMALL_DOCS[0]["text"].replace("27", "28")})
    _rows(round_dir / "questions.jsonl", {**Q_OK, "id": "q2", "question": "How many leave days do staff get?", "answers": ["28"]})
    # a relative corpus.dir, read from the case's own copy (the test runs in it)
    (w / "ok.yaml").write_text("corpus:\n  dir: corpus\n  general_knowledge: false\neval:\n  arms: [base, rag]\nupdates:\n  deletions: true\n")
    make_run(w / "run")
    make_run(w / "run2")
    (w / "folder").mkdir()
    (w / "folder" / "a.md").write_text("# A\n\nThe office opens at 9.\n")
    (w / "a_file").write_text("not a directory\n")
    return w


def snapshot(root: Path) -> dict[str, str]:
    """Every path under `root` (hidden ones too) with its content hash; directories as 'dir'."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            out[rel] = "link:" + os.readlink(path)
        elif path.is_dir():
            out[rel] = "dir"
        elif path.is_file():
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:  # a pipe or a device: reading it could block
            out[rel] = "special"
    return out


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _rows(path: Path, *rows) -> None:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))


def _run_with(w: Path, yaml_text: str) -> list[str]:
    return ["run", "--config", str(_write(w / "bad.yaml", yaml_text)), "--out", str(w / "out")]


def _run_set(w: Path, *overrides: str) -> list[str]:
    argv = ["run", "--config", str(w / "ok.yaml"), "--out", str(w / "out")]
    for o in overrides:
        argv += ["--set", o]
    return argv


def _corpus_rows(name: str) -> Callable[..., list[str]]:
    """A case maker: the corpus file `name` replaced by the rows given, then `ragvsft run` on it."""

    def write(w: Path, *rows) -> list[str]:
        _rows(w / "corpus" / name, *rows)
        return _run_set(w)

    return write


_docs, _questions = _corpus_rows("documents.jsonl"), _corpus_rows("questions.jsonl")


def _nested(depth: int) -> str:
    return '{"id": "x", "title": "X", "text": "t", "source": ' + "[" * depth + "]" * depth + "}"


def _read_only(path: Path) -> Path:
    path.mkdir(exist_ok=True)
    path.chmod(0o555)
    return path


def _busy_port(w: Path) -> list[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    _BUSY.append(sock)  # held open until the case is over
    return ["ui", "--run", str(w / "run"), "--port", str(sock.getsockname()[1])]


_BUSY: list[socket.socket] = []
Q_OK = {"id": "q1", "question": "How many days?", "answers": ["27"], "doc_ids": ["leave"], "split": "eval", "kind": "fact", "fact_id": "f1"}
BIG = "9" * 5000

# name -> (prepare(workspace) -> argv, words the one-line message must contain)
CASES: dict[str, tuple[Callable[[Path], list[str]], tuple[str, ...]]] = {
    # -- config files and --set ------------------------------------------------------------------
    "config: YAML syntax error": (lambda w: _run_with(w, "rag:\n  top_k: [1,\n"), ("bad.yaml", "line")),
    "config: YAML tab indentation": (lambda w: _run_with(w, "rag:\n\ttop_k: 2\n"), ("bad.yaml", "line")),
    "config: top level a list": (lambda w: _run_with(w, "- 1\n- 2\n"), ("bad.yaml", "mapping")),
    "config: unknown section": (lambda w: _run_with(w, "ragg:\n  top_k: 2\n"), ("bad.yaml", "ragg")),
    "config: unknown key": (lambda w: _run_with(w, "rag:\n  topk: 2\n"), ("bad.yaml", "rag.topk")),
    "config: wrong type": (lambda w: _run_with(w, "rag:\n  top_k: many\n"), ("bad.yaml", "rag.top_k")),
    "config: 5,000-digit integer": (lambda w: _run_with(w, f"rag:\n  top_k: {BIG}\n"), ("bad.yaml", "line 2", "digits")),
    "config: not UTF-8": (lambda w: ["run", "--config", str(_bytes(w / "bad.yaml", b"name: caf\xe9\n")), "--out", str(w / "out")], ("bad.yaml", "UTF-8")),
    "config: path is a directory": (lambda w: ["run", "--config", str(w / "corpus"), "--out", str(w / "out")], ("corpus", "directory")),
    "config: path does not exist": (lambda w: ["run", "--config", str(w / "nope.yaml"), "--out", str(w / "out")], ("nope.yaml", "does not exist")),
    "config: overlap not below chunk size": (lambda w: _run_set(w, "rag.chunk_size=10", "rag.chunk_overlap=10"), ("--set", "chunk_overlap")),
    "config: run.seeds not starting with run.seed": (lambda w: _run_with(w, "run:\n  seed: 1\n  seeds: [2, 3]\n"), ("bad.yaml", "run.seeds")),
    "--set: no equals sign": (lambda w: _run_set(w, "rag.top_k"), ("--set", "rag.top_k")),
    "--set: negative top_k names --set": (lambda w: _run_set(w, "rag.top_k=-1"), ("--set", "rag.top_k")),
    "--set: into a value that is not a section": (lambda w: _run_set(w, "name.x=1"), ("--set", "name")),
    "--set: unknown arm": (lambda w: _run_set(w, "eval.arms=[base,ragg]"), ("--set", "eval.arms")),
    "--set: run.seed -1": (lambda w: _run_set(w, "run.seed=-1"), ("--set", "run.seed")),
    "--set: run.seed 2**40": (lambda w: _run_set(w, f"run.seed={2 ** 40}"), ("--set", "run.seed")),
    "--set: run.threads 10**12": (lambda w: _run_set(w, f"run.threads={10 ** 12}"), ("--set", "run.threads")),
    "--set: model.batch_size 10**12": (lambda w: _run_set(w, f"model.batch_size={10 ** 12}"), ("--set", "model.batch_size")),
    "--set: 5,000-digit integer": (lambda w: _run_set(w, f"rag.top_k={BIG}"), ("--set", "rag.top_k")),
    "--set: corpus.dir does not exist": (lambda w: _run_set(w, f"corpus.dir={w / 'nowhere'}"), ("nowhere", "does not exist")),
    "--set: corpus.dir is a file": (lambda w: _run_set(w, f"corpus.dir={w / 'a_file'}"), ("a_file", "not a directory")),
    "--set: model.name a missing path": (lambda w: _run_set(w, f"model.name={w / 'no-model.gguf'}"), ("model.name", "no-model.gguf")),
    "--set: raft.reading_set missing": (lambda w: _run_set(w, "eval.arms=[rag,raft]", f"raft.reading_set={w / 'squad.json'}"), ("raft.reading_set", "squad.json")),
    "--set: learning rate infinite": (lambda w: _run_set(w, "finetune.learning_rate=.inf"), ("--set", "finetune.learning_rate")),
    "--set: learning rate NaN": (lambda w: _run_set(w, "finetune.learning_rate=.nan"), ("--set", "finetune.learning_rate")),
    "--set: a run name that is a path": (lambda w: _run_set(w, "name=../../escape"), ("--set", "name")),
    "--set: unknown retriever": (lambda w: _run_set(w, "rag.retriever=elastic"), ("--set", "rag.retriever")),
    "--set: unknown update strategy": (lambda w: _run_set(w, "updates.strategies=[sideways]"), ("--set", "updates.strategies")),
    "--set: chunk size 0": (lambda w: _run_set(w, "rag.chunk_size=0"), ("--set", "rag.chunk_size")),
    "--set: no arms": (lambda w: _run_set(w, "eval.arms=[]"), ("--set", "eval.arms")),
    "--set: unknown dtype": (lambda w: _run_set(w, "model.dtype=fp8"), ("--set", "model.dtype")),
    # -- the command line itself -------------------------------------------------------------------
    "argv: no command": (lambda w: [], ("ragvsft", "command")),
    "argv: unknown command": (lambda w: ["rnu"], ("ragvsft", "rnu")),
    "argv: run without --config": (lambda w: ["run"], ("ragvsft run", "--config")),
    "argv: kb --facts not a number": (lambda w: ["kb", "--facts", "many", "--out", str(w / "kb")], ("ragvsft kb", "--facts", "many")),
    "argv: sweep --arm unknown": (lambda w: ["sweep", "--config", str(w / "ok.yaml"), "--arm", "magic", "--key", "rag.top_k", "--values", "1"], ("--arm", "magic")),
    "argv: unknown option": (lambda w: ["report", "--run", str(w / "run"), "--colour"], ("ragvsft", "--colour")),
    # -- corpus files ------------------------------------------------------------------------------
    "documents: a directory": (lambda w: [(w / "corpus" / "documents.jsonl").unlink(), _dir(w / "corpus" / "documents.jsonl"), _run_set(w)][2], ("documents.jsonl", "directory")),
    "house style: broken JSON": (lambda w: [_write(w / "corpus" / "house_style.json", "{"), _run_set(w)][1], ("house_style.json", "JSON")),
    "house style: deeply nested": (lambda w: [_write(w / "corpus" / "house_style.json", "[" * 100_000 + "]" * 100_000), _run_set(w)][1], ("house_style.json", "nested")),
    "questions origin: not an object": (lambda w: [_write(w / "corpus" / "questions_origin.json", "[1]"), _run_set(w)][1], ("questions_origin.json",)),
    "update round: broken JSON": (lambda w: [_write(w / "corpus" / "updates" / "r1" / "questions.jsonl", "{"), _run_set(w)][1], ("r1", "questions.jsonl", "line 1")),
    "documents: missing file": (lambda w: [(w / "corpus" / "documents.jsonl").unlink(), *_run_set(w)][1:], ("documents.jsonl", "does not exist")),
    "documents: broken JSON": (lambda w: _docs(w, '{"id": "a", "title"'), ("documents.jsonl", "line 1", "JSON")),
    "documents: a row that is a list": (lambda w: _docs(w, "[1, 2]"), ("documents.jsonl", "line 1", "object")),
    "documents: 5,000-digit integer": (lambda w: _docs(w, '{"id": "a", "title": "A", "text": "t", "n": ' + BIG + "}"), ("documents.jsonl", "line 1")),
    "documents: deeply nested JSON": (lambda w: _docs(w, _nested(100_000)), ("documents.jsonl", "line 1")),
    "documents: whitespace-only text": (lambda w: _docs(w, *SMALL_DOCS, {"id": "blank", "title": "Blank", "text": "  \n\t "}), ("documents.jsonl", "line 4", "text")),
    "documents: empty text": (lambda w: _docs(w, {"id": "e", "title": "E", "text": ""}, *SMALL_DOCS), ("documents.jsonl", "line 1", "text")),
    "documents: unknown field": (lambda w: _docs(w, {"id": "e", "title": "E", "text": "t", "colour": "red"}), ("documents.jsonl", "line 1", "colour")),
    "documents: duplicate id": (lambda w: _docs(w, *SMALL_DOCS, SMALL_DOCS[0]), ("documents.jsonl", "line 4", "duplicate")),
    "documents: none": (lambda w: _docs(w), ("documents.jsonl", "no documents")),
    "documents: not UTF-8": (lambda w: [_bytes(w / "corpus" / "documents.jsonl", b'{"id": "caf\xe9"}\n'), *_run_set(w)][1:], ("documents.jsonl", "UTF-8")),
    "questions: unknown document": (lambda w: _questions(w, {**Q_OK, "doc_ids": ["nope"]}), ("questions.jsonl", "line 1", "nope")),
    "questions: no answers": (lambda w: _questions(w, {**Q_OK, "answers": []}), ("questions.jsonl", "line 1", "answers")),
    "questions: blank answer": (lambda w: _questions(w, {**Q_OK, "answers": ["  "]}), ("questions.jsonl", "line 1", "answers")),
    "questions: bad split": (lambda w: _questions(w, {**Q_OK, "split": "test"}), ("questions.jsonl", "line 1", "split")),
    "questions: 5,000-digit integer": (lambda w: _questions(w, '{"id": "q", "answers": [' + BIG + "]}"), ("questions.jsonl", "line 1")),
    "questions: deeply nested JSON": (lambda w: _questions(w, '{"id": ' + "[" * 100_000 + "]" * 100_000 + "}"), ("questions.jsonl", "line 1")),
    "questions: none in the eval split": (lambda w: _questions(w, {**Q_OK, "split": "train"}), ("eval",)),
    "deletions: unknown document": (lambda w: [_rows(_dir(w / "corpus" / "deletions") / "documents.jsonl", {"id": "nope"}), *_run_set(w)][1:], ("deletions", "line 1", "nope")),
    # -- update -------------------------------------------------------------------------------------
    "update: no such round": (lambda w: ["update", "--config", str(w / "ok.yaml"), "--out", str(w / "run"), "--round", "r9-nope"], ("r9-nope", "r1")),
    "update: round with a path in its name": (lambda w: ["update", "--config", str(w / "ok.yaml"), "--out", str(w / "run"), "--round", "../r1"], ("../r1",)),
    # -- sweep ----------------------------------------------------------------------------------------
    "sweep: unknown key": (lambda w: ["sweep", "--config", str(w / "ok.yaml"), "--out", str(w / "out"), "--arm", "rag", "--key", "rag.topk", "--values", "1,2"], ("rag.topk",)),
    "sweep: a value the key refuses": (lambda w: ["sweep", "--config", str(w / "ok.yaml"), "--out", str(w / "out"), "--arm", "rag", "--key", "rag.top_k", "--values", "1,-2"], ("rag.top_k", "-2")),
    "sweep: a value given twice": (lambda w: ["sweep", "--config", str(w / "ok.yaml"), "--out", str(w / "out"), "--arm", "rag", "--key", "rag.top_k", "--values", "1,2,1"], ("--values", "1")),
    # -- commands on a run that lacks what they read -------------------------------------------------
    "evaluate: no index": (lambda w: ["evaluate", "--config", str(w / "ok.yaml"), "--out", str(w / "empty-run")], ("index", "ragvsft index")),
    "evaluate: no adapter": (lambda w: ["evaluate", "--config", str(w / "ok.yaml"), "--out", str(w / "empty-run"), "--set", "eval.arms=[lora]"], ("adapter", "ragvsft train")),
    "smoke: --workdir is a file": (lambda w: ["smoke", "--device", "cpu", "--workdir", str(w / "a_file")], ("--workdir", "not a directory")),
    # -- import -----------------------------------------------------------------------------------------
    "import: --out inside the folder": (lambda w: ["import", str(w / "folder"), "--out", str(w / "folder" / "corpus")], ("--out", "inside the folder")),
    "import: source missing": (lambda w: ["import", str(w / "nope"), "--out", str(w / "imp")], ("nope",)),
    "import: --max-words 0": (lambda w: ["import", str(w / "folder"), "--out", str(w / "imp"), "--max-words", "0"], ("--max-words",)),
    "import: --max-words -5": (lambda w: ["import", str(w / "folder"), "--out", str(w / "imp"), "--max-words", "-5"], ("--max-words",)),
    "import: --out is a file": (lambda w: ["import", str(w / "folder"), "--out", str(w / "a_file")], ("a_file", "not a directory")),
    "import: --out under a file": (lambda w: ["import", str(w / "folder"), "--out", str(w / "a_file" / "c")], ("a_file", "not a directory")),
    "import: documents.jsonl exists": (lambda w: ["import", str(w / "folder"), "--out", str(w / "corpus")], ("documents.jsonl", "--force")),
    "import: a .jsonl with a 5,000-digit number": (lambda w: [_write(_dir(w / "big") / "docs.jsonl", '{"id": "a", "n": ' + BIG + "}\n"), ["import", str(w / "big"), "--out", str(w / "imp")]][1], ("docs.jsonl", "line 1", "digits")),
    "import: a .jsonl nested too deeply": (lambda w: [_write(_dir(w / "deep") / "docs.jsonl", _nested(100_000) + "\n"), ["import", str(w / "deep"), "--out", str(w / "imp")]][1], ("docs.jsonl", "nested")),
    "import: nothing usable": (lambda w: [_write(_dir(w / "empty") / "x.bin", "\0"), ["import", str(w / "empty"), "--out", str(w / "imp")]][1], ("empty",)),
    # -- synth ------------------------------------------------------------------------------------------
    "synth: corpus missing": (lambda w: ["synth", "--corpus", str(w / "nope")], ("nope",)),
    "synth: corpus is a file": (lambda w: ["synth", "--corpus", str(w / "a_file")], ("a_file", "not a directory")),
    "synth: questions exist": (lambda w: ["synth", "--corpus", str(w / "corpus")], ("questions.jsonl", "--force")),
    "synth: seed -1": (lambda w: ["synth", "--corpus", str(w / "corpus"), "--set", "synth.seed=-1"], ("--set", "synth.seed")),
    "synth: updates is a file": (lambda w: [shutil.rmtree(w / "corpus" / "updates"), _write(w / "corpus" / "updates", "x"), ["synth", "--corpus", str(w / "corpus"), "--force"]][2], ("updates", "not a directory")),
    "synth: deletions is a file": (lambda w: [_write(w / "corpus" / "deletions", "x"), ["synth", "--corpus", str(w / "corpus"), "--force"]][1], ("deletions", "not a directory")),
    "synth: generator a missing path": (lambda w: ["synth", "--corpus", str(w / "corpus"), "--force", "--set", f"synth.generator={w / 'gen'}"], ("synth.generator", "gen")),
    # -- kb -----------------------------------------------------------------------------------------------
    "kb: --facts 0": (lambda w: ["kb", "--facts", "0", "--out", str(w / "kb")], ("--facts",)),
    "kb: --facts 100,000,000": (lambda w: ["kb", "--facts", "100000000", "--out", str(w / "kb")], ("--facts",)),
    "kb: --out is a file": (lambda w: ["kb", "--facts", "20", "--out", str(w / "a_file")], ("a_file",)),
    "kb: --out is a file, --force": (lambda w: ["kb", "--facts", "20", "--out", str(w / "a_file"), "--force"], ("a_file", "not a directory")),
    "kb: --out under a file": (lambda w: ["kb", "--facts", "20", "--out", str(w / "a_file" / "kb")], ("a_file", "not a directory")),
    "kb: --out exists": (lambda w: ["kb", "--facts", "20", "--out", str(w / "corpus")], ("corpus", "--force")),
    "kb: --force on a folder that is not a corpus": (lambda w: ["kb", "--facts", "20", "--out", str(w / "run"), "--force"], ("run", "not a corpus")),
    "kb: --out . --force": (lambda w: ["kb", "--facts", "20", "--out", ".", "--force"], ("not a corpus",)),
    "import: documents.jsonl is a directory, --force": (lambda w: [_dir(w / "imp" / "documents.jsonl"), ["import", str(w / "folder"), "--out", str(w / "imp"), "--force"]][1], ("documents.jsonl", "directory")),
    "kb: seed -1": (lambda w: ["kb", "--facts", "20", "--out", str(w / "kb"), "--set", "run.seed=-1"], ("--set", "run.seed")),
    # -- report and compare ----------------------------------------------------------------------------------
    "report: not a run": (lambda w: ["report", "--run", str(w / "corpus")], ("summary.json",)),
    "report: truncated summary.json": (lambda w: [_truncate(w / "run" / "summary.json"), ["report", "--run", str(w / "run")]][1], ("summary.json", "JSON")),
    "report: summary.json not an object": (lambda w: [_write(w / "run" / "summary.json", "[1]\n"), ["report", "--run", str(w / "run")]][1], ("summary.json",)),
    "report: summary.json with no arm": (lambda w: [_write(w / "run" / "summary.json", '{"arms": {}, "run_info": {}, "meta_info": {}}'), ["report", "--run", str(w / "run")]][1], ("summary.json", "no arm")),
    "report: an arm that is not an object": (lambda w: [_write(w / "run" / "summary.json", '{"arms": {"rag": 3}, "run_info": {}, "meta_info": {}}'), ["report", "--run", str(w / "run")]][1], ("summary.json", "arms.rag")),
    "report: a prediction row without its fields": (lambda w: [_write(w / "run" / "predictions.jsonl", '{"x": 1}\n'), ["report", "--run", str(w / "run")]][1], ("predictions.jsonl", "row 1", "arm")),
    "report: plots is a file": (lambda w: [shutil.rmtree(w / "run" / "plots"), _write(w / "run" / "plots", "x"), ["report", "--run", str(w / "run")]][2], ("plots",)),
    "report: report.md is a directory": (lambda w: [(w / "run" / "report.md").unlink(), _dir(w / "run" / "report.md"), ["report", "--run", str(w / "run")]][2], ("report.md", "directory")),
    "report: truncated predictions.jsonl": (lambda w: [_truncate(w / "run" / "predictions.jsonl"), ["report", "--run", str(w / "run")]][1], ("predictions.jsonl", "line")),
    "compare: run A missing": (lambda w: ["compare", str(w / "nope"), str(w / "run"), "--out", str(w / "cmp")], ("nope",)),
    "compare: truncated summary.json": (lambda w: [_truncate(w / "run2" / "summary.json"), ["compare", str(w / "run"), str(w / "run2"), "--out", str(w / "cmp")]][1], ("summary.json", "JSON")),
    "compare: truncated predictions.jsonl": (lambda w: [_truncate(w / "run2" / "predictions.jsonl"), ["compare", str(w / "run"), str(w / "run2"), "--out", str(w / "cmp")]][1], ("predictions.jsonl", "line")),
    "compare: --out is a file": (lambda w: ["compare", str(w / "run"), str(w / "run2"), "--out", str(w / "a_file")], ("a_file", "not a directory")),
    "compare: --out under a file": (lambda w: ["compare", str(w / "run"), str(w / "run2"), "--out", str(w / "a_file" / "c")], ("a_file", "not a directory")),
    "compare: onto an existing comparison": (lambda w: [_write(_dir(w / "cmp") / "comparison.json", "{}"), ["compare", str(w / "run"), str(w / "run2"), "--out", str(w / "cmp")]][1], ("cmp", "--force")),
    "advise: unknown trait": (lambda w: _advise(w, _profile(w, "traits: {speed: fast}")), ("profile.yaml", "speed")),
    "advise: a trait of the wrong type": (lambda w: _advise(w, _profile(w, "traits: {latency_p95_ms: fast}")), ("profile.yaml", "latency_p95_ms")),
    "advise: a negative latency budget": (lambda w: _advise(w, _profile(w, "traits: {latency_p95_ms: -5}")), ("profile.yaml", "latency_p95_ms")),
    "advise: a knowledge source it does not know": (lambda w: _advise(w, _profile(w, "traits: {knowledge: emails}")), ("profile.yaml", "knowledge")),
    "advise: an empty capability list": (lambda w: _advise(w, _write(w / "profile.yaml", "application: A\ncapabilities: []\n")), ("profile.yaml", "capabilities")),
    "advise: a capability with neither words nor traits": (lambda w: _advise(w, _profile(w, "description: ''")), ("profile.yaml", "description")),
    "advise: two capabilities of one name": (lambda w: _advise(w, _write(w / "profile.yaml", "application: A\ncapabilities:\n  - {name: c, description: x}\n  - {name: c, description: y}\n")), ("profile.yaml", "repeats")),
    "advise: a profile that is a list": (lambda w: _advise(w, _write(w / "profile.yaml", "- application: A\n")), ("profile.yaml", "mapping")),
    "advise: a profile that is not YAML": (lambda w: _advise(w, _write(w / "profile.yaml", "application: [A\n")), ("profile.yaml", "YAML")),
    "advise: --profile missing": (lambda w: _advise(w, w / "nope.yaml"), ("nope.yaml",)),
    "advise: no --run": (lambda w: ["advise", "--profile", str(_profile(w, "traits: {style: true}")), "--out", str(w / "adv")], ("--run",)),
    "advise: --run not a run": (lambda w: _advise(w, _profile(w, "traits: {style: true}"), w / "folder"), ("folder", "summary.json")),
    "advise: the same run twice": (lambda w: _advise(w, _profile(w, "traits: {style: true}"), w / "run", w / "run"), ("run", "twice")),
    "advise: a run whose deletion rows are gone": (lambda w: [_drop_rows(w / "run", "deletion"), _advise(w, _profile(w, "traits: {removal: true}"))][1], ("run", "deletion rows")),
    "advise: onto an existing advice": (lambda w: [_write(_dir(w / "adv") / "advice.json", "{}"), _advise(w, _profile(w, "traits: {style: true}"))][1], ("adv", "--force")),
    "advise: --render with --profile": (lambda w: ["advise", "--render", str(w / "adv"), "--profile", str(_profile(w, "traits: {style: true}"))], ("--render",)),
    "advise: --render without advice.json": (lambda w: ["advise", "--render", str(w / "folder")], ("folder", "advice.json")),
    # -- ui and bench -----------------------------------------------------------------------------------------
    "ui: not a finished run": (lambda w: ["ui", "--run", str(w / "corpus")], ("summary.json",)),
    "ui: --port 70000": (lambda w: ["ui", "--run", str(w / "run"), "--port", "70000"], ("--port", "70000")),
    "ui: --port 0": (lambda w: ["ui", "--run", str(w / "run"), "--port", "0"], ("--port",)),
    "ui: --port in use": (_busy_port, ("--port", "in use")),
    "ui: --save-dir is a file": (lambda w: ["ui", "--run", str(w / "run"), "--save-dir", str(w / "a_file")], ("--save-dir", "not a directory")),
    "ui: --save-dir under a file": (lambda w: ["ui", "--run", str(w / "run"), "--save-dir", str(w / "a_file" / "r")], ("--save-dir", "not a directory")),
    "bench: --vectors not numbers": (lambda w: ["bench", "--vectors", "ten", "--out", str(w / "bench")], ("--vectors", "ten")),
    "bench: --vectors 10**12": (lambda w: ["bench", "--vectors", str(10**12), "--out", str(w / "bench")], ("--vectors",)),
    "bench: --out is a file": (lambda w: ["bench", "--quick", "--out", str(w / "a_file")], ("a_file", "not a directory")),
    "ui: --host not an address here": (lambda w: ["ui", "--run", str(w / "run"), "--host", "203.0.113.7"], ("--host", "203.0.113.7")),
    "ui: --run is a file": (lambda w: ["ui", "--run", str(w / "a_file")], ("a_file",)),
}

if not ROOT:
    CASES.update({
        "import: --out read-only": (lambda w: ["import", str(w / "folder"), "--out", str(_read_only(w / "ro") / "imp")], ("ro", "writ")),
        "kb: --out read-only": (lambda w: ["kb", "--facts", "20", "--out", str(_read_only(w / "ro") / "kb")], ("ro", "writ")),
        "report: run directory read-only": (lambda w: [_read_only(w / "run"), ["report", "--run", str(w / "run")]][1], ("run", "writ")),
        "compare: --out read-only": (lambda w: ["compare", str(w / "run"), str(w / "run2"), "--out", str(_read_only(w / "ro") / "c")], ("ro", "writ")),
    })


def _profile(w: Path, capability: str) -> Path:
    """A profile with one capability: `capability` is its flow-style YAML after the name."""
    return _write(w / "profile.yaml", f"application: A\ncapabilities:\n  - name: c\n    {capability}\n")


def _advise(w: Path, profile: Path, *runs: Path) -> list[str]:
    argv = ["advise", "--profile", str(profile), "--out", str(w / "adv")]
    for run in runs or (w / "run",):
        argv += ["--run", str(run)]
    return argv


def _drop_rows(run: Path, stage: str) -> None:
    rows = [line for line in (run / "predictions.jsonl").read_text().splitlines() if json.loads(line).get("stage") != stage]
    (run / "predictions.jsonl").write_text("\n".join(rows) + "\n")


def _bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.fixture
def no_models(monkeypatch):
    """Any model load fails the case: bad input must be said before a model loads. The libraries'
    loaders are patched, not our functions: a module imported during a case would keep a patched
    function it imported by name after the case is over."""
    import sentence_transformers
    import transformers

    def refuse(*args, **kwargs):
        raise AssertionError("a model was loaded before the bad input was found")

    for cls in (transformers.AutoModelForCausalLM, transformers.AutoTokenizer):
        monkeypatch.setattr(cls, "from_pretrained", refuse)
    monkeypatch.setattr(sentence_transformers.SentenceTransformer, "__init__", refuse)


def test_the_battery_has_at_least_forty_kinds():
    assert len(CASES) >= 40


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_ends_in_one_line_and_exit_2_with_nothing_written(name, template, tmp_path, capsys, no_models, monkeypatch):
    w = tmp_path / "w"
    shutil.copytree(template, w, symlinks=True)
    monkeypatch.chdir(w)  # a default output directory (runs/...) would land here and show in the snapshot
    prepare, words = CASES[name]
    argv = prepare(w)
    capsys.readouterr()
    before = snapshot(w)
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own refusals (a type it cannot parse, a missing option) exit 2 as well
        code = exc.code
    finally:
        for sock in _BUSY:
            sock.close()
        _BUSY.clear()
        for path in w.rglob("*"):  # let tmp_path be removed
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, f"exit {code}; stderr: {err}"
    assert len(lines) == 1, f"not one line: {err}"
    assert "Traceback" not in err
    for word in words:
        assert word.lower() in lines[0].lower(), f"{word!r} not in: {lines[0]}"
    assert snapshot(w) == before, "the workspace changed"
