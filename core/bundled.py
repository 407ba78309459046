"""What ships inside the package itself: the bundled corpora (the `data` package) and the bundled
experiment configs (the `configs` package). Found through importlib.resources, so they resolve the
same in a checkout, an editable install and a plain `pip install`, from any working directory.

    bundled_corpus("quillfeather")   # the directory with documents.jsonl and questions.jsonl
    config_file("quick")             # configs/quick.yaml
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from core.errors import InputError

BUNDLED_PREFIX = "bundled:"


def corpora_dir() -> Path:
    return Path(str(files("data")))


def configs_dir() -> Path:
    return Path(str(files("configs")))


def bundled_corpora() -> list[str]:
    return sorted(p.name for p in corpora_dir().iterdir() if (p / "documents.jsonl").is_file())


def bundled_configs() -> list[str]:
    return sorted(p.stem for p in configs_dir().glob("*.yaml"))


def bundled_corpus(name: str) -> Path:
    """The installed directory of the bundled corpus `name`; ValueError naming the known ones."""
    if name not in bundled_corpora():
        raise ValueError(f"no bundled corpus {name!r} (bundled: {', '.join(bundled_corpora())})")
    return corpora_dir() / name


READING_SET_FILE = "reading_set.json"  # a bundled reading set: data/<name>/reading_set.json (SQuAD format)


def bundled_reading_sets() -> list[str]:
    return sorted(p.name for p in corpora_dir().iterdir() if (p / READING_SET_FILE).is_file())


def reading_set_path(value: str | Path) -> Path:
    """A config's raft.reading_set as a file: `bundled:<name>` is the installed copy (InputError naming
    the bundled ones when there is no such), anything else the path as given."""
    text = str(value)
    if not text.startswith(BUNDLED_PREFIX):
        return Path(text)
    name = text.removeprefix(BUNDLED_PREFIX)
    if name not in bundled_reading_sets():
        raise InputError(f"raft.reading_set: no bundled reading set {name!r} (bundled: {', '.join(bundled_reading_sets())})")
    return corpora_dir() / name / READING_SET_FILE


def corpus_path(value: str | Path) -> Path:
    """A config's corpus.dir as an absolute path: `bundled:<name>` is the installed copy; a relative
    path means what it means from the working directory, except that `data/<name>`, when no such
    directory is there, is the bundled corpus (configs and runs written before corpora were
    bundled say so)."""
    text = str(value)
    if text.startswith(BUNDLED_PREFIX):
        return bundled_corpus(text.removeprefix(BUNDLED_PREFIX))
    path = Path(text).expanduser()
    if not path.is_absolute() and not path.exists() and path.parent == Path("data") and path.name in bundled_corpora():
        return bundled_corpus(path.name)
    return path.absolute()


def portable_corpus(path: Path) -> str:
    """How a run's config.yaml records corpus.dir: `bundled:<name>` for an installed corpus (so the
    run directory works on another machine or install), else the absolute path."""
    path = Path(path)
    if path.parent == corpora_dir() and path.name in bundled_corpora():
        return f"{BUNDLED_PREFIX}{path.name}"
    return str(path)


def config_file(name_or_path: str | Path) -> Path:
    """A config file: a path that exists, else the bundled config of that name (`quick`,
    `default`, or `quick.yaml`). An InputError names what is neither."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    bundled = configs_dir() / (path.name if path.suffix in (".yaml", ".yml") else f"{path.name}.yaml")
    if path.parent in (Path("."), Path("configs")) and bundled.is_file():  # `configs/quick.yaml` too, outside a checkout
        return bundled
    if path.is_dir():
        raise InputError(f"config file {path} is a directory, not a YAML file")
    raise InputError(f"config file {path} does not exist (bundled configs, usable by name: {', '.join(bundled_configs())})")
