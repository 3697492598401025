"""The codebook: a tree of codes with definitions, kept as the study's analytic framework.

Codes are named by their path, ``Theme/Code``. Deductive codes come from the topic
guide (``codes_from_guide``) or from a framework; inductive ones are added while reading.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable

import yaml
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from .errors import InvalidInput, NotFound
from .project import Project
from .memos import delete_notes
from .store import CODE_ORIGINS, Code, Coding, Note, Summary, bump_version
from .tabular import cell_text, column_index, read_table, write_csv

CODE_FIELDS = ("definition", "inclusion", "exclusion", "example", "colour", "origin")
# Tableau 10: distinct, colour-blind-aware defaults for codes without a colour.
PALETTE = (
    "#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F",
    "#EDC948", "#B07AA1", "#FF9DA7", "#9C755F", "#BAB0AC",
)
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def split_path(path: str) -> list[str]:
    """``"Funding / Short-term"`` -> ``["Funding", "Short-term"]``; empty parts are an error."""
    parts = [part.strip() for part in str(path).split("/")]
    if not parts or any(not part for part in parts):
        raise InvalidInput(f"code path '{path}' is not valid (use Parent/Child, no empty names)")
    return parts


def join_path(parts: Iterable[str]) -> str:
    return "/".join(parts)


def code_path(code: Code) -> str:
    parts = []
    node: Code | None = code
    while node is not None:
        parts.append(node.name)
        node = node.parent
    return join_path(reversed(parts))


# built once: adding a code (with its parents) walks its path with one of these per level
_TOP_CODE = select(Code).where(Code.parent_id.is_(None), Code.name == bindparam("name"))
_CHILD_CODE = select(Code).where(Code.parent_id == bindparam("parent_id"), Code.name == bindparam("name"))


def _child(session: Session, parent_id: int | None, name: str) -> Code | None:
    if parent_id is None:
        return session.scalar(_TOP_CODE, {"name": name})
    return session.scalar(_CHILD_CODE, {"parent_id": parent_id, "name": name})


# the codes bearing any of a path's names: one query, however deep the path
_CODES_NAMED = select(Code).where(Code.name.in_(bindparam("names", expanding=True)))


def find_code(session: Session, path: str) -> Code | None:
    names = split_path(path)
    named = session.scalars(_CODES_NAMED, {"names": sorted(set(names))}).all()
    found: Code | None = None
    for name in names:
        parent_id = found.id if found else None
        found = next((c for c in named if c.parent_id == parent_id and c.name == name), None)
        if found is None:
            return None
    return found


def code_by_path(session: Session, path: str) -> Code:
    code = find_code(session, path)
    if code is None:
        wanted = split_path(path)[-1].lower()
        similar = [
            code_path(c)
            for c in session.scalars(select(Code))
            if wanted in c.name.lower() or c.name.lower() in wanted
        ][:5]
        hint = f" (did you mean: {', '.join(similar)}?)" if similar else ""
        raise NotFound(f"no code '{path}' in the codebook{hint}")
    return code


def code_by_guid(session: Session, guid: str) -> Code:
    code = session.scalar(select(Code).where(Code.guid == guid))
    if code is None:
        raise NotFound("no such code (it may have been merged or deleted): go back to the codebook")
    return code


def path_of(project: Project, guid: str) -> str:
    """The current path of the code with this GUID (the web workbench's addresses use GUIDs)."""
    with project.session() as s:
        return code_path(code_by_guid(s, guid))


def _check_fields(fields: dict[str, Any], where: str) -> dict[str, str]:
    clean: dict[str, str] = {}
    for key, value in fields.items():
        if key not in CODE_FIELDS:
            raise InvalidInput(f"{where}: unknown code field '{key}' (fields: {', '.join(CODE_FIELDS)})")
        if value is None:
            continue
        text = cell_text(value)
        if key == "origin":
            text = text.lower()
            if text not in CODE_ORIGINS:
                raise InvalidInput(f"{where}: origin '{value}' must be deductive or inductive")
        if key == "colour" and text and not _COLOUR.match(text):
            raise InvalidInput(f"{where}: colour '{value}' must be a hex colour like #4E79A7")
        clean[key] = text
    return clean


def _next_position(session: Session, parent_id: int | None) -> int:
    condition = Code.parent_id.is_(None) if parent_id is None else Code.parent_id == parent_id
    return session.scalar(select(func.count(Code.id)).where(condition)) or 0


def _default_colour(session: Session) -> str:
    return PALETTE[(session.scalar(select(func.count(Code.id))) or 0) % len(PALETTE)]


def _ensure_code(session: Session, path: str, fields: dict[str, str], create_parents: bool) -> tuple[Code, bool]:
    """Create the code at ``path`` or update its fields; returns (code, created)."""
    parts = split_path(path)
    parent: Code | None = None
    for depth, name in enumerate(parts):
        found = _child(session, parent.id if parent else None, name)
        last = depth == len(parts) - 1
        if found is None:
            if not last and not create_parents:
                raise NotFound(f"cannot add '{path}': its parent '{join_path(parts[: depth + 1])}' does not exist")
            found = Code(
                name=name,
                parent_id=parent.id if parent else None,
                position=_next_position(session, parent.id if parent else None),
                colour=_default_colour(session),
                origin="inductive",
            )
            if last:
                for key, value in fields.items():
                    setattr(found, key, value)
                if not found.colour:
                    found.colour = _default_colour(session)
            session.add(found)
            session.flush()
            if last:
                return found, True
        elif last:
            for key, value in fields.items():
                setattr(found, key, value)
            return found, False
        parent = found
    raise AssertionError("unreachable")


def add_code(project: Project, path: str, *, create_parents: bool = False, **fields: Any) -> dict[str, Any]:
    """Add a code at ``path`` (its parent must exist unless ``create_parents``)."""
    with project.session() as s:
        if find_code(s, path) is not None:
            raise InvalidInput(f"code '{path}' already exists")
        code, _ = _ensure_code(s, path, _check_fields(fields, f"code '{path}'"), create_parents)
        return _code_dict(code, code_path(code), 0)


def update_code(
    project: Project,
    path: str,
    *,
    rename: str | None = None,
    move_to: str | None = None,
    expected_version: int | None = None,
    **fields: Any,
) -> str:
    """Edit a code's fields, rename it, or move it under another parent ("" = top level).

    ``expected_version`` is the version the editor saw (None: no check, as in the CLI);
    if someone else changed the code since, ``Conflict`` is raised and nothing is saved.
    Returns the code's new path.
    """
    with project.session() as s:
        code = code_by_path(s, path)
        bump_version(s, code, expected_version, f"code '{path}'")
        for key, value in _check_fields(fields, f"code '{path}'").items():
            setattr(code, key, value)
        if move_to is not None:
            new_parent = code_by_path(s, move_to) if move_to.strip() else None
            node = new_parent
            while node is not None:
                if node.id == code.id:
                    raise InvalidInput(f"cannot move '{path}' under itself ('{move_to}')")
                node = node.parent
            code.parent = new_parent
            code.position = _next_position(s, new_parent.id if new_parent else None)
        if rename is not None:
            rename = rename.strip()
            if not rename or "/" in rename:
                raise InvalidInput(f"new name '{rename}' must be non-empty and contain no '/'")
            code.name = rename
        s.flush()
        siblings = s.scalars(
            select(Code).where(
                Code.parent_id.is_(None) if code.parent_id is None else Code.parent_id == code.parent_id,
                Code.name == code.name,
                Code.id != code.id,
            )
        ).first()
        if siblings is not None:
            raise InvalidInput(f"a code '{code_path(code)}' already exists")
        return code_path(code)


def delete_code(project: Project, path: str, *, force: bool = False, expected_version: int | None = None) -> None:
    """Delete a code and its children; refuses if codings would be lost, unless ``force``.

    With ``expected_version``, refuses (``Conflict``) if the code changed since the
    person deleting it saw it.
    """
    with project.session() as s:
        code = code_by_path(s, path)
        bump_version(s, code, expected_version, f"code '{path}'")
        ids = _subtree_ids(s, code)
        used = s.scalar(select(func.count(Coding.id)).where(Coding.code_id.in_(ids))) or 0
        if used and not force:
            raise InvalidInput(
                f"code '{path}' and its children have {used} coding(s); merge them into another "
                "code first, or delete with --force to remove the codings too"
            )
        coding_ids = list(s.scalars(select(Coding.id).where(Coding.code_id.in_(ids))))
        delete_notes(s, "coding", coding_ids)
        delete_notes(s, "code", ids)
        s.delete(code)
        s.flush()
        for stale in s.scalars(select(Code).where(Code.id.in_(ids))):
            s.delete(stale)


def merge_codes(project: Project, path: str, into: str, *, expected_version: int | None = None) -> int:
    """Move every coding of ``path`` to ``into`` and delete ``path``; returns codings moved.

    With ``expected_version`` (of ``path``), refuses (``Conflict``) if that code changed
    since the person merging it saw it.
    """
    with project.session() as s:
        source, target = code_by_path(s, path), code_by_path(s, into)
        if source.id == target.id:
            raise InvalidInput("cannot merge a code into itself")
        bump_version(s, source, expected_version, f"code '{path}'")
        if s.scalar(select(func.count(Code.id)).where(Code.parent_id == source.id)):
            raise InvalidInput(f"code '{path}' has child codes; move or merge them first")
        moved = 0
        for coding in s.scalars(select(Coding).where(Coding.code_id == source.id)).all():
            duplicate = s.scalar(
                select(Coding.id).where(
                    Coding.source_id == coding.source_id,
                    Coding.start == coding.start,
                    Coding.end == coding.end,
                    Coding.code_id == target.id,
                    Coding.coder_id == coding.coder_id,
                )
            )
            if duplicate is None:
                coding.code_id = target.id
                moved += 1
            else:
                s.delete(coding)
        for summary in s.scalars(select(Summary).where(Summary.code_id == source.id)).all():
            existing = s.get(Summary, (summary.case_id, target.id))
            if not summary.text:  # a cleared cell: nothing to carry over
                pass
            elif existing is None:
                s.add(Summary(case_id=summary.case_id, code_id=target.id, text=summary.text, author_id=summary.author_id))
            else:
                existing.text = f"{existing.text}\n\n{summary.text}".strip()
            s.delete(summary)
        s.flush()
        for note in s.scalars(select(Note).where(Note.target_type == "code", Note.target_id == source.id)):
            note.target_id = target.id
        s.delete(source)
        return moved


def _subtree_ids(session: Session, code: Code) -> list[int]:
    ids, frontier = [code.id], [code.id]
    while frontier:
        frontier = list(session.scalars(select(Code.id).where(Code.parent_id.in_(frontier))))
        ids.extend(frontier)
    return ids


def _code_dict(code: Code, path: str, depth: int) -> dict[str, Any]:
    return {
        "path": path,
        "name": code.name,
        "guid": code.guid,
        "depth": depth,
        "version": code.version,
        **{key: getattr(code, key) for key in CODE_FIELDS},
    }


_CODE_NAMES = select(Code.id, Code.parent_id, Code.name, Code.colour)


def code_paths(session: Session) -> dict[int, tuple[str, str]]:
    """Each code's path and colour by id: what a listing of codings needs, without
    loading the codes themselves (the reader asks for this on every change)."""
    rows = {id_: (parent, name, colour) for id_, parent, name, colour in session.execute(_CODE_NAMES)}
    paths: dict[int, str] = {}

    def path_of_id(id_: int) -> str:
        if id_ not in paths:
            parent, name, _ = rows[id_]
            paths[id_] = name if parent is None else f"{path_of_id(parent)}/{name}"
        return paths[id_]

    return {id_: (path_of_id(id_), colour) for id_, (_, _, colour) in rows.items()}


def code_tree(session: Session) -> list[tuple[Code, str, int]]:
    """Every code in tree order (parents before children, siblings by position)."""
    codes = session.scalars(select(Code).order_by(Code.position, Code.id)).all()
    children: dict[int | None, list[Code]] = {}
    for code in codes:
        children.setdefault(code.parent_id, []).append(code)
    ordered: list[tuple[Code, str, int]] = []

    def walk(parent_id: int | None, prefix: str, depth: int) -> None:
        for code in children.get(parent_id, []):
            path = f"{prefix}/{code.name}" if prefix else code.name
            ordered.append((code, path, depth))
            walk(code.id, path, depth + 1)

    walk(None, "", 0)
    return ordered


def list_codes(project: Project) -> list[dict[str, Any]]:
    """The codebook in tree order, each code with its path, fields and number of codings."""
    with project.session() as s:
        counts = dict(s.execute(select(Coding.code_id, func.count(Coding.id)).group_by(Coding.code_id)).all())
        rows = []
        for code, path, depth in code_tree(s):
            item = _code_dict(code, path, depth)
            item["parent"] = path.rsplit("/", 1)[0] if depth else None
            item["codings"] = counts.get(code.id, 0)
            rows.append(item)
        return rows


# --- exchange formats -------------------------------------------------------------


def _entries_from_yaml(path: Path) -> list[tuple[str, dict[str, Any], str]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path.name}: not readable YAML: {exc}") from None
    codes = data.get("codes") if isinstance(data, dict) else data
    if not isinstance(codes, list):
        raise InvalidInput(f"{path.name}: expected a list of codes under 'codes:'")
    entries: list[tuple[str, dict[str, Any], str]] = []

    def walk(items: list[Any], prefix: str) -> None:
        for number, item in enumerate(items, start=1):
            where = f"{path.name}: code {number} under '{prefix or 'top level'}'"
            if not isinstance(item, dict) or not str(item.get("name", "")).strip():
                raise InvalidInput(f"{where} has no name")
            name = str(item["name"]).strip()
            if "/" in name:
                raise InvalidInput(f"{where}: name '{name}' must not contain '/'")
            full = f"{prefix}/{name}" if prefix else name
            fields = {k: v for k, v in item.items() if k not in ("name", "children")}
            entries.append((full, fields, f"{path.name}: code '{full}'"))
            children = item.get("children") or []
            if not isinstance(children, list):
                raise InvalidInput(f"{path.name}: 'children' of '{full}' must be a list")
            walk(children, full)

    walk(codes, "")
    return entries


def _entries_from_csv(path: Path) -> list[tuple[str, dict[str, Any], str]]:
    header, rows = read_table(path)
    index = column_index(header, path.name, ["path"])
    unknown = [h for h in header if h.lower() not in ("path", *CODE_FIELDS)]
    if unknown:
        raise InvalidInput(f"{path.name}: unknown column(s) {', '.join(unknown)} (columns: path, {', '.join(CODE_FIELDS)})")
    entries = []
    for number, row in enumerate(rows, start=2):
        raw_path = cell_text(row[index["path"]])
        if not raw_path:
            raise InvalidInput(f"{path.name}, row {number}: 'path' is empty")
        fields = {key: row[index[key]] for key in CODE_FIELDS if key in index and cell_text(row[index[key]]) != ""}
        entries.append((join_path(split_path(raw_path)), fields, f"{path.name}, row {number}"))
    return entries


def import_codebook(project: Project, path: Path | str) -> dict[str, int]:
    """Add or update codes from YAML (nested) or CSV (one row per path); all or nothing."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"{path.name}: file not found")
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        entries = _entries_from_yaml(path)
    elif suffix in (".csv", ".xlsx"):
        entries = _entries_from_csv(path)
    else:
        raise InvalidInput(f"{path.name}: unsupported codebook type '{suffix}' (use .yaml, .yml, .csv or .xlsx)")
    checked = [(p, _check_fields(fields, where), where) for p, fields, where in entries]
    seen: dict[str, str] = {}
    for p, _, where in checked:
        if p in seen:
            raise InvalidInput(f"{where}: code '{p}' is listed twice (also {seen[p]})")
        seen[p] = where
    created = updated = 0
    with project.session() as s:
        for p, fields, where in checked:
            parent = p.rsplit("/", 1)[0] if "/" in p else None
            if parent and parent not in seen and find_code(s, parent) is None:
                raise NotFound(f"{where}: parent code '{parent}' is neither in the file nor in the project")
            _, was_created = _ensure_code(s, p, fields, create_parents=False)
            created += was_created
            updated += not was_created
    return {"created": created, "updated": updated}


def export_codebook(project: Project, path: Path | str) -> Path:
    """Write the codebook as YAML (nested, as imported) or CSV (one row per path)."""
    path = Path(path)
    codes = list_codes(project)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        write_csv(path, ["path", *CODE_FIELDS], ([c["path"], *(c[k] for k in CODE_FIELDS)] for c in codes))
    elif suffix in (".yaml", ".yml"):
        nodes: dict[str, dict[str, Any]] = {}
        top: list[dict[str, Any]] = []
        for c in codes:
            node = {"name": c["name"], **{k: c[k] for k in CODE_FIELDS if c[k]}}
            nodes[c["path"]] = node
            if c["parent"] is None:
                top.append(node)
            else:
                nodes[c["parent"]].setdefault("children", []).append(node)
        path.write_text(
            yaml.safe_dump({"codes": top}, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8"
        )
    else:
        raise InvalidInput(f"{path.name}: unsupported codebook type '{suffix}' (use .yaml or .csv)")
    return path


_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\(?\d+[.)]|\(?[a-zA-Z][.)])\s+")


def parse_topic_guide(text: str) -> list[tuple[str, list[str]]]:
    """Topics with their questions: Markdown headings with lines beneath, or one topic per line."""
    lines = [line.rstrip() for line in text.splitlines()]
    headings = [(len(m.group(1)), m.group(2)) for line in lines if (m := _HEADING.match(line))]
    topics: list[tuple[str, list[str]]] = []
    if headings:
        levels = sorted({level for level, _ in headings})
        level = levels[0]
        if len(levels) > 1 and sum(1 for lv, _ in headings if lv == level) == 1:
            level = levels[1]  # a single top heading is the guide's title
        current: list[str] | None = None
        for line in lines:
            match = _HEADING.match(line)
            if match:
                if len(match.group(1)) == level:
                    current = []
                    topics.append((_clean_topic(match.group(2)), current))
                elif len(match.group(1)) < level:
                    current = None
                continue
            if current is not None and line.strip():
                current.append(_BULLET.sub("", line).strip())
    else:
        for line in lines:
            if line.strip():
                topics.append((_clean_topic(_BULLET.sub("", line)), []))
    return [(name, questions) for name, questions in topics if name]


def _clean_topic(name: str) -> str:
    name = _BULLET.sub("", name.strip())
    name = re.sub(r"^(?:topic|section|part)\s*\d+\s*[:.-]\s*", "", name, flags=re.IGNORECASE)
    return name.replace("/", "-").strip(" :")


def codes_from_guide(project: Project, path: Path | str) -> list[str]:
    """Turn a topic guide into deductive top-level codes; returns the codes created."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"{path.name}: file not found")
    from .importing.readers import decode_text

    topics = parse_topic_guide(decode_text(path.name, path.read_bytes())[0])
    if not topics:
        raise InvalidInput(f"{path.name}: no topics found (one topic per line, or Markdown headings)")
    created = []
    with project.session() as s:
        for name, questions in topics:
            if find_code(s, name) is not None:
                continue
            definition = "Topic of the interview guide."
            if questions:
                definition += " Questions: " + " ".join(questions)
            _ensure_code(s, name, {"definition": definition, "origin": "deductive"}, create_parents=False)
            created.append(name)
    return created
