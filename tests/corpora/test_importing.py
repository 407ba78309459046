"""`ragvsft import`: a folder of Markdown and text files becomes a valid corpus; each file it cannot
use is listed with the reason, and the import fails (exit 2, nothing written) only when none is usable."""

from __future__ import annotations

import json
import os

import pytest

from core.corpus import Document, load_jsonl
from core.errors import InputError
from corpora.importing import import_folder
from app.cli import main


def make_folder(root):
    (root / "hr").mkdir(parents=True)
    (root / "hr" / "leave_policy.md").write_text(
        "# Annual Leave Policy\n\nFull-time employees receive **27 days** of paid leave\nper calendar year.\n\n"
        "- Requests go through [TimeLedger](https://example.com).\n", encoding="utf-8")
    (root / "notes.txt").write_text("The Lisbon office opens at 08:30 on weekdays.\n", encoding="utf-8")
    return root


def test_folder_of_markdown_and_text_becomes_a_valid_corpus(tmp_path, capsys):
    src, out = make_folder(tmp_path / "src"), tmp_path / "corpus"
    assert main(["import", str(src), "--out", str(out)]) == 0
    docs = {d.id: d for _, d in load_jsonl(out / "documents.jsonl", Document)}
    assert set(docs) == {"hr/leave_policy", "notes"}
    leave = docs["hr/leave_policy"]
    assert leave.title == "Annual Leave Policy" and leave.source == "hr/leave_policy.md"
    # soft-wrapped lines joined, emphasis and link markup removed, list items on their own line
    assert leave.text == "Full-time employees receive 27 days of paid leave per calendar year.\nRequests go through TimeLedger."
    assert docs["notes"].title == "Notes"  # no heading: the file name
    assert "2 documents" in capsys.readouterr().out


def test_long_file_is_split_into_sections_at_headings(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    body = " ".join(["word"] * 60)
    (src / "manual.md").write_text(f"# Manual\n\n## Install\n\n{body}\n\n## Calibrate\n\n{body}\n\n## Clean\n\n{body}\n")
    docs = import_folder(src, max_words=100).documents
    assert [d.id for d in docs] == ["manual#1", "manual#2", "manual#3"]
    assert [d.title for d in docs] == ["Install", "Calibrate", "Clean"]
    assert all(d.source == "manual.md" for d in docs)


@pytest.mark.parametrize("name, content, reason", [
    ("picture.png", b"\x89PNG\r\n", "unsupported file type .png"),
    ("data.txt", b"abc\x00\x01def", "binary"),
    ("latin1.md", "Caf\u00e9 menu".encode("latin-1"), "not UTF-8 text"),
    ("empty.md", b"  \n\n", "empty"),
    ("broken.pdf", b"%PDF-1.4 not really a pdf", "PDF"),
    ("rows.jsonl", b'{"id": "x", "title": "T"}\n', "line 1, field text"),
])
def test_each_unusable_file_is_listed_and_alone_fails_with_nothing_written(tmp_path, capsys, name, content, reason):
    src, out = tmp_path / "src", tmp_path / "corpus"
    src.mkdir()
    (src / name).write_bytes(content)
    assert main(["import", str(src), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert name in err and reason in err and err.count("\n") == 1
    assert not out.exists()
    # next to a usable file the same file is skipped, named with its reason, and the import succeeds
    (src / "good.txt").write_text("The help desk answers on extension 4417 every weekday.\n")
    assert main(["import", str(src), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"skipped {name}" in printed and reason in printed
    assert [json.loads(line)["id"] for line in (out / "documents.jsonl").read_text().splitlines()] == ["good"]


def test_unreadable_file_is_listed(tmp_path):
    import os

    src = tmp_path / "src"
    src.mkdir()
    locked = src / "locked.md"
    locked.write_text("# Secret\n\ntext")
    locked.chmod(0)
    if os.access(locked, os.R_OK):
        pytest.skip("running as a user who can read any file (root)")
    (src / "ok.md").write_text("# Ok\n\nSome text here.")
    assert [why for rel, why in import_folder(src).skipped if rel == "locked.md"][0].startswith("unreadable")


def test_existing_documents_are_not_replaced_without_force(tmp_path, capsys):
    src, out = make_folder(tmp_path / "src"), tmp_path / "corpus"
    out.mkdir()
    (out / "documents.jsonl").write_text("keep me\n")
    assert main(["import", str(src), "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err and (out / "documents.jsonl").read_text() == "keep me\n"
    assert main(["import", str(src), "--out", str(out), "--force"]) == 0
    assert "Annual Leave Policy" in (out / "documents.jsonl").read_text()


def test_missing_source_folder_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="is not a directory"):
        import_folder(tmp_path / "nope")


def test_links_are_followed_only_to_files_inside_the_folder(tmp_path):
    src = make_folder(tmp_path / "src")
    (tmp_path / "outside.txt").write_text("A secret kept outside the folder.\n")
    (src / "outside.txt").symlink_to(tmp_path / "outside.txt")
    (src / "loop.md").symlink_to(src / "loop.md")  # a link to itself
    (src / "gone.md").symlink_to(tmp_path / "deleted.md")
    (src / "elsewhere").symlink_to(tmp_path, target_is_directory=True)
    (src / "alias.txt").symlink_to(src / "notes.txt")  # inside: read like the file itself
    imported = import_folder(src)
    skipped = dict(imported.skipped)
    assert "outside the folder" in skipped["outside.txt"]
    assert "circular" in skipped["loop.md"] and "broken" in skipped["gone.md"]
    assert "folder" in skipped["elsewhere"]
    os.mkfifo(src / "pipe.md")  # reading a pipe would block the import forever
    assert "not a regular file" in dict(import_folder(src).skipped)["pipe.md"]
    texts = {d.id: d.text for d in imported.documents}
    assert "secret" not in " ".join(texts.values())
    assert texts["alias"] == texts["notes"]


@pytest.mark.parametrize("max_words", [0, -5, 10**7])
def test_max_words_out_of_range_is_an_input_error(tmp_path, max_words):
    with pytest.raises(InputError, match="--max-words"):
        import_folder(make_folder(tmp_path / "src"), max_words)


def test_emphasis_is_removed_as_the_regular_expression_did_on_any_text():
    """strip_emphasis replaces a quadratic regular expression: same output on 20,000 random texts of
    the characters that matter (delimiters, spaces, tabs, letters)."""
    import random
    import re

    from corpora.emphasis import strip_emphasis

    quadratic = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
    rng = random.Random(0)
    pieces = ["*", "_", "`", " ", "a", "b", "**", "__", "\t"]
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        assert strip_emphasis(text) == quadratic.sub(r"\2", text), repr(text)
    assert strip_emphasis("**27 days** of `leave` for *all_staff*") == "27 days of leave for all_staff"
