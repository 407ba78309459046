"""Loading a trained adapter for inference: merged into the weights (default) or left as a
separate LoRA branch. Unmerged adapters add two small matmuls per adapted layer to every forward
pass, which is the latency cost `measure_unmerged_overhead` makes visible."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from core.errors import InputError
from core.models import LoadedLM, load_lm
from core.quiet import library_warnings_filtered


def load_tuned_lm(name: str, adapter_dir: Path, *, device: str, dtype: str, merge: bool) -> LoadedLM:
    """A fresh copy of the base model with the adapter applied (and merged when `merge`)."""
    from peft import PeftModel

    if not (Path(adapter_dir) / "adapter_config.json").is_file():
        raise InputError(f"no LoRA adapter in {adapter_dir}; train one with `ragvsft train`")
    base = load_lm(name, device, dtype)
    with library_warnings_filtered():  # peft asks a deprecated transformers property (core/quiet.py)
        model = PeftModel.from_pretrained(base.model, str(adapter_dir))
    return with_adapter(base, model, merge=merge)


def with_adapter(base: LoadedLM, peft_model, *, merge: bool) -> LoadedLM:
    model = peft_model.merge_and_unload() if merge else peft_model
    model.eval()
    return replace(base, model=model, name=f"{base.name}+lora{'' if merge else ' (unmerged)'}")
