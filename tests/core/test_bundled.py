"""The bundled corpus and configs resolve from any working directory, and a run's config records
corpus.dir so that the run works from anywhere: `bundled:<name>` for an installed corpus, an
absolute path otherwise."""

from __future__ import annotations

import pytest
import yaml

from core.bundled import bundled_configs, bundled_corpora, config_file, corpora_dir
from core.config import ExperimentConfig
from core.config_files import load_config, to_yaml, with_overrides
from core.errors import InputError


def test_the_default_corpus_and_the_configs_are_found_from_another_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert "quillfeather" in bundled_corpora() and {"default", "quick", "scale"} <= set(bundled_configs())
    cfg = load_config("quick")
    assert cfg.name == "quick" and cfg.corpus.dir == corpora_dir() / "quillfeather" and cfg.corpus.max_documents == 3
    assert config_file("configs/quick.yaml") == config_file("quick.yaml") == config_file("quick")  # the checkout's spelling too
    assert ExperimentConfig().corpus.dir == corpora_dir() / "quillfeather"
    # a run made in a checkout (config.yaml saying data/quillfeather) still loads where there is no data/
    assert with_overrides(ExperimentConfig(), ["corpus.dir=data/quillfeather"]).corpus.dir == corpora_dir() / "quillfeather"


def test_the_resolved_config_records_a_bundled_name_or_an_absolute_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine").mkdir()
    assert yaml.safe_load(to_yaml(load_config("quick")))["corpus"]["dir"] == "bundled:quillfeather"
    mine = with_overrides(ExperimentConfig(), ["corpus.dir=mine"])
    assert mine.corpus.dir == tmp_path / "mine"
    written = tmp_path / "config.yaml"
    written.write_text(to_yaml(mine))
    monkeypatch.chdir("/")
    assert load_config(written).corpus.dir == tmp_path / "mine"  # read back from another directory


def test_unknown_bundled_names_say_what_there_is(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match=r"config file nope does not exist \(bundled configs, usable by name: default, quick, scale, squad\)"):
        load_config("nope")
    with pytest.raises(InputError, match=r"corpus.dir: Value error, no bundled corpus 'nope' \(bundled: quillfeather, squad_dev\)"):
        with_overrides(ExperimentConfig(), ["corpus.dir=bundled:nope"])
