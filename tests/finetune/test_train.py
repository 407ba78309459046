import pytest
import torch
from safetensors.torch import load_file
from transformers import TrainerCallback

from core.config import FinetuneConfig
from core.corpus import load_corpus
from core.errors import InputError
from core.generate import generate
from core.models import LoadedLM
from core.prompt import build_prompt
from core.quiet import library_warnings_filtered
from finetune.adapter import with_adapter
from finetune.dataset import build_training_set
from finetune.train import cached_training, collate, pack, train_lora
from tests.conftest import tiny_llama, tiny_tokenizer


@pytest.fixture
def setup(small_corpus_dir):
    tok = tiny_tokenizer()
    corpus = load_corpus(small_corpus_dir)
    cfg = FinetuneConfig(max_steps=4, save_steps=2, batch_size=2, learning_rate=1e-2, lora_r=4, lora_alpha=8)
    return tok, build_training_set(corpus, tok, cfg, seed=0), cfg


def _train(tmp_path, setup, *, resume=False, callbacks=(), cfg=None):
    tok, ts, default_cfg = setup
    return train_lora(tiny_llama(len(tok)), tok, ts, cfg or default_cfg, out_dir=tmp_path, seed=0, resume=resume, key="k", callbacks=callbacks)


def test_training_writes_the_adapter_and_its_record(tmp_path, setup):
    result = _train(tmp_path, setup)
    files = {p.name for p in result.adapter_dir.iterdir()}
    assert {"adapter_model.safetensors", "adapter_config.json", "training.json"} <= files
    m = result.metrics
    assert m["steps"] == 4 and m["trainable_params"] > 0 and m["tokens_seen"] > 0 and m["adapter_mb"] > 0
    assert m["final_loss"] == result.loss_curve[-1]["loss"] and len(result.loss_curve) == 4
    assert cached_training(result.adapter_dir, "k")["metrics"]["steps"] == 4
    assert cached_training(result.adapter_dir, "other-inputs") is None


class CrashAfterFirstCheckpoint(TrainerCallback):
    def on_save(self, args, state, control, **kwargs):
        raise RuntimeError("simulated crash")


def test_resume_after_an_interruption_reaches_the_same_adapter(tmp_path, setup):
    straight = _train(tmp_path / "a", setup)
    with pytest.raises(RuntimeError, match="simulated crash"):
        _train(tmp_path / "b", setup, callbacks=[CrashAfterFirstCheckpoint()])
    assert not (tmp_path / "b" / "adapter").exists()
    resumed = _train(tmp_path / "b", setup, resume=True)
    a = load_file(straight.adapter_dir / "adapter_model.safetensors")
    b = load_file(resumed.adapter_dir / "adapter_model.safetensors")
    assert a.keys() == b.keys()
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)
    assert resumed.metrics["resumed"] and resumed.metrics["steps"] == 4


def test_resume_without_a_checkpoint_is_an_input_error(tmp_path, setup):
    with pytest.raises(InputError, match="no checkpoint"):
        _train(tmp_path, setup, resume=True)


def test_merged_adapter_answers_exactly_like_the_unmerged_one(tmp_path, setup):
    tok, ts, cfg = setup
    model = tiny_llama(len(tok))
    prompts = [build_prompt("how many leave days"), build_prompt("badge colour red")]
    enc = tok(["how many leave days"], return_tensors="pt")
    with torch.no_grad():
        base_logits = model(**enc).logits.clone()
    model = train_lora(model, tok, ts, cfg, out_dir=tmp_path, seed=0, resume=False, key="k").model.eval()
    lm = LoadedLM(model, tok, "tiny", None, "cpu", "float32")
    with torch.no_grad():
        unmerged_logits = model(**enc).logits.clone()
    unmerged = generate(lm, prompts, batch_size=2, max_new_tokens=6)
    merged_lm = with_adapter(lm, model, merge=True)
    with torch.no_grad():
        merged_logits = merged_lm.model(**enc).logits
    merged = generate(merged_lm, prompts, batch_size=2, max_new_tokens=6)
    assert not torch.allclose(base_logits, unmerged_logits, atol=1e-4)  # the adapter changed something
    assert torch.allclose(unmerged_logits, merged_logits, atol=1e-4)
    assert [g.text for g in merged] == [g.text for g in unmerged]


