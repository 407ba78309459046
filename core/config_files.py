"""Configs as files: read a YAML config, apply `section.key=value` overrides, validate into an
`ExperimentConfig` (core/config.py), and write the resolved config back out.

    cfg = load_config("configs/quick.yaml", overrides=["rag.top_k=5"])
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from core.bundled import config_file
from core.config import ExperimentConfig
from core.errors import InputError, read_utf8, validation_message


def load_config(path: str | Path, overrides: list[str] = ()) -> ExperimentConfig:
    """Read a YAML config (a file, or a bundled config by name: `quick`), apply `section.key=value` overrides, validate. Raises InputError."""
    path = config_file(path)
    try:
        data = yaml.safe_load(read_utf8(path)) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: the top level must be a mapping of sections")
    data.setdefault("name", path.stem)
    cfg = _validated(data, overrides, str(path))
    # only for a file: the seeds stage overrides run.seed per seed on a loaded config
    if cfg.run.seeds and cfg.run.seeds[0] != cfg.run.seed:
        raise InputError(f"{path}: run.seeds must start with run.seed ({cfg.run.seed}), the main run's seed")
    if cfg.run.seeds and len(set(cfg.run.seeds)) != len(cfg.run.seeds):
        raise InputError(f"{path}: run.seeds must not repeat a seed")
    return cfg


def with_overrides(cfg: ExperimentConfig, overrides: list[str], where: str = "--set") -> ExperimentConfig:
    """A validated copy of `cfg` with `section.key=value` overrides applied. Raises InputError."""
    return _validated(cfg.model_dump(mode="json"), overrides, where)


def _validated(data: dict, overrides: list[str], where: str) -> ExperimentConfig:
    """`data` with the overrides applied, validated, and checked across keys; errors name `where`."""
    for item in overrides:
        _apply_override(data, item)
    try:
        cfg = ExperimentConfig.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"{where}: {validation_message(exc, 'key')}") from None
    _check_chunking(cfg, where)
    return cfg


def _check_chunking(cfg: ExperimentConfig, where: str) -> None:
    # a check across two keys, so an override of either (a chunk_size sweep, say) must run it too
    if cfg.rag.chunk_overlap >= cfg.rag.chunk_size:
        raise InputError(f"{where}: rag.chunk_overlap ({cfg.rag.chunk_overlap}) must be smaller than rag.chunk_size ({cfg.rag.chunk_size})")


def _apply_override(data: dict, item: str) -> None:
    """`rag.top_k=5` -> data["rag"]["top_k"] = 5, the value parsed as YAML (so 5 is an int)."""
    key, sep, raw = item.partition("=")
    if not sep or not key.strip():
        raise InputError(f"--set {item!r}: expected section.key=value")
    parts = key.strip().split(".")
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise InputError(f"--set {item!r}: {part} is not a section")
    try:
        node[parts[-1]] = yaml.safe_load(raw)
    except yaml.YAMLError:
        node[parts[-1]] = raw


def to_yaml(cfg: ExperimentConfig) -> str:
    """The fully resolved config, as written to the run directory."""
    return yaml.safe_dump(cfg.model_dump(mode="json"), sort_keys=False)
