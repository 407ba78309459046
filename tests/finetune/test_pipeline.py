"""The fine-tune stage end to end on a tiny local model: train once, then reuse."""

import pytest

from core.config_files import load_config
from core.corpus import load_corpus
from core.errors import InputError
from core.models import load_lm
from finetune.pipeline import ensure_adapter, saved_adapter
from tests.conftest import tiny_llama, tiny_tokenizer


@pytest.fixture(scope="module")
def tiny_lm_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("lm")
    tok = tiny_tokenizer()
    tiny_llama(len(tok)).save_pretrained(directory)
    tok.save_pretrained(directory)
    return directory


def _cfg(tmp_path, corpus_dir, lm_dir, *overrides):
    path = tmp_path / "exp.yaml"
    path.write_text(f"corpus:\n  dir: {corpus_dir}\nmodel:\n  name: {lm_dir}\n")
    return load_config(path, ["finetune.max_steps=2", "finetune.batch_size=4", *overrides])


def test_adapter_is_trained_once_and_reused_while_inputs_are_unchanged(tmp_path, small_corpus_dir, tiny_lm_dir):
    cfg = _cfg(tmp_path, small_corpus_dir, tiny_lm_dir)
    corpus = load_corpus(small_corpus_dir)
    lm = load_lm(cfg.model.name, "cpu")
    first = ensure_adapter(cfg, corpus, tmp_path / "run", lm)
    assert not first.reused and (first.adapter_dir / "adapter_model.safetensors").is_file()
    again = ensure_adapter(cfg, corpus, tmp_path / "run", lm)
    assert again.reused and again.record["metrics"] == first.record["metrics"]
    assert ensure_adapter(cfg.model_copy(update={"finetune": cfg.finetune.model_copy(update={"merge_for_inference": False})}), corpus, tmp_path / "run", lm).reused
    changed = cfg.model_copy(update={"finetune": cfg.finetune.model_copy(update={"lora_r": 4})})
    assert not ensure_adapter(changed, corpus, tmp_path / "run", lm).reused
    assert saved_adapter(tmp_path / "run").adapter_dir == first.adapter_dir


def test_qlora_without_cuda_is_an_input_error(tmp_path, small_corpus_dir, tiny_lm_dir):
    cfg = _cfg(tmp_path, small_corpus_dir, tiny_lm_dir, "finetune.qlora=true")
    lm = load_lm(cfg.model.name, "cpu")
    with pytest.raises(InputError, match="qlora"):
        ensure_adapter(cfg, load_corpus(small_corpus_dir), tmp_path / "run", lm)


def test_evaluating_without_an_adapter_says_how_to_train_one(tmp_path):
    with pytest.raises(InputError, match="train one with `ragvsft train`"):
        saved_adapter(tmp_path)
