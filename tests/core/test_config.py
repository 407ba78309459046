from pathlib import Path

import pytest

from core.config import ExperimentConfig
from core.config_files import load_config, to_yaml, with_overrides
from core.errors import InputError
from tests.conftest import REPO

CONFIG_FILES = sorted((REPO / "configs").glob("*.yaml"))


def test_there_are_configs_to_check():
    assert {p.name for p in CONFIG_FILES} >= {"quick.yaml", "default.yaml"}


@pytest.mark.parametrize("path", CONFIG_FILES, ids=lambda p: p.name)
def test_every_shipped_config_loads_and_points_at_an_existing_corpus(path: Path):
    cfg = load_config(path)
    assert cfg.name == path.stem
    assert (REPO / cfg.corpus.dir / "documents.jsonl").is_file()


def _write(tmp_path, text: str) -> Path:
    path = tmp_path / "exp.yaml"
    path.write_text(text)
    return path


def test_yaml_states_only_differences_and_defaults_fill_the_rest(tmp_path):
    cfg = load_config(_write(tmp_path, "rag:\n  top_k: 5\n"))
    assert cfg.rag.top_k == 5
    assert cfg.rag.chunk_size == ExperimentConfig().rag.chunk_size


def test_set_overrides_win_and_are_parsed_as_typed_values(tmp_path):
    cfg = load_config(_write(tmp_path, "rag:\n  top_k: 5\n"), ["rag.top_k=2", "eval.arms=[base,rag]", "corpus.dir=elsewhere"])
    assert cfg.rag.top_k == 2
    assert cfg.eval.arms == ["base", "rag"]
    assert cfg.corpus.dir == Path.cwd() / "elsewhere"  # made absolute: the run works from any directory


@pytest.mark.parametrize(
    "text, overrides, expected",
    [
        ("rag:\n  topk: 5\n", [], "unknown key rag.topk"),
        ("retrieval:\n  top_k: 5\n", [], "unknown key retrieval"),
        ("", ["model.colour=red"], "unknown key model.colour"),
        ("rag:\n  top_k: many\n", [], "rag.top_k"),
        ("eval:\n  arms: [base, magic]\n", [], "eval.arms.1"),
        ("rag:\n  chunk_size: 20\n  chunk_overlap: 20\n", [], "rag.chunk_overlap"),
        ("- just\n- a list\n", [], "mapping"),
        ("rag: [unclosed\n", [], "not valid YAML"),
        ("", ["rag.top_k"], "section.key=value"),
        ("rag:\n  abstain_below: sometimes\n", [], "rag.abstain_below: Value error, expected a number, auto, or null"),
    ],
)
def test_bad_configs_name_the_key_and_the_file(tmp_path, text, overrides, expected):
    path = _write(tmp_path, text)
    with pytest.raises(InputError) as exc:
        load_config(path, overrides)
    assert expected in str(exc.value)
    # a bad value in the file is said against the file, a bad override against --set
    assert (f"--set" if overrides else str(path)) in str(exc.value)


def test_missing_config_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_config(tmp_path / "nope.yaml")


def test_resolved_yaml_round_trips(tmp_path):
    cfg = load_config(_write(tmp_path, "rag:\n  top_k: 4\n"))
    again = load_config(_write(tmp_path, to_yaml(cfg)))
    assert again == cfg


def test_overrides_of_a_loaded_config_get_the_cross_key_checks_too(tmp_path):
    path = tmp_path / "exp.yaml"
    path.write_text("rag:\n  chunk_overlap: 20\n")
    cfg = load_config(path)
    assert with_overrides(cfg, ["rag.chunk_size=40"]).rag.chunk_size == 40
    with pytest.raises(InputError, match=r"--key rag.chunk_size --values 16: rag.chunk_overlap \(20\) must be smaller than rag.chunk_size \(16\)"):
        with_overrides(cfg, ["rag.chunk_size=16"], where="--key rag.chunk_size --values 16")
