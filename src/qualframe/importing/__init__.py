"""Import stage: read transcript files and store them as sources with speaker turns.

Each file is read and parsed completely before anything is written, and stored in a
transaction of its own, so a bad file never leaves a half-written source and never
stops the good ones.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from sqlalchemy import insert, select

from ..cases import get_or_create_case
from ..errors import ImportRefused, QualframeError
from ..project import Project
from ..store import Source, SourceFile, Turn
from .readers import DEFAULT_MAX_BYTES, SUPPORTED_SUFFIXES, Transcript, read_transcript

__all__ = [
    "DEFAULT_MAX_BYTES",
    "SUPPORTED_SUFFIXES",
    "ImportReport",
    "import_files",
    "import_file",
    "read_transcript",
]


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)  # source names
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)

    @property
    def ok(self) -> bool:
        return not self.failed


def import_files(
    project: Project,
    paths: Iterable[Path | str],
    *,
    case: str | None = None,
    case_from_filename: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_progress: Callable[[Path], None] | None = None,
) -> ImportReport:
    """Import every file it can; report the ones it refused and why."""
    if case and case_from_filename:
        raise QualframeError("give either a case name or --case-from-filename, not both")
    report = ImportReport()
    for raw in paths:
        path = Path(raw)
        try:
            name = import_file(
                project,
                path,
                case=path.stem if case_from_filename else case,
                max_bytes=max_bytes,
            )
            report.imported.append(name)
        except ImportRefused as exc:
            report.failed.append((exc.filename, exc.reason))
        if on_progress:
            on_progress(path)
    return report


def import_file(
    project: Project,
    path: Path | str,
    *,
    case: str | None = None,
    name: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> str:
    """Import one file as a source named after its stem; returns the source's name."""
    path = Path(path)
    transcript, original = read_transcript(path, max_bytes=max_bytes)
    name = name or path.stem
    digest = hashlib.sha256(original).hexdigest()
    with project.session() as s:
        if s.scalar(select(Source.id).where(Source.name == name)) is not None:
            raise ImportRefused(path.name, f"a source named '{name}' is already in the project")
        same = s.scalar(select(Source.name).where(Source.sha256 == digest))
        if same is not None:
            raise ImportRefused(path.name, f"the same file is already imported as source '{same}'")
        case_id = get_or_create_case(s, case).id if case else None
        source = Source(
            name=name,
            plain_text=transcript.text,
            format=transcript.format,
            encoding=transcript.encoding,
            original_filename=path.name,
            sha256=digest,
            size_bytes=len(original),
            case_id=case_id,
        )
        s.add(source)
        s.flush()
        s.add(SourceFile(source_id=source.id, content=original))
        _insert_turns(s, source.id, transcript)
    return name


def _insert_turns(session, source_id: int, transcript: Transcript) -> None:  # type: ignore[no-untyped-def]
    rows = [
        {
            "source_id": source_id,
            "speaker": turn.speaker,
            "start": turn.start,
            "end": turn.end,
            "time_start": turn.time_start,
            "time_end": turn.time_end,
        }
        for turn in transcript.turns
    ]
    if rows:
        session.execute(insert(Turn), rows)

