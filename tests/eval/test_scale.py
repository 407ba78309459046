import math

import pytest

from core.config_files import load_config
from core.rundir import read_json
from app import commands
from eval.report.scale import accuracy_statement, cost_statement
from eval.stages.scale import growth_fits, power_fit


def test_a_power_law_is_recovered_on_log_log_axes():
    fit = power_fit([100, 300, 1000], [3 * n**1.5 for n in (100, 300, 1000)])
    assert math.isclose(fit["exponent"], 1.5) and math.isclose(fit["coefficient"], 3)
    assert power_fit([100], [5]) is None and power_fit([100, 300], [0, 0]) is None


def _row(facts, rag, lora, ci=0.05, train=10.0, index=1.0):
    return {"facts": facts, "rag": {"accuracy": rag, "accuracy_ci": [rag - ci, rag + ci], "index_seconds": index, "absorb_seconds": 0.1,
                                    "index_mb": 1.0},
            "lora": {"accuracy": lora, "accuracy_ci": [lora - ci, lora + ci], "train_seconds": train, "absorb_seconds": 2.0, "adapter_mb": 18.0}}


def test_the_accuracy_statement_finds_where_the_curves_cross():
    rows = [_row(100, 0.3, 0.6), _row(300, 0.35, 0.45), _row(1000, 0.4, 0.2)]
    said = accuracy_statement(rows)
    assert "cross between 300 and 1000 facts" in said and "lora falls below rag" in said
    assert "separate them at 100, 300, 1000 facts." in said
    level = accuracy_statement([_row(100, 0.3, 0.32, ci=0.1), _row(1000, 0.3, 0.35, ci=0.1)])
    assert "do not cross: lora is ahead at every size (by 2.0 to 5.0 points)" in level and "overlap at every size" in level


def test_the_cost_statement_says_whether_the_fitted_curves_meet_inside_the_sizes():
    # training 0.1 n, index 10 n^0.5: equal at n = 10,000
    rows = [_row(n, 0.3, 0.3, train=0.1 * n, index=10 * n**0.5) for n in (100, 1000, 100000)]
    record = {"rows": rows, "fits": growth_fits(rows)}
    assert "meet near 10,000 facts, inside the sizes measured" in cost_statement(record, "lora training s", "rag index build s")
    record = {"rows": rows[:2], "fits": growth_fits(rows[:2])}
    assert "outside the sizes measured (extrapolated)" in cost_statement(record, "lora training s", "rag index build s")


@pytest.fixture
def tiny_scale_config(tmp_path, tiny_model_dirs):
    lm_dir, st_dir = tiny_model_dirs
    path = tmp_path / "scale.yaml"
    path.write_text("eval:\n  arms: [base, rag, lora]\n  bootstrap_samples: 100\nupdates:\n  rounds: true\n  strategies: [delta]\n")
    overrides = [f"model.name={lm_dir}", f"rag.embedder={st_dir}", "model.max_new_tokens=4", "finetune.max_steps=2",
                 "corpus.general_knowledge=false", "scale.sizes=[10,20]", "kb.eval_phrasings=1"]
    return load_config(path, overrides)


def test_scale_runs_each_size_and_writes_the_table_fits_and_plots(tmp_path, tiny_scale_config, capsys):
    out = tmp_path / "scale"
    commands.scale(config=tiny_scale_config, out=out)
    record = read_json(out / "scale.json")
    assert [r["facts"] for r in record["rows"]] == [10, 20] and not record["failed"]
    for row in record["rows"]:
        summary = read_json(out / f"facts-{row['facts']}" / "summary.json")
        assert row["eval_questions"] == summary["arms"]["rag"]["n"] and row["lora"]["train_seconds"] == summary["arms"]["lora"]["train"]["seconds"]
        assert row["rag"]["absorb_seconds"] > 0 and row["lora"]["absorb_seconds"] > 0 and row["lora"]["absorb_strategy"] == "lora_delta"
        assert (out / f"facts-{row['facts']}" / "report.html").is_file()
        assert read_json(out / "corpora" / f"facts-{row['facts']}" / "kb.json")["facts"] == row["facts"]
    assert record["rows"][1]["rag"]["chunks"] > record["rows"][0]["rag"]["chunks"]
    assert record["fits"]["lora training s"]["points"] == 2
    markdown = (out / "scale.md").read_text()
    assert "| 20 |" in markdown and "lora training s grows like facts^" in markdown and "![cost](plots/scale-cost.png)" in markdown
    assert (out / "plots" / "scale-accuracy.png").stat().st_size > 1000
    assert "scale.md" in capsys.readouterr().out


def test_scale_needs_both_sides_of_the_comparison(tmp_path, tiny_scale_config):
    from core.config_files import with_overrides
    from core.errors import InputError

    with pytest.raises(InputError, match="add lora"):
        commands.scale(config=with_overrides(tiny_scale_config, ["eval.arms=[base,rag]"]), out=tmp_path / "scale")
    assert not (tmp_path / "scale").exists()
