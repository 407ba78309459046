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
