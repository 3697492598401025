"""Reading and managing the sources (transcripts) already in a project."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload, selectinload

from .cases import get_or_create_case
from .errors import NotFound
from .project import Project
from .memos import delete_notes
from .store import Coding, Source, SourceFile


# built once: the web workbench runs these on every request about a source
_SOURCE_BY_NAME = select(Source).options(joinedload(Source.case)).where(Source.name == bindparam("name"))
_SOURCE_BY_GUID = select(Source).options(joinedload(Source.case)).where(Source.guid == bindparam("guid"))


def source_by_name(session: Session, name: str) -> Source:
    """The source called ``name``. A session remembers the sources it has found, so that
    calls joined in one transaction (the reader codes a passage, then redraws it) read a
    long transcript's text from the database once."""
    found = session.info.get("sources", {})
    source = session.get(Source, found[name].id) if name in found else None  # None once deleted
    if source is None or source.name != name or source in session.deleted:
        source = session.scalar(_SOURCE_BY_NAME, {"name": name})
    if source is None:
        known = session.scalars(select(Source.name).order_by(Source.name).limit(20)).all()
        hint = f" (sources: {', '.join(known)})" if known else " (the project has no sources yet)"
        raise NotFound(f"no source named '{name}'{hint}")
    return _remember(session, source)


def _remember(session: Session, source: Source) -> Source:
    """Keep the object itself for ``source_by_name``: the session holds its objects weakly."""
    session.info.setdefault("sources", {})[source.name] = source
    return source


def _source_dict(source: Source, with_text: bool) -> dict[str, Any]:
    item: dict[str, Any] = {
        "name": source.name,
        "guid": source.guid,
        "case": source.case.name if source.case else None,
        "format": source.format,
        "encoding": source.encoding,
        "original_filename": source.original_filename,
        "sha256": source.sha256,
        "size_bytes": source.size_bytes,
        "imported_at": source.imported_at.isoformat(timespec="seconds") if source.imported_at else None,
        "anonymised_at": source.anonymised_at.isoformat(timespec="seconds") if source.anonymised_at else None,
        "characters": len(source.plain_text),
        "words": len(source.plain_text.split()),
        "speakers": sorted({t.speaker for t in source.turns if t.speaker}),
    }
    if with_text:
        item["text"] = source.plain_text
        item["turns"] = [
            {
                "speaker": t.speaker,
                "start": t.start,
                "end": t.end,
                "time_start": t.time_start,
                "time_end": t.time_end,
            }
            for t in source.turns
        ]
    return item


def list_sources(project: Project, *, with_text: bool = True) -> list[dict[str, Any]]:
    """Every source as a plain dict (name, case, text, turns, provenance)."""
    with project.session() as s:
        sources = s.scalars(
            select(Source)
            .options(selectinload(Source.turns), selectinload(Source.case))
            .order_by(Source.name)
        ).all()
        return [_source_dict(source, with_text) for source in sources]


def get_source(project: Project, name: str) -> dict[str, Any]:
    with project.session() as s:
        return _source_dict(source_by_name(s, name), with_text=True)


def original_bytes(project: Project, name: str) -> bytes:
    """The file exactly as it was imported (for provenance checks)."""
    with project.session() as s:
        source = source_by_name(s, name)
        return s.get(SourceFile, source.id).content  # type: ignore[union-attr]


def link_case(project: Project, source_name: str, case_name: str | None) -> None:
    """Link a source to a case (created if needed), or unlink it with ``None``."""
    with project.session() as s:
        source = source_by_name(s, source_name)
        source.case = get_or_create_case(s, case_name) if case_name else None


def delete_source(project: Project, name: str) -> None:
    """Remove a source with its turns, codings and the memos on them."""
    with project.session() as s:
        source = source_by_name(s, name)
        coding_ids = list(s.scalars(select(Coding.id).where(Coding.source_id == source.id)))
        delete_notes(s, "coding", coding_ids)
        delete_notes(s, "source", [source.id])
        s.delete(source)


def name_of(project: Project, guid: str) -> str:
    """The name of the source with this GUID (the web workbench's addresses use GUIDs)."""
    with project.session() as s:
        source = s.scalar(_SOURCE_BY_GUID, {"guid": guid})
        if source is None:
            raise NotFound("no such source (it may have been deleted): go back to the list of sources")
        return _remember(s, source).name