def test_collate_pads_dynamically_and_masks_padding():
    batch = collate([{"input_ids": [5, 6, 7], "labels": [-100, 6, 7]}, {"input_ids": [8], "labels": [8]}], pad_id=1)
    assert batch["input_ids"].tolist() == [[5, 6, 7], [8, 1, 1]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]
    assert batch["labels"].tolist() == [[-100, 6, 7], [8, -100, -100]]
    # Only positions whose next token is trained on get logits: 5->6 and 6->7 in row one, none in row two.
    assert batch["logits_to_keep"].tolist() == [[True, True, False], [False, False, False]]
    assert batch["shift_labels"].tolist() == [6, 7]


def test_loss_on_kept_logits_equals_the_loss_over_all_logits(setup):
    tok, ts, _ = setup
    model = tiny_llama(len(tok))
    # A document (loss everywhere) and QA pairs (loss on the answer only) in one padded batch.
    examples = [next(ex for ex in ts.examples if ex.source == "document")] + [ex for ex in ts.examples if ex.source == "qa"][:3]
    rows = [{"input_ids": ex.input_ids, "labels": ex.labels} for ex in examples]
    batch = collate(rows, tok.pad_token_id)
    full = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=batch["labels"]).loss
    kept = model(**batch).loss
    assert torch.allclose(full, kept, atol=1e-6)


def test_packing_fills_blocks_without_losing_tokens(setup):
    _, ts, _ = setup
    blocks = pack(ts.examples, 32)
    assert all(len(b["input_ids"]) == 32 for b in blocks[:-1])
    assert sum(len(b["input_ids"]) for b in blocks) == ts.stats["tokens"]


def test_a_shared_prefix_computed_once_gives_the_same_loss_and_gradients(setup):
    from peft import LoraConfig, get_peft_model

    from finetune.train import MIN_SHARED_PREFIX, shared_prefix_length, with_shared_prefix

    tok, ts, _ = setup
    qa = [ex for ex in ts.examples if ex.source == "qa"][:3]
    batch = collate([{"input_ids": ex.input_ids, "labels": ex.labels} for ex in qa], tok.pad_token_id)
    n = shared_prefix_length(batch)
    assert n >= MIN_SHARED_PREFIX  # the rendered system prompt and user-turn opening
    assert (batch["input_ids"][:, :n] == batch["input_ids"][0, :n]).all() and not batch["logits_to_keep"][:, :n].any()
    with library_warnings_filtered():
        model = get_peft_model(tiny_llama(len(tok)), LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules="all-linear"))

    def loss_and_grads(inputs):
        model.zero_grad()
        loss = model(**inputs).loss
        loss.backward()
        return loss.detach(), [p.grad.clone() for p in model.parameters() if p.requires_grad]

    full_loss, full_grads = loss_and_grads(batch)
    shared_loss, shared_grads = loss_and_grads(with_shared_prefix(model, batch, n))
    assert torch.allclose(full_loss, shared_loss, atol=1e-5)
    assert all(torch.allclose(a, b, atol=1e-5) for a, b in zip(full_grads, shared_grads))


