"""Coding: attaching codes to exact spans of a source's plain text, by a named coder."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from sqlalchemy import and_, bindparam, func, insert, select
from sqlalchemy.orm import Session, joinedload

from .codebook import code_by_path, code_paths, code_tree, join_path, split_path
from .errors import InvalidInput, NotFound
from .memos import add_note, delete_notes
from .project import Project, get_or_create_user
from .sources import source_by_name
from .store import Coding, Note, Source, Turn, User, new_guid, utcnow
from .tabular import cell_text, column_index, read_table, write_csv

CODINGS_COLUMNS = ("source", "start", "end", "code", "coder", "memo")
_QUOTE_MARKS = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


@dataclass
class Match:
    start: int
    end: int
    context: str


def in_context(text: str, start: int, end: int, width: int = 40) -> str:
    """A span with the words around it, for choosing between places in a transcript."""
    before = text[max(0, start - width) : start].replace("\n", " ")
    after = text[end : end + width].replace("\n", " ")
    return f"…{before}[{text[start:end]}]{after}…"


def _loose_matches(text: str, quote: str, flags: int = 0) -> list[tuple[int, int]]:
    """Matches that may differ in white space and in curly versus straight quotation marks."""
    pattern = r"\s+".join(re.escape(word) for word in quote.translate(_QUOTE_MARKS).split())
    folded = text.translate(_QUOTE_MARKS)  # same length: offsets still point into text
    return [(m.start(), m.end()) for m in re.finditer(pattern, folded, flags)]


def find_quote(text: str, quote: str) -> list[Match]:
    """Every place ``quote`` occurs in ``text``.

    Exact matches first; failing those, matches that differ only in white space
    (line breaks) or in curly versus straight quotation marks, as copied from Word.
    """
    quote = quote.strip()
    if not quote:
        raise InvalidInput("the quote is empty")
    spans = []
    at = text.find(quote)
    while at != -1:
        spans.append((at, at + len(quote)))
        at = text.find(quote, at + 1)
    if not spans:
        spans = _loose_matches(text, quote)
    return [Match(s, e, in_context(text, s, e)) for s, e in spans]


def locate_quote(text: str, quote: str, source_name: str) -> tuple[int, int]:
    """The single span of ``quote``; an error listing candidates if it is missing or ambiguous."""
    matches = find_quote(text, quote)
    if len(matches) == 1:
        return matches[0].start, matches[0].end
    if not matches:
        loose = [Match(s, e, in_context(text, s, e)) for s, e in _loose_matches(text, quote, re.IGNORECASE)[:5]]
        hint = "".join(f"\n  {m.start}-{m.end}: {m.context}" for m in loose)
        hint = f"; similar text (different capitals):{hint}" if loose else ""
        raise NotFound(f"quote not found in source '{source_name}'{hint}")
    listing = "".join(f"\n  --start {m.start} --end {m.end}: {m.context}" for m in matches[:10])
    more = f"\n  … and {len(matches) - 10} more" if len(matches) > 10 else ""
    raise InvalidInput(
        f"quote occurs {len(matches)} times in source '{source_name}'; quote more words, "
        f"or give --start/--end:{listing}{more}"
    )


def check_span(source_name: str, length: int, start: int, end: int) -> None:
    if not (0 <= start < end <= length):
        raise InvalidInput(
            f"span {start}-{end} is not inside source '{source_name}' "
            f"(its text has {length} characters; start < end, end exclusive)"
        )


_NEW_CODING = insert(Coding).returning(Coding.id)
_SAME_CODING = select(Coding).where(
    Coding.source_id == bindparam("source_id"),
    Coding.start == bindparam("start"),
    Coding.end == bindparam("end"),
    Coding.code_id == bindparam("code_id"),
    Coding.coder_id == bindparam("coder_id"),
)


def _add_coding(
    session: Session, source: Source, start: int, end: int, code_path_: str, coder: str, memo: str | None
) -> Coding:
    check_span(source.name, len(source.plain_text), start, end)
    code = code_by_path(session, code_path_)
    user = get_or_create_user(session, coder)
    existing = session.scalar(
        _SAME_CODING, {"source_id": source.id, "start": start, "end": end, "code_id": code.id, "coder_id": user.id}
    )
    coding = existing
    if coding is None:
        # one INSERT statement rather than the ORM's unit of work: coding in the reader
        # does this on every click
        values = {"guid": new_guid(), "source_id": source.id, "start": start, "end": end, "code_id": code.id,
                  "coder_id": user.id, "created_at": utcnow()}
        coding_id = session.execute(_NEW_CODING, values).scalar_one()
        coding = Coding(id=coding_id, **values)
    if memo:
        add_note(session, "coding", coding.id, memo, author=user)
    return coding


def code_text(
    project: Project,
    source: str,
    code: str,
    *,
    quote: str | None = None,
    start: int | None = None,
    end: int | None = None,
    coder: str,
    memo: str | None = None,
) -> dict[str, Any]:
    """Code a quote (found exactly once) or an explicit start/end span of a source."""
    if (quote is None) == (start is None or end is None):
        raise InvalidInput("give either a quote or both start and end")
    with project.session() as s:
        src = source_by_name(s, source)
        if quote is not None:
            start, end = locate_quote(src.plain_text, quote, src.name)
        assert start is not None and end is not None
        coding = _add_coding(s, src, start, end, code, coder, memo)
        return _coding_dict(coding, src, join_path(split_path(code)), coder.strip(), memo)


def uncode(project: Project, source: str, start: int, end: int, code: str, coder: str | None = None) -> int:
    """Remove the codings of ``code`` on exactly that span (of one coder, or all); returns how many."""
    with project.session() as s:
        src = source_by_name(s, source)
        target = code_by_path(s, code)
        query = select(Coding).where(
            Coding.source_id == src.id, Coding.start == start, Coding.end == end, Coding.code_id == target.id
        )
        rows = [c for c in s.scalars(query) if coder is None or c.coder.name == coder]
        if not rows:
            raise NotFound(f"no coding of '{code}' at {start}-{end} in source '{source}'")
        for row in rows:
            s.delete(row)
        return len(rows)


def speaker_at(turns: Sequence[Any], starts: list[int], position: int) -> str | None:
    """The speaker whose turn contains ``position`` (turns sorted by start)."""
    i = bisect.bisect_right(starts, position) - 1
    if i >= 0 and turns[i].start <= position < max(turns[i].end, turns[i].start + 1):
        return turns[i].speaker or None
    return None


def _coding_dict(coding: Coding, source: Source, path: str, coder: str, memo: str | None) -> dict[str, Any]:
    """``path`` and ``coder``: what the caller has just found the code and the coder by."""
    return {
        "guid": coding.guid,
        "source": source.name,
        "case": source.case.name if source.case else None,
        "start": coding.start,
        "end": coding.end,
        "code": path,
        "coder": coder,
        "text": source.plain_text[coding.start : coding.end],
        "memo": memo,
        "created_at": coding.created_at.isoformat(timespec="seconds") if coding.created_at else None,
    }


def list_codings(
    project: Project, *, source: str | None = None, code: str | None = None, coder: str | None = None
) -> list[dict[str, Any]]:
    """Codings with their text, speaker, code path and memo; filters narrow the list."""
    with project.session() as s:
        query = select(Coding).options(joinedload(Coding.code), joinedload(Coding.coder))
        if source:
            query = query.where(Coding.source_id == source_by_name(s, source).id)
        if code:
            query = query.where(Coding.code_id == code_by_path(s, code).id)
        rows = s.scalars(query).all()
        if coder:
            rows = [c for c in rows if c.coder.name == coder]
        paths = {c.id: p for c, p, _ in code_tree(s)}
        sources = {
            src.id: src
            for src in s.scalars(
                select(Source).options(joinedload(Source.case)).where(Source.id.in_({c.source_id for c in rows}))
            ).unique()
        }
        memos = _coding_memos(s)
        turns = _turns_by_source(s, list(sources))
        result = []
        for c in sorted(rows, key=lambda c: (sources[c.source_id].name, c.start, c.end, paths[c.code_id])):
            src = sources[c.source_id]
            source_turns, starts = turns.get(src.id, ([], []))
            result.append(
                {
                    "guid": c.guid,
                    "source": src.name,
                    "case": src.case.name if src.case else None,
                    "start": c.start,
                    "end": c.end,
                    "code": paths[c.code_id],
                    "coder": c.coder.name,
                    "speaker": speaker_at(source_turns, starts, c.start),
                    "text": src.plain_text[c.start : c.end],
                    "memo": memos.get(c.id),
                    "created_at": c.created_at.isoformat(timespec="seconds") if c.created_at else None,
                }
            )
        return result


def _coding_memos(session: Session) -> dict[int, str]:
    memos: dict[int, str] = {}
    for note in session.scalars(select(Note).where(Note.target_type == "coding").order_by(Note.id)):
        assert note.target_id is not None
        memos[note.target_id] = f"{memos[note.target_id]}\n\n{note.text}" if note.target_id in memos else note.text
    return memos


def _turns_by_source(session: Session, source_ids: list[int]) -> dict[int, tuple[list[Turn], list[int]]]:
    grouped: dict[int, list[Turn]] = {}
    for turn in session.scalars(select(Turn).where(Turn.source_id.in_(source_ids)).order_by(Turn.source_id, Turn.start)):
        grouped.setdefault(turn.source_id, []).append(turn)
    return {sid: (ts, [t.start for t in ts]) for sid, ts in grouped.items()}


def import_codings(project: Project, path: Path | str, *, default_coder: str) -> dict[str, int]:
    """Add codings from a CSV/XLSX with columns source,start,end,code[,coder,memo]; all or nothing.

    Rows that repeat a coding already in the project are skipped (and counted), so
    importing the same file twice changes nothing. Every row is checked before any
    is written, and the new codings go in as one batch.
    """
    path = Path(path)
    header, rows = read_table(path)
    index = column_index(header, path.name, ["source", "start", "end", "code"])
    with project.session() as s:
        sources = {name: (sid, length) for sid, name, length in s.execute(
            select(Source.id, Source.name, func.length(Source.plain_text))
        )}
        codes = {p: code.id for code, p, _ in code_tree(s)}
        coders: dict[str, int] = {}
        seen = {tuple(key) for key in s.execute(
            select(Coding.source_id, Coding.start, Coding.end, Coding.code_id, Coding.coder_id)
        )}
        new_rows: list[dict[str, Any]] = []
        memos: dict[str, tuple[str, int]] = {}  # coding guid -> (memo, author id)
        skipped = 0
        for number, row in enumerate(rows, start=2):
            where = f"{path.name}, row {number}"
            name = cell_text(row[index["source"]])
            if name not in sources:
                raise NotFound(f"{where}: no source named '{name}'")
            source_id, length = sources[name]
            try:
                start, end = int(cell_text(row[index["start"]])), int(cell_text(row[index["end"]]))
            except ValueError:
                raise InvalidInput(f"{where}: start and end must be whole numbers") from None
            raw_code = cell_text(row[index["code"]])
            try:
                check_span(name, length, start, end)
                code_id = codes.get(join_path(split_path(raw_code))) or code_by_path(s, raw_code).id
            except (NotFound, InvalidInput) as exc:
                raise type(exc)(f"{where}: {exc}") from None
            coder = (cell_text(row[index["coder"]]) if "coder" in index else "") or default_coder
            if coder not in coders:
                coders[coder] = get_or_create_user(s, coder).id
            key = (source_id, start, end, code_id, coders[coder])
            if key in seen:
                skipped += 1
                continue
            seen.add(key)
            guid = new_guid()
            new_rows.append({
                "guid": guid, "source_id": source_id, "start": start, "end": end,
                "code_id": code_id, "coder_id": coders[coder], "created_at": utcnow(),
            })
            memo = cell_text(row[index["memo"]]) if "memo" in index else ""
            if memo:
                memos[guid] = (memo, coders[coder])
        if new_rows:
            s.execute(insert(Coding), new_rows)
        if memos:
            ids = dict(s.execute(select(Coding.guid, Coding.id).where(Coding.guid.in_(list(memos)))).all())
            s.execute(insert(Note), [
                {"guid": new_guid(), "target_type": "coding", "target_id": ids[guid], "text": memo,
                 "author_id": author, "created_at": utcnow()}
                for guid, (memo, author) in memos.items()
            ])
    return {"added": len(new_rows), "skipped": skipped}


def export_codings(project: Project, path: Path | str) -> int:
    """Write every coding as CSV with columns source,start,end,code,coder,memo (plus text, speaker)."""
    rows = list_codings(project)
    write_csv(
        path,
        [*CODINGS_COLUMNS, "case", "speaker", "text"],
        ([r["source"], r["start"], r["end"], r["code"], r["coder"], r["memo"] or "", r["case"] or "", r["speaker"] or "", r["text"]] for r in rows),
    )
    return len(rows)


# --- working on one coding (the web reader names codings by GUID) ----------------------


def _coding_by_guid(session: Session, guid: str) -> Coding:
    coding = session.scalar(select(Coding).where(Coding.guid == guid))
    if coding is None:
        raise NotFound("that coding no longer exists (someone may have removed it): reload the transcript")
    return coding


def remove_coding(project: Project, guid: str) -> dict[str, int]:
    """Remove one coding and its memos; returns the span it covered."""
    with project.session() as s:
        coding = _coding_by_guid(s, guid)
        span = {"start": coding.start, "end": coding.end}
        delete_notes(s, "coding", [coding.id])
        s.delete(coding)
        return span


def recode(project: Project, guid: str, code: str) -> dict[str, int]:
    """Move one coding to another code, keeping its span, coder and memos."""
    with project.session() as s:
        coding = _coding_by_guid(s, guid)
        target = code_by_path(s, code)
        clash = s.scalar(
            select(Coding.id).where(
                Coding.source_id == coding.source_id, Coding.start == coding.start, Coding.end == coding.end,
                Coding.code_id == target.id, Coding.coder_id == coding.coder_id, Coding.id != coding.id,
            )
        )
        if clash is not None:
            raise InvalidInput(f"this passage is already coded '{code}' by the same coder")
        coding.code_id = target.id
        return {"start": coding.start, "end": coding.end}


def memo_on_coding(project: Project, guid: str, text: str, *, author: str) -> dict[str, int]:
    """Add a memo to one coding."""
    with project.session() as s:
        coding = _coding_by_guid(s, guid)
        add_note(s, "coding", coding.id, text, author=get_or_create_user(s, author))
        return {"start": coding.start, "end": coding.end}


def passage_extent(turns: Sequence[tuple[int, int]], length: int, span: tuple[int, int]) -> tuple[int, int]:
    """The stretch of text a change at ``span`` touches, as a reader lays it out.

    Each end is widened to the whole turn it falls in or, between turns, to the whole
    gap (from the end of one turn to the start of the next), so that a part of the page
    laid out from the extent alone is the same as that part of the whole page.
    ``turns`` are (start, end) pairs sorted by start.
    """
    starts = [start for start, _ in turns]

    def widen(position: int, upwards: bool) -> int:
        i = bisect.bisect_right(starts, position) - 1
        if i >= 0 and turns[i][0] <= position < turns[i][1]:
            return turns[i][1] if upwards else turns[i][0]
        if upwards:
            return turns[i + 1][0] if i + 1 < len(turns) else length
        return max((end for _, end in turns[: i + 1]), default=0)

    return widen(span[0], upwards=False), max(widen(max(span[1] - 1, span[0]), upwards=True), span[1])


# The reader's queries, built once: it runs them on every coding, and building a
# statement costs SQLAlchemy more than running it.
_CODING_COUNT = select(func.count(Coding.id)).where(Coding.source_id == bindparam("source_id"))
_TURN_STARTS = select(Turn.start).where(Turn.source_id == bindparam("source_id"))
# from the last turn starting at or before ``low`` to the first starting at or after ``high``
_READER_TURNS = (
    select(Turn.speaker, Turn.start, Turn.end, Turn.time_start)
    .where(
        Turn.source_id == bindparam("source_id"),
        Turn.start >= func.coalesce(_TURN_STARTS.where(Turn.start <= bindparam("low"))
                                    .with_only_columns(func.max(Turn.start)).scalar_subquery(), 0),
        Turn.start <= func.coalesce(_TURN_STARTS.where(Turn.start >= bindparam("high"))
                                    .with_only_columns(func.min(Turn.start)).scalar_subquery(), bindparam("length")),
    )
    .order_by(Turn.start)
)
# each coding with its memos, one row per memo (a coding without one: a row with None)
_READER_CODINGS = (
    select(Coding.id, Coding.guid, Coding.start, Coding.end, Coding.code_id, User.name, Note.text.label("memo"))
    .join(User, User.id == Coding.coder_id)
    .outerjoin(Note, and_(Note.target_type == "coding", Note.target_id == Coding.id))
    .where(Coding.source_id == bindparam("source_id"), Coding.end > bindparam("low"), Coding.start < bindparam("high"))
    .order_by(Coding.start, Coding.end, Coding.id, Note.id)
)


def transcript(project: Project, source: str, *, around: tuple[int, int] | None = None) -> dict[str, Any]:
    """A source as a reader shows it: text, turns, and its codings with code path and colour.

    With ``around``, only the part a change at that span touched (for redrawing part of a
    page): ``extent`` says where that part starts and ends (see ``passage_extent``), and
    ``turns`` and ``codings`` hold only what lies in it, plus the turn that follows it.
    """
    with project.session() as s:
        src = source_by_name(s, source)
        length = len(src.plain_text)
        low, high = around or (0, length)
        turn_rows = s.execute(_READER_TURNS, {"source_id": src.id, "low": low, "high": high, "length": length}).all()
        extent = (0, length)
        if around is not None:
            extent = passage_extent([(t.start, t.end) for t in turn_rows], length, around)
            following = [t for t in turn_rows if t.start >= extent[1]][:1]
            turn_rows = [t for t in turn_rows if t.end > extent[0] and t.start < extent[1]] + following
        codings: dict[int, dict[str, Any]] = {}  # in the query's order
        paths = code_paths(s)
        for r in s.execute(_READER_CODINGS, {"source_id": src.id, "low": extent[0], "high": extent[1]}):
            if r.id not in codings:
                codings[r.id] = {"guid": r.guid, "start": r.start, "end": r.end, "code": paths[r.code_id][0],
                                 "colour": paths[r.code_id][1], "coder": r.name, "memos": []}
            if r.memo is not None:
                codings[r.id]["memos"].append(r.memo)
        return {
            "name": src.name,
            "guid": src.guid,
            "coding_count": s.scalar(_CODING_COUNT, {"source_id": src.id}),
            "case": src.case.name if src.case else None,
            "anonymised": src.anonymised_at is not None,
            "text": src.plain_text,
            "extent": extent,
            "turns": [{"speaker": speaker, "start": start, "end": end, "time": time}
                      for speaker, start, end, time in turn_rows],
            "codings": list(codings.values()),
        }
