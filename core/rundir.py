"""Run-directory I/O. Every artifact is written atomically: a temp file in the same directory,
then a rename, so a crash or a Ctrl-C never leaves a half-written file behind."""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterable

from core.errors import InputError, json_object_lines, parse_json


_UMASK = os.umask(0)
os.umask(_UMASK)  # read once (the only way to read it is to set it)


def check_output_dir(path: str | Path, what: str = "--out") -> None:
    """An InputError unless `path` is a writable directory or one that can be made: said before any
    work, so a bad output path never costs a model load or leaves half a result behind."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(f"{what} {path}: is a file, not a directory")
    existing = path
    while not existing.exists() and existing.parent != existing:  # the nearest part that exists
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"{what} {path}: {existing} is a file, not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"{what} {path}: {existing} is not writable")


FULL = (errno.ENOSPC, errno.EDQUOT)  # the disk (or the user's quota) is full


def disk_full(path: Path, needed: int | None) -> InputError:
    """The one line a full disk ends in: the path, the space it needed and the space left."""
    existing = path.parent
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    free = shutil.disk_usage(existing).free
    need = f"{needed:,} bytes" if needed else "more space than that"
    return InputError(
        f"cannot write {path}: the disk is full ({free:,} bytes free, {need} needed); nothing was half-written: "
        "free some space and run the same command again"
    )


def _size(tmp: Path) -> int | None:
    """Bytes a temp file or directory held when the disk filled: at least what the write needed."""
    if tmp.is_file():
        return tmp.stat().st_size
    if tmp.is_dir():
        return sum(f.stat().st_size for f in tmp.rglob("*") if f.is_file()) or None
    return None


def write_bytes(path: str | Path, data: bytes) -> None:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise InputError(f"cannot write {path}: a file stands where a folder of that path should be; move it away") from None
    if path.is_dir():
        raise InputError(f"cannot write {path}: it is a directory; move it away")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes the file private; give it a normal file's mode
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.errno in FULL:
            raise disk_full(path, len(data)) from None
        raise


def write_file(target: str | Path, write: Callable[[Path], None]) -> None:
    """`write(tmp)` writes a temp file beside `target`, which then replaces it: for libraries that
    write files themselves (FAISS, Arrow, NumPy), so a large file is never copied into memory."""
    target = Path(target)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        write(tmp)
        tmp.replace(target)
    except BaseException as exc:
        needed = _size(tmp)
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.errno in FULL:
            raise disk_full(target, needed) from None
        raise


def write_dir(target: str | Path, write: Callable[[Path], None]) -> Path:
    """`write(tmp)` fills a temp directory beside `target`, which then replaces `target`: a crash
    never leaves half a directory (a library's own save, such as an adapter's or an index's)."""
    target = Path(target)
    tmp = target.with_name(f".{target.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        write(tmp)
        if target.exists() and not target.is_dir():
            raise InputError(f"{target}: is a file, not a directory (move it away to write the directory there)")
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
    except BaseException as exc:
        needed = _size(tmp)
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError) and exc.errno in FULL:
            raise disk_full(target, needed) from None
        raise
    return target


def write_text(path: str | Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_json(path: str | Path, data) -> None:
    write_text(path, json.dumps(data, indent=2, sort_keys=False) + "\n")


def write_jsonl(path: str | Path, rows: Iterable[dict]) -> None:
    write_text(path, "".join(json.dumps(r) + "\n" for r in rows))


DAMAGED = "; the file is damaged: re-run what wrote it"


def read_json(path: str | Path, kind: type | None = None):
    """A JSON file the project wrote; an InputError naming the file and the line when it is damaged
    (cut short by a full disk, edited by hand) or, with `kind`, when its top level is not that type."""
    data = parse_json(path, _artifact_text(path), DAMAGED)
    if kind is not None and not isinstance(data, kind):
        raise InputError(f"{path}: expected a JSON {'object' if kind is dict else kind.__name__} at the top level{DAMAGED}")
    return data


def read_jsonl(path: str | Path) -> list[dict]:
    """A JSON Lines file the project wrote, one object per line; damage is said as in read_json."""
    return [row for _, row in json_object_lines(path, _artifact_text(path), DAMAGED)]


def _artifact_text(path: str | Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 (byte {exc.start}){DAMAGED}") from None
