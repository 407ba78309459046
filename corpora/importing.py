"""`ragvsft import`: a folder of documents becomes a corpus's documents.jsonl.

Markdown (`.md`, `.markdown`), text (`.txt`), PDF (`.pdf`, text extracted with pypdf) and JSON
Lines in the corpus format (`.jsonl`, rows of core.corpus.Document) are read. A document's id is
its path relative to the folder without the extension, its title the first Markdown heading or
else the file name, its `source` the relative path. A file longer than `max_words` is split into
sections at its headings (consecutive short sections merged), ids `<path>#<n>`.

A file that cannot be used (unsupported type, binary, not UTF-8, empty, unreadable, a PDF
without text, a bad .jsonl row) is listed with the reason and skipped; the import fails only
when nothing usable remains, and then writes nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from core.corpus import Document
from core.errors import JSON_ERRORS, InputError, json_problem, validation_message
from core.rundir import write_jsonl
from corpora.emphasis import strip_emphasis

TEXT_SUFFIXES = {".md", ".markdown", ".txt"}
SUFFIXES = TEXT_SUFFIXES | {".pdf", ".jsonl"}
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
# [text](url) -> text; images keep their alt text. Neither part may hold its own opening bracket, so
# a scan from an unclosed `[` or `(` stops at the next one: linear time on any text.
_LINK = re.compile(r"!?\[([^\[\]]*)\]\([^()]*\)")
MAX_WORDS = 1_000_000  # --max-words: a section is at most this long
MAX_FILE_BYTES = 100_000_000  # larger files are skipped, not read into memory (a disk image is not a document)


@dataclass
class Imported:
    documents: list[Document]
    skipped: list[tuple[str, str]]  # (relative path, why)


def import_folder(source: str | Path, max_words: int = 800, out: str | Path | None = None) -> Imported:
    """Every usable file under `source`, in path order; raises InputError when none is usable (or
    when `out`, where the result will go, lies inside `source`)."""
    source = Path(source)
    if not source.is_dir():
        raise InputError(f"{source} is not a directory")
    if not 1 <= max_words <= MAX_WORDS:
        raise InputError(f"--max-words {max_words}: must be between 1 and {MAX_WORDS:,}")
    if out is not None and Path(out).resolve().is_relative_to(source.resolve()):
        raise InputError(f"--out {out}: inside the folder being imported (the next import would read its documents.jsonl back in); choose a folder outside it")
    documents, skipped = [], []
    root = source.resolve()
    for path in sorted(p for p in source.rglob("*") if not any(part.startswith(".") for part in p.relative_to(source).parts)):
        rel = path.relative_to(source).as_posix()
        try:
            check_link(path, root)
            if path.is_file():
                documents += read_file(path, rel, max_words)
            elif not path.is_dir():
                raise UnusableFile("not a regular file (a pipe, socket or device: reading it could block)")
        except UnusableFile as why:
            skipped.append((rel, str(why)))
    seen: dict[str, str] = {}
    for doc in documents:
        if doc.id in seen:
            raise InputError(f"{source}: two documents have the id {doc.id!r} ({seen[doc.id]} and {doc.source})")
        seen[doc.id] = doc.source or doc.id
    if not documents:
        listed = "; ".join(f"{rel}: {why}" for rel, why in skipped) or "the folder is empty"
        raise InputError(f"{source}: no usable documents ({listed})")
    return Imported(documents, skipped)


def check_link(path: Path, root: Path) -> None:
    """An UnusableFile unless `path` is no link or a link to a file inside the folder, so an import
    never reads what the folder merely points at (a link to /etc/passwd, a link to itself)."""
    if not path.is_symlink():
        return
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # a link to nothing, or a loop of links
        raise UnusableFile("a broken or circular link") from None
    if not target.is_relative_to(root):
        raise UnusableFile(f"a link to {target}, outside the folder (not followed)")
    if target.is_dir():
        raise UnusableFile("a link to a folder (not followed; its files are read where they are)")


def write_documents(imported: Imported, out: str | Path, force: bool = False) -> Path:
    target = Path(out) / "documents.jsonl"
    if target.is_dir():
        raise InputError(f"{target} is a directory, not a file; move it away")
    if target.exists() and not force:
        raise InputError(f"{target} already exists; pass --force to replace it")
    write_jsonl(target, [d.model_dump(exclude_none=True) for d in imported.documents])
    return target


class UnusableFile(Exception):
    """Why one file was skipped (listed, not fatal)."""


def read_file(path: Path, rel: str, max_words: int) -> list[Document]:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise UnusableFile(f"unsupported file type {suffix or '(none)'} (use {', '.join(sorted(SUFFIXES))})")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise UnusableFile(f"too large ({size / 1e6:,.0f} MB; a document file is at most {MAX_FILE_BYTES / 1e6:,.0f} MB)")
        data = path.read_bytes()
    except OSError as exc:
        raise UnusableFile(f"unreadable ({exc.strerror or exc})") from None
    if suffix == ".pdf":
        return _sections(pdf_text(data), rel, max_words)
    if b"\x00" in data:
        raise UnusableFile("binary (contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnusableFile(f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
    if suffix == ".jsonl":
        return jsonl_documents(text)
    return _sections(text, rel, max_words)


def pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        return "\n\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise UnusableFile(f"unreadable PDF ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from None


def jsonl_documents(text: str) -> list[Document]:
    docs = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except JSON_ERRORS as exc:
            raise UnusableFile(f"line {line_no}: {json_problem(exc)}") from None
        try:
            docs.append(Document.model_validate(raw))
        except ValidationError as exc:
            raise UnusableFile(f"line {line_no}, {validation_message(exc)}") from None
    if not docs:
        raise UnusableFile("empty")
    return docs


def _sections(text: str, rel: str, max_words: int) -> list[Document]:
    """The file as one document, or as sections at its headings when it is longer than max_words."""
    blocks = _blocks(text)  # [(heading or None, paragraphs)]
    if not any(paragraphs for _, paragraphs in blocks):
        raise UnusableFile("empty (no text)" if not text.strip() else "no text besides headings")
    stem = rel.rsplit(".", 1)[0]
    file_title = next((h for h, _ in blocks if h), None) or _title_from_name(Path(rel).stem)
    words = sum(len(p.split()) for _, ps in blocks for p in ps)
    if words <= max_words or len(blocks) == 1:
        body = "\n".join(p for _, ps in blocks for p in ps)
        return [Document(id=stem, title=file_title, text=body, source=rel)]
    merged: list[tuple[str | None, list[str]]] = []
    for heading, paragraphs in blocks:
        size = sum(len(p.split()) for p in merged[-1][1]) if merged else max_words
        if merged and (not paragraphs or size + sum(len(p.split()) for p in paragraphs) <= max_words // 2):
            merged[-1][1].extend(paragraphs)  # short sections join the one before
        else:
            merged.append((heading, list(paragraphs)))
    return [
        Document(id=f"{stem}#{n}", title=(heading if heading and heading != file_title else f"{file_title} ({n})"), text="\n".join(ps), source=rel)
        for n, (heading, ps) in enumerate((m for m in merged if m[1]), start=1)
    ]


def _blocks(text: str) -> list[tuple[str | None, list[str]]]:
    """Paragraphs under each heading: soft-wrapped lines joined, list items kept one per line, markup removed."""
    blocks: list[tuple[str | None, list[str]]] = [(None, [])]
    paragraph: list[str] = []

    def flush():
        if paragraph:
            blocks[-1][1].append(_plain(" ".join(paragraph)))
            paragraph.clear()

    in_fence = False
    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if stripped.startswith("```"):
            in_fence = not in_fence
            flush()
            continue
        heading = None if in_fence else _HEADING.match(stripped)
        if heading:
            flush()
            blocks.append((_plain(heading.group(2)), []))
        elif not stripped:
            flush()
        elif re.match(r"^([-*+]|\d+[.)])\s+", stripped):
            flush()
            paragraph.append(re.sub(r"^([-*+]|\d+[.)])\s+", "", stripped))
            flush()
        else:
            paragraph.append(stripped)
    flush()
    return [b for b in blocks if b[0] or b[1]]


def _plain(text: str) -> str:
    return " ".join(strip_emphasis(_LINK.sub(r"\1", text)).split())


def _title_from_name(stem: str) -> str:
    words = re.sub(r"[_\-]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else stem
