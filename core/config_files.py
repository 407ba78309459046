"""Configs as files: read a YAML config, apply `section.key=value` overrides, validate into an
`ExperimentConfig` (core/config.py), and write the resolved config back out.

    cfg = load_config("configs/quick.yaml", overrides=["rag.top_k=5"])
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import ValidationError

from core.bundled import config_file
from core.config import ExperimentConfig
from core.errors import InputError, number_or_nesting, read_utf8, validation_message


def load_config(path: str | Path, overrides: list[str] = ()) -> ExperimentConfig:
    """Read a YAML config (a file, or a bundled config by name: `quick`), apply `section.key=value` overrides, validate. Raises InputError."""
    path = config_file(path)
    data = _parsed_yaml(read_utf8(path), str(path)) or {}
    if not isinstance(data, dict):
        raise InputError(f"{path}: the top level must be a mapping of sections")
    data.setdefault("name", re.sub(r"[^A-Za-z0-9._-]+", "-", path.stem).strip("-.") or "run")  # a file name may hold spaces; a run name may not
    # the file alone first, so a bad value is said against the file and a bad override against --set
    cfg = _validated(data, [], str(path))
    _check_seeds(cfg, str(path))
    if not overrides:
        return cfg
    cfg = _validated(data, overrides, "--set")
    _check_seeds(cfg, "--set")
    return cfg


def _check_seeds(cfg: ExperimentConfig, where: str) -> None:
    # only for a file: the seeds stage overrides run.seed per seed on a loaded config
    if cfg.run.seeds and cfg.run.seeds[0] != cfg.run.seed:
        raise InputError(f"{where}: run.seeds must start with run.seed ({cfg.run.seed}), the main run's seed")
    if cfg.run.seeds and len(set(cfg.run.seeds)) != len(cfg.run.seeds):
        raise InputError(f"{where}: run.seeds must not repeat a seed")


def _parsed_yaml(text: str, where: str):
    """YAML text as data, or one InputError naming `where` and the line of the problem."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise InputError(f"{where}{at}: not valid YAML ({what})") from None
    except (ValueError, RecursionError) as exc:  # an integer of thousands of digits; nesting deeper than Python's stack
        long_number = re.search(r"\d{4300,}", text)
        at = f" line {text[: long_number.start()].count(chr(10)) + 1}" if long_number else ""
        raise InputError(f"{where}{at}: {number_or_nesting(exc)}") from None


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
    except (ValueError, RecursionError) as exc:
        raise InputError(f"--set {key.strip()}: {number_or_nesting(exc)}") from None


def to_yaml(cfg: ExperimentConfig) -> str:
    """The fully resolved config, as written to the run directory."""
    return yaml.safe_dump(cfg.model_dump(mode="json"), sort_keys=False)
