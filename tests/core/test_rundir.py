"""Run-directory writes: atomic, leave nothing behind on failure, and readable like any file."""

import os

import pytest

from core.rundir import read_json, write_json, write_text


def test_a_written_file_has_a_normal_mode_and_no_temp_file_remains(tmp_path):
    write_json(tmp_path / "sub" / "summary.json", {"a": 1})
    umask = os.umask(0)
    os.umask(umask)
    assert read_json(tmp_path / "sub" / "summary.json") == {"a": 1}
    assert (tmp_path / "sub" / "summary.json").stat().st_mode & 0o777 == 0o666 & ~umask
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["summary.json"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp_file(tmp_path, monkeypatch):
    write_text(tmp_path / "report.md", "old")
    with pytest.raises(TypeError):
        write_json(tmp_path / "report.md", {"not serialisable": object()})

    def interrupted(src, dst):
        raise KeyboardInterrupt  # a Ctrl-C between writing the temp file and the rename

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_text(tmp_path / "report.md", "new")
    assert (tmp_path / "report.md").read_text() == "old" and len(list(tmp_path.iterdir())) == 1


def _full_after(limit: int):
    """A write that fills the disk after `limit` bytes, as ENOSPC does."""
    import errno

    def write(path, data: bytes = b"x" * 10_000):
        with open(path, "wb") as fh:
            fh.write(data[:limit])
        raise OSError(errno.ENOSPC, "No space left on device")

    return write


def test_a_full_disk_is_one_line_naming_the_path_and_the_space_and_the_old_files_stay(tmp_path, monkeypatch):
    import errno

    from core.errors import InputError
    from core.rundir import write_dir, write_file

    write_text(tmp_path / "report.md", "old")
    real_fdopen = os.fdopen

    class Full:
        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fdopen", lambda fd, mode: Full(real_fdopen(fd, mode)))
    with pytest.raises(InputError, match=r"cannot write .*report\.md: the disk is full \([\d,]+ bytes free, 3 bytes needed\)"):
        write_text(tmp_path / "report.md", "new")
    monkeypatch.setattr(os, "fdopen", real_fdopen)
    with pytest.raises(InputError, match=r"index\.faiss: the disk is full .* 4,000 bytes needed"):
        write_file(tmp_path / "index.faiss", lambda tmp: _full_after(4000)(tmp))
    with pytest.raises(InputError, match=r"adapter: the disk is full .* 2,500 bytes needed"):
        write_dir(tmp_path / "adapter", lambda tmp: [tmp.mkdir(), _full_after(2500)(tmp / "adapter_model.safetensors")])
    assert (tmp_path / "report.md").read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]
