import pytest
import torch

from core.errors import InputError
from core.models import cache_dir, load_lm, pick_device, pick_dtype, resolve_embedder, resolve_lm
from tests.conftest import tiny_llama, tiny_tokenizer


def test_missing_local_model_path_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match=r"model.name: path .*nope does not exist"):
        resolve_lm(str(tmp_path / "nope"))
    with pytest.raises(InputError, match="rag.embedder"):
        resolve_embedder("./no/such/embedder")


def test_a_malformed_hub_id_is_an_input_error_not_a_traceback():
    with pytest.raises(InputError, match="model.name: could not load 'not a valid id!!'"):
        load_lm("not a valid id!!", device="cpu")


def test_unknown_bundled_names_list_the_known_ones():
    with pytest.raises(InputError, match="smollm2-135m-instruct"):
        resolve_lm("bundled:gpt-5")
    with pytest.raises(InputError, match="all-minilm-l6-v2"):
        resolve_embedder("bundled:nothing")


def test_hub_ids_pass_through_unchanged():
    assert resolve_lm("HuggingFaceTB/SmolLM2-360M-Instruct") == ("HuggingFaceTB/SmolLM2-360M-Instruct", None)


def test_local_directory_loads_with_left_padding_and_weights_hash(tmp_path):
    tok = tiny_tokenizer()
    tiny_llama(len(tok)).save_pretrained(tmp_path)
    tok.padding_side = "right"
    tok.save_pretrained(tmp_path)
    lm = load_lm(str(tmp_path), device="cpu", dtype="bf16")
    assert lm.tokenizer.padding_side == "left"
    assert lm.model.dtype == torch.bfloat16 and lm.dtype == "bfloat16"
    assert lm.weights_sha256 and len(lm.weights_sha256) == 64


def test_auto_dtype_is_fp32_on_cpu_and_bf16_on_cuda():
    assert pick_dtype("auto", "cpu") == torch.float32
    assert pick_dtype("auto", "cuda") == torch.bfloat16
    assert pick_dtype("bf16", "cpu") == torch.bfloat16


def test_device_choice():
    assert pick_device("cpu") == "cpu"
    assert pick_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(InputError, match="model.device"):
        pick_device("tpu")


def test_cache_dir_prefers_ragft_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("RAGFT_CACHE", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
    monkeypatch.delenv("RAGFT_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "rag-vs-finetune"


def test_a_gguf_file_is_converted_once_and_cached_by_its_hash(tmp_path, monkeypatch):
    from core.tiny_models import save_tiny_gguf

    monkeypatch.setenv("RAGFT_CACHE", str(tmp_path / "cache"))
    gguf_file = save_tiny_gguf(tmp_path / "tiny.gguf")
    lm = load_lm(str(gguf_file), device="cpu")
    assert type(lm.model).__name__ == "LlamaForCausalLM" and lm.tokenizer.padding_side == "left"
    assert lm.weights_sha256 and len(lm.weights_sha256) == 64
    converted, sha = resolve_lm(str(gguf_file))
    assert converted.startswith(str(tmp_path / "cache")) and sha == lm.weights_sha256
    stamp = (tmp_path / "cache" / "models").stat().st_mtime_ns
    assert resolve_lm(str(gguf_file)) == (converted, sha)  # the second time, the cache
    assert len(list((tmp_path / "cache" / "models").iterdir())) == 1 and (tmp_path / "cache" / "models").stat().st_mtime_ns == stamp
    prompt = lm.tokenizer.apply_chat_template([{"role": "user", "content": "hi"}], add_generation_prompt=True, tokenize=False)
    assert prompt.endswith("<|im_start|>assistant\n")  # the file's chat template came through
    assert lm.tokenizer.convert_ids_to_tokens(lm.tokenizer(" the")["input_ids"]) == ["Ġthe"]  # and its merges


def test_a_missing_or_foreign_gguf_file_is_one_line(tmp_path):
    with pytest.raises(InputError, match=r"model.name: GGUF file .*missing.gguf does not exist"):
        resolve_lm(str(tmp_path / "missing.gguf"))
    (tmp_path / "fake.gguf").write_bytes(b"not a model")
    with pytest.raises(InputError, match=r"fake.gguf is not a GGUF file"):
        resolve_lm(str(tmp_path / "fake.gguf"))


def test_a_bad_model_name_is_found_without_loading_anything(tmp_path):
    from core.models import check_lm_name

    for name, message in [("bundled:gpt-5", "unknown bundled model"), (str(tmp_path / "x.gguf"), "GGUF file .* does not exist"),
                          (str(tmp_path / "dir"), "path .* does not exist")]:
        with pytest.raises(InputError, match=f"model.name: {message}"):
            check_lm_name(name)
    check_lm_name("HuggingFaceTB/SmolLM2-360M-Instruct")  # a hub id is for the hub to judge
