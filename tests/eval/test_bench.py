import json

import pytest

from core.config_files import load_config
from core.errors import InputError
from app import commands
from eval.bench.memory import peak_rss
from eval.bench.retrieval import exact_top_k, synthetic_vectors


@pytest.fixture
def tiny_config(tmp_path, small_corpus_dir, tiny_model_dirs):
    lm_dir, st_dir = tiny_model_dirs
    path = tmp_path / "exp.yaml"
    path.write_text(f"corpus:\n  dir: {small_corpus_dir}\n")
    return load_config(path, [f"model.name={lm_dir}", f"rag.embedder={st_dir}", "model.max_new_tokens=4", "corpus.general_knowledge=false"])


def test_quick_bench_measures_every_part_and_writes_json_and_table(tmp_path, tiny_config, capsys):
    out = tmp_path / "bench"
    commands.bench(config=tiny_config, out=out, quick=True, vectors="300,600")
    bench = json.loads((out / "bench.json").read_text())
    g = bench["generation"]
    assert g["project_s_per_question"] > 0 and g["naive_s_per_question"] > 0 and g["floor_s_per_question"] > 0
    assert g["project_vs_floor"] == pytest.approx(g["floor_s_per_question"] / g["project_s_per_question"])
    w = bench["whole_corpus"]  # the tiny corpus fits the tiny model's window
    assert w["fits"] and w["cached_s_per_question"] > 0 and w["recomputed_s_per_question"] > 0 and w["opening_tokens"] > 0
    assert w["cached_vs_recomputed"] == pytest.approx(w["recomputed_s_per_question"] / w["cached_s_per_question"])
    assert [t["source"] for t in bench["training"]] == ["qa", "documents"]
    assert all(t["project_tokens_per_s"] > 0 and t["trainer_defaults_tokens_per_s"] > 0 and t["project_peak_rss_mb"] > 0 for t in bench["training"])
    rows = {(r["vectors"], r["kind"]): r for r in bench["retrieval"]}
    assert set(rows) == {(n, k) for n in (300, 600) for k in ("flat", "hnsw", "ivf")}
    assert all(r["recall_at_10"] == 1.0 for (_, kind), r in rows.items() if kind == "flat")  # exact search
    assert all(0 <= r["recall_at_10"] <= 1 and r["load_s"] > 0 and r["delete_doc_ms"] >= 0 for r in rows.values())
    table = (out / "bench.md").read_text()
    assert "| project generator |" in table and "| qa |" in table and "| 600 | ivf |" in table
    assert "| cached (computed once, held once per batch) |" in table
    assert table in capsys.readouterr().out


def test_bad_vector_sizes_are_one_input_error(tmp_path, tiny_config):
    with pytest.raises(InputError, match="--vectors: 'lots'"):
        commands.bench(config=tiny_config, out=tmp_path / "b", quick=True, vectors="lots")
    assert not (tmp_path / "b").exists()


def test_exact_top_k_is_what_a_full_sort_gives():
    vectors, queries = synthetic_vectors(500, 7, seed=1)
    truth = exact_top_k(vectors, queries, 10)
    assert (truth == (-(queries @ vectors.T)).argsort(axis=1)[:, :10]).all()


def test_each_part_reports_its_own_peak_not_the_process_high_water_mark():
    big = bytearray(300 * 2**20)  # touched: 300 MB resident
    big[:: 4096] = b"x" * len(big[:: 4096])
    del big
    with peak_rss(record := {}):
        small = bytearray(10 * 2**20)
        del small
    if record["peak_rss_scope"] == "part":
        assert record["peak_rss_mb"] < 300 + _baseline_mb()


def _baseline_mb() -> float:
    with peak_rss(record := {}):
        pass
    return record["peak_rss_mb"]
