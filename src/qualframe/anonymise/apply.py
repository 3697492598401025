"""Applying anonymisation, and restoring the originals from the key file.

``apply`` replaces every accepted identifier with its label in all sources (and in
the free text around them: names of sources and cases, memos, summaries, codebook
examples, attributes, factors), moves codings and speaker turns with the text, and
writes everything it removed to the encrypted key file outside the project: original
texts and file bytes, real speaker names, the register and the review. Then it
compacts the database so no freed page still holds an original. ``restore`` reverses
all of it with the key.
"""

from __future__ import annotations

import base64
import re
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import select, text as sql

from ..errors import QualframeError
from ..project import BACKUP_DIR, SQLITE_NAME, Project
from ..store import (
    AnonEntity,
    AnonMention,
    Case,
    CaseValue,
    Change,
    Code,
    Coding,
    Factor,
    Note,
    ProjectInfo,
    RegisterEntry,
    Source,
    SourceFile,
    Summary,
    Turn,
)
from .keyfile import check_outside, read_key_file, write_key_file
from .review import (
    ORGANISATION_KINDS, RESERVED, TITLES, clear_review, decisions_by_entity, effective_decision, hides_entity,
    pending_entity_ids,
)
from .spans import PositionMap, invert, replace_spans

# Free-text columns that can quote or name a participant: (model, primary-key columns, column).
FREE_TEXT = (
    (Source, ("id",), "name"),
    (Source, ("id",), "original_filename"),
    (Case, ("id",), "name"),
    (Case, ("id",), "description"),
    (CaseValue, ("case_id", "variable_id"), "value"),
    (Note, ("id",), "text"),
    (Summary, ("case_id", "code_id"), "text"),
    (Code, ("id",), "definition"),
    (Code, ("id",), "example"),
    (Factor, ("id",), "label"),
    (Factor, ("id",), "description"),
    (Code, ("id",), "name"),
    (Change, ("id",), "detail"),
)
KEY_FORMAT = 1


def _distinctive_parts(type_: str, text: str) -> list[str]:
    """Parts of a name that identify on their own ("Thornton", "Wrenhallow" of "Wrenhallow
    County Council"), so that free text mentioning them alone is caught too."""
    from wordfreq import zipf_frequency

    if type_ == "ORGANISATION":
        lowered = text.casefold()
        for pattern, _ in ORGANISATION_KINDS:
            match = re.search(rf"\s(?:{pattern})$", lowered)
            if match:
                text = text[: match.start()]
                break
        else:
            return []
        parts = [text.strip()]
    elif type_ == "PERSON":
        parts = TITLES.sub("", text).split()
    else:
        return []
    return [p for p in parts if len(p) >= 3 and p[:1].isupper() and zipf_frequency(p.casefold(), "en") < 4.0]


def _effective(mention: AnonMention) -> str:
    return effective_decision(mention.decision, mention.entity.decision)