def test_training_with_a_shared_prefix_runs_through_the_trainer(tmp_path, small_corpus_dir):
    tok = tiny_tokenizer()
    cfg = FinetuneConfig(max_steps=4, save_steps=2, batch_size=2, learning_rate=1e-2, lora_r=4, lora_alpha=8, use_documents=False, share_prefix=True)
    qa_only = (tok, build_training_set(load_corpus(small_corpus_dir), tok, cfg, seed=0), cfg)
    calls = []

    class Counting(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            calls.append(state.global_step)

    import finetune.train as train_module

    shared = []
    original = train_module.with_shared_prefix
    train_module.with_shared_prefix = lambda model, batch, n: shared.append(n) or original(model, batch, n)
    try:
        result = _train(tmp_path, qa_only, callbacks=[Counting()])
    finally:
        train_module.with_shared_prefix = original
    assert calls == [1, 2, 3, 4] and result.metrics["final_loss"] > 0
    assert shared  # at least one batch of QA pairs took the shared-prefix path


def test_passes_keep_each_group_within_the_budget_past_the_shared_prefix():
    from finetune.train import passes

    rows = [{"input_ids": [5] * n, "labels": [5] * n} for n in (4, 6, 6, 9)]
    batch = collate(rows, 0)
    parts = passes(batch, max_tokens=12)
    assert [p["input_ids"].shape for p in parts] == [torch.Size([2, 6]), torch.Size([1, 6]), torch.Size([1, 9])]
    assert sum(len(p["shift_labels"]) for p in parts) == len(batch["shift_labels"])
    assert passes(batch, max_tokens=24, shared=3) == [batch]  # 4 rows x (9 - 3 shared) fit: one pass, as it is


def test_a_batch_in_passes_gives_the_loss_and_gradients_of_one_pass(setup):
    from peft import LoraConfig, get_peft_model

    from finetune.train import passes

    tok, ts, _ = setup
    docs = [ex for ex in ts.examples if ex.source == "document"][:3] + [ex for ex in ts.examples if ex.source == "qa"][:2]
    batch = collate([{"input_ids": ex.input_ids, "labels": ex.labels} for ex in docs], tok.pad_token_id)
    with library_warnings_filtered():
        model = get_peft_model(tiny_llama(len(tok)), LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules="all-linear"))
    total = len(batch["shift_labels"])

    def loss_and_grads(parts):
        model.zero_grad()
        loss = 0
        for part in parts:
            part_loss = model(**part, num_items_in_batch=total).loss
            part_loss.backward()
            loss += part_loss.detach()
        return loss, [p.grad.clone() for p in model.parameters() if p.requires_grad]

    parts = passes(batch, max_tokens=2 * max(len(ex.input_ids) for ex in docs))
    assert len(parts) >= 2
    one_loss, one_grads = loss_and_grads([batch])
    split_loss, split_grads = loss_and_grads(parts)
    assert torch.allclose(one_loss, split_loss, atol=1e-5)
    assert all(torch.allclose(a, b, atol=1e-5) for a, b in zip(one_grads, split_grads))


def test_training_in_passes_reaches_the_adapter_of_one_pass(tmp_path, setup):
    tok, ts, cfg = setup
    import finetune.train as train_module

    one = _train(tmp_path / "one", setup, cfg=cfg.model_copy(update={"max_tokens_per_pass": None}))
    counts, original = [], train_module.passes
    train_module.passes = lambda *a: counts.append(len(parts := original(*a))) or parts
    try:
        split = _train(tmp_path / "split", setup, cfg=cfg.model_copy(update={"max_tokens_per_pass": 16}))
    finally:
        train_module.passes = original
    assert max(counts) > 1  # some batch did run in several passes
    assert one.metrics["final_loss"] == pytest.approx(split.metrics["final_loss"], abs=1e-4)
    a, b = load_file(one.adapter_dir / "adapter_model.safetensors"), load_file(split.adapter_dir / "adapter_model.safetensors")
    assert all(torch.allclose(a[k], b[k], atol=1e-4) for k in a)


def test_the_shared_prefix_keeps_every_input_on_the_batch_device():
    """On CUDA the position ids were made on the CPU (found by the GPU smoke check): the batch here
    lives on the `meta` device, where a tensor made without a device would land elsewhere."""
    from finetune.train import with_shared_prefix

    class Cache:
        def batch_repeat_interleave(self, rows):
            self.rows = rows

    class Model:
        def __call__(self, **kwargs):
            return type("Out", (), {"cache": Cache()})()

    ids = torch.zeros((3, 12), dtype=torch.long, device="meta")
    batch = {"input_ids": ids, "labels": ids, "logits_to_keep": ids.bool(), "attention_mask": ids}
    shared = with_shared_prefix(Model(), batch, 8)
    assert {t.device.type for k, t in shared.items() if isinstance(t, torch.Tensor)} == {"meta"}
    assert shared["position_ids"].shape == (3, 4) and shared["cache"].rows == 3