def _forms_pattern(forms: dict[str, str]) -> re.Pattern[str] | None:
    """One regex for every accepted form, longest first, as whole words, any case."""
    if not forms:
        return None
    alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?:['’]s)?(?!\w)", re.IGNORECASE)


def _label_for(match_text: str, forms: dict[str, str]) -> str:
    bare = re.sub(r"['’]s$", "", match_text)
    return forms.get(bare.casefold(), forms.get(match_text.casefold(), "[Redacted]"))


def _scrub(value: str | None, pattern: re.Pattern[str] | None, forms: dict[str, str]) -> str | None:
    if not value or pattern is None:
        return value
    return pattern.sub(lambda m: _label_for(m.group(0), forms), value)


def apply_anonymisation(
    project: Project, key_path: Path | str, passphrase: str, *, on_progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Replace accepted identifiers everywhere, move the originals into the key file."""
    key_path = Path(key_path)
    check_outside(key_path, project.root)
    key_written = False
    try:
        with project.session() as s:
            sources = {src.id: src for src in s.scalars(select(Source).where(Source.anonymised_at.is_(None)))}
            if not sources:
                raise QualframeError("every source is already anonymised; import new transcripts first")
            pending = pending_entity_ids(s)
            if pending:
                raise QualframeError(
                    f"{len(pending)} {'entity still awaits' if len(pending) == 1 else 'entities still await'} "
                    "a decision, for the whole entity or for every one of its mentions: review "
                    f"{'it' if len(pending) == 1 else 'them'} ('qualframe anonymise review', or the anonymisation "
                    "page of 'qualframe serve'), or accept every pending entity with --accept-all"
                )
            project_guid = s.get(ProjectInfo, "guid").value  # type: ignore[union-attr]
            mentions = s.scalars(select(AnonMention).where(AnonMention.source_id.in_(list(sources)))).all()
            # Every accepted form of every accepted entity, to catch mentions detection missed.
            forms: dict[str, str] = {}
            by_source: dict[int, list[AnonMention]] = {}
            for m in mentions:
                by_source.setdefault(m.source_id, []).append(m)
            for m in mentions:
                if _effective(m) == "accepted":
                    form = sources[m.source_id].plain_text[m.start:m.end]
                    forms[re.sub(r"['’]s$", "", form).casefold()] = m.entity.label
            # Entities to hide: accepted as a whole (those of earlier rounds too, whose text is
            # now their label), or decided mention by mention with some mention accepted.
            decisions = decisions_by_entity(s)
            hidden = [e for e in s.scalars(select(AnonEntity))
                      if hides_entity(e.decision, decisions.get(e.id, ("", []))[1])]
            for entity in hidden:
                forms.setdefault(entity.text.casefold(), entity.label)
                for part in _distinctive_parts(entity.type, entity.text):
                    forms.setdefault(part.casefold(), entity.label)
            pattern = _forms_pattern(forms)

            payload: dict[str, Any] = {
                "format": KEY_FORMAT,
                "project_guid": project_guid,
                "applied_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "sources": {},
                "cells": [],
                "register": [
                    {"text": r.text, "type": r.type, "variants": r.variants} for r in s.scalars(select(RegisterEntry))
                ],
                "entities": [
                    {"id": e.id, "key": e.key, "type": e.type, "text": e.text, "label": e.label, "decision": e.decision}
                    for e in s.scalars(select(AnonEntity))
                ],
                "mentions": [],
            }
            applied_at = datetime.now(timezone.utc)
            for source_id, source in sources.items():
                spans = _spans_for(source, by_source.get(source_id, []), pattern, forms)
                new_text, records = replace_spans(source.plain_text, spans)
                positions = PositionMap(records)
                turns = s.scalars(select(Turn).where(Turn.source_id == source_id).order_by(Turn.start)).all()
                file_row = s.get(SourceFile, source_id)
                payload["sources"][source.guid] = {
                    "text": source.plain_text,
                    "replacements": [list(r) for r in records],
                    "speakers": [t.speaker for t in turns],
                    "file": base64.b64encode(file_row.content).decode("ascii") if file_row else None,
                }
                for m in by_source.get(source_id, []):
                    payload["mentions"].append({"source": source.guid, "start": m.start, "end": m.end, "entity": m.entity_id,
                                                "recogniser": m.recogniser, "score": m.score, "decision": m.decision})
                for turn in turns:
                    turn.start, turn.end = positions.span(turn.start, turn.end)
                    turn.speaker = _scrub(turn.speaker, pattern, forms) or turn.speaker
                for coding in s.scalars(select(Coding).where(Coding.source_id == source_id)):
                    coding.start, coding.end = positions.span(coding.start, coding.end)
                source.plain_text = new_text
                source.anonymised_at = applied_at
                if file_row is not None:
                    s.delete(file_row)
                if on_progress:
                    on_progress(source.name)
            for model, keys, column in FREE_TEXT:
                for row in s.scalars(select(model)):
                    value = getattr(row, column)
                    scrubbed = _scrub(value, pattern, forms)
                    if scrubbed != value:
                        payload["cells"].append({"table": model.__tablename__, "key": [getattr(row, k) for k in keys],
                                                 "column": column, "value": value})
                        setattr(row, column, scrubbed)
            clear_review(s)
            # The key file is written before the transaction commits: if writing it fails,
            # nothing in the project has changed; if the commit fails, the key file goes.
            write_key_file(key_path, passphrase, project_guid, payload)
            replaced = sum(len(v["replacements"]) for v in payload["sources"].values())
            key_written = True
    except BaseException:
        if key_written:
            key_path.unlink(missing_ok=True)
        raise
    removed = _remove_backups(project)
    _compact(project)
    return {"sources": len(payload["sources"]), "replacements": replaced, "cells": len(payload["cells"]),
            "key_file": str(key_path), "backups_removed": removed}


def _spans_for(source: Source, mentions: list[AnonMention], pattern: re.Pattern[str] | None, forms: dict[str, str]) -> list[tuple[int, int, str]]:
    """Accepted mentions, plus other occurrences of accepted forms not rejected as mentions."""
    text = source.plain_text
    spans: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []
    for m in sorted(mentions, key=lambda m: m.start):
        taken.append((m.start, m.end))
        if _effective(m) == "accepted":
            spans.append((m.start, m.end, m.entity.label))
    if pattern is not None:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(a < end and start < b for a, b in taken):
                continue
            spans.append((start, end, _label_for(match.group(0), forms)))
            taken.append((start, end))
    return sorted(spans)


def _compact(project: Project) -> None:
    """Leave no freed page or log holding an original (SQLite), or reclaim space (PostgreSQL)."""
    if project.is_sqlite:
        # VACUUM rewrites the database through the write-ahead log; the TRUNCATE checkpoint
        # then copies it back and empties the log, which cannot happen while another
        # connection is part-way through reading, so wait for readers to finish
        deadline = time.monotonic() + 10
        with project.engine.connect() as connection:
            connection.exec_driver_sql("VACUUM")
            while connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()[0]:
                if time.monotonic() > deadline:
                    raise QualframeError(
                        "the originals are replaced, but the database's write-ahead log "
                        f"({SQLITE_NAME}-wal) may still hold some of them because another program kept "
                        "reading the project: close every other program using it (such as 'qualframe "
                        "serve'); the log is emptied when the last one closes"
                    )
                time.sleep(0.05)
        project.engine.dispose()
    else:
        with project.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in ("sources", "source_files", "turns", "notes", "summaries", "cases", "case_values",
                          "codes", "factors", "anon_entities", "anon_mentions", "anon_register"):
                connection.execute(sql(f"VACUUM FULL {table}"))


def _remove_backups(project: Project) -> int:
    """Backups made before anonymisation hold the originals: the key file replaces them."""
    folder = project.root / BACKUP_DIR
    if not folder.is_dir():
        return 0
    count = len(list(folder.iterdir()))
    shutil.rmtree(folder)
    return count


def restore_anonymisation(project: Project, key_path: Path | str, passphrase: str) -> dict[str, Any]:
    """Put the original texts, names and files back, from the key file."""
    key_path = Path(key_path)
    with project.session() as s:
        project_guid = s.get(ProjectInfo, "guid").value  # type: ignore[union-attr]
        payload = read_key_file(key_path, passphrase, project_guid)
        sources = {src.guid: src for src in s.scalars(select(Source)) if src.anonymised_at is not None}
        if not any(guid in sources for guid in payload["sources"]):
            raise QualframeError(f"{key_path.name}: none of its sources is anonymised in this project; nothing to restore")
        restored = 0
        for guid, saved in payload["sources"].items():
            source = sources.get(guid)
            if source is None:
                continue  # deleted since anonymisation
            back = PositionMap(invert([tuple(r) for r in saved["replacements"]]))
            for coding in s.scalars(select(Coding).where(Coding.source_id == source.id)):
                coding.start, coding.end = back.span(coding.start, coding.end)
            turns = s.scalars(select(Turn).where(Turn.source_id == source.id).order_by(Turn.start)).all()
            for turn, speaker in zip(turns, saved["speakers"]):
                turn.start, turn.end = back.span(turn.start, turn.end)
                turn.speaker = speaker
            source.plain_text = saved["text"]
            source.anonymised_at = None
            if saved.get("file") is not None and s.get(SourceFile, source.id) is None:
                s.add(SourceFile(source_id=source.id, content=base64.b64decode(saved["file"])))
            restored += 1
        models = {model.__tablename__: model for model, _, _ in FREE_TEXT}
        for cell in payload["cells"]:
            model = models[cell["table"]]
            row = s.get(model, tuple(cell["key"]) if len(cell["key"]) > 1 else cell["key"][0])
            if row is not None:
                setattr(row, cell["column"], cell["value"])
        for entry in payload["register"]:
            s.add(RegisterEntry(text=entry["text"], type=entry["type"], variants=entry["variants"]))
        ids = {}
        for e in payload["entities"]:
            reserved = s.scalar(select(AnonEntity).where(AnonEntity.key == f"{RESERVED}{e['id']}"))
            if reserved is not None:
                s.delete(reserved)
                s.flush()
            entity = AnonEntity(key=e["key"], type=e["type"], text=e["text"], label=e["label"], decision=e["decision"])
            s.add(entity)
            s.flush()
            ids[e["id"]] = entity.id
        for m in payload["mentions"]:
            source = sources.get(m["source"])
            if source is not None and m["entity"] in ids:
                s.add(AnonMention(source_id=source.id, entity_id=ids[m["entity"]], start=m["start"], end=m["end"],
                                  recogniser=m["recogniser"], score=m["score"], decision=m["decision"]))
    return {"sources": restored, "cells": len(payload["cells"])}


def labels_from_key(project: Project, key_path: Path | str, passphrase: str) -> dict[str, str]:
    """Entity key -> label of an earlier round, to reuse those labels in a later one."""
    with project.session() as s:
        project_guid = s.get(ProjectInfo, "guid").value  # type: ignore[union-attr]
    payload = read_key_file(Path(key_path), passphrase, project_guid)
    mention_decisions: dict[int, list[str]] = {}
    for m in payload["mentions"]:
        mention_decisions.setdefault(m["entity"], []).append(m["decision"])
    return {e["key"]: e["label"] for e in payload["entities"]
            if hides_entity(e["decision"], mention_decisions.get(e["id"], []))}
