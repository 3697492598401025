"""Cases (usually participants) and their typed attributes, as REFI-QDA models them."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .errors import InvalidInput, NotFound
from .project import Project
from .store import VARIABLE_TYPES, Case, CaseValue, Variable, bump_version, get_or_create_named
from .tabular import cell_text, read_table

_TRUE = {"yes", "y", "true", "t", "1"}
_FALSE = {"no", "n", "false", "f", "0"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def get_or_create_case(session: Session, name: str) -> Case:
    return get_or_create_named(session, Case, name, "case")


def case_by_name(session: Session, name: str) -> Case:
    case = session.scalar(select(Case).where(Case.name == name))
    if case is None:
        raise NotFound(f"no case named '{name}'")
    return case


def case_by_guid(session: Session, guid: str) -> Case:
    case = session.scalar(select(Case).where(Case.guid == guid))
    if case is None:
        raise NotFound("no such case (it may have been deleted): go back to the cases")
    return case


def name_of(project: Project, guid: str) -> str:
    """The name of the case with this GUID (the web workbench's addresses use GUIDs)."""
    with project.session() as s:
        return case_by_guid(s, guid).name


def canonical_value(raw: Any, type_: str, where: str) -> str:
    """The stored text form of a value of the given type, or an error naming ``where``."""
    text = cell_text(raw)
    if text == "":
        return ""
    if type_ == "text":
        return text
    if type_ == "integer":
        try:
            return str(int(text.replace(",", "")))
        except ValueError:
            raise InvalidInput(f"{where}: '{text}' is not a whole number") from None
    if type_ == "float":
        try:
            return repr(float(text.replace(",", "")))
        except ValueError:
            raise InvalidInput(f"{where}: '{text}' is not a number") from None
    if type_ == "boolean":
        if text.lower() in _TRUE:
            return "true"
        if text.lower() in _FALSE:
            return "false"
        raise InvalidInput(f"{where}: '{text}' is not yes/no (true/false)")
    if type_ == "date":
        candidate = text[:10]
        if _ISO_DATE.match(candidate):
            try:
                return date.fromisoformat(candidate).isoformat()
            except ValueError:
                pass
        raise InvalidInput(f"{where}: '{text}' is not a date in the form YYYY-MM-DD")
    raise InvalidInput(f"{where}: unknown attribute type '{type_}' (use {', '.join(VARIABLE_TYPES)})")


def typed_value(text: str, type_: str) -> Any:
    """A stored value as the Python value of its type (for JSON and spreadsheets)."""
    if text == "":
        return None
    if type_ == "integer":
        return int(text)
    if type_ == "float":
        return float(text)
    if type_ == "boolean":
        return text == "true"
    return text


def infer_type(values: list[Any]) -> str:
    """The narrowest attribute type that every non-empty value fits."""
    present = [v for v in values if cell_text(v) != ""]
    if not present:
        return "text"
    for type_ in ("integer", "float", "boolean", "date"):
        try:
            for value in present:
                canonical_value(value, type_, "")
            return type_
        except InvalidInput:
            continue
    return "text"


def parse_column_types(specs: str | Iterable[str], field: str) -> dict[str, str]:
    """Column types for ``import_cases`` from ``COLUMN=TYPE`` pairs, as people write them.

    The CLI's repeated ``--type`` and the web form's one text field both come here, so
    they accept the same thing: pairs separated by commas or new lines (a pair whose
    column has a comma goes in double quotes, as in a CSV). Each pair splits at its last
    ``=`` (types have none). ``field`` names the option or form field in errors.
    """
    lines = [specs] if isinstance(specs, str) else list(specs)
    types: dict[str, str] = {}
    for pair in csv.reader((line for spec in lines for line in spec.splitlines()), skipinitialspace=True):
        for item in (text.strip() for text in pair):
            if not item:
                continue
            column, equals, type_ = (part.strip() for part in item.rpartition("="))
            if not equals or not column or not type_:
                raise InvalidInput(f"{field}: '{item}' is not COLUMN=TYPE (for example age=integer)")
            type_ = type_.lower()
            if type_ not in VARIABLE_TYPES:
                raise InvalidInput(
                    f"{field}: '{item}': there is no type '{type_}' (use {', '.join(VARIABLE_TYPES)})"
                )
            if types.get(column, type_) != type_:
                raise InvalidInput(f"{field}: column '{column}' is given two types, {types[column]} and {type_}")
            types[column] = type_
    return types


def _variable(session: Session, name: str, type_: str | None) -> Variable:
    variable = session.scalar(select(Variable).where(Variable.name == name))
    if variable is None:
        position = len(session.scalars(select(Variable.id)).all())
        variable = Variable(name=name, type=type_ or "text", position=position)
        session.add(variable)
        session.flush()
    return variable


def import_cases(
    project: Project, path: Path | str, types: dict[str, str] | None = None, types_field: str = "--type"
) -> dict[str, int]:
    """Create or update cases from a table: first column the case name, others attributes.

    Types are inferred per column unless given in ``types`` (see ``parse_column_types``;
    ``types_field`` names where they were given, for errors); a column that already
    exists as an attribute keeps its type, and a different type given for it is refused
    (its stored values would not fit). All rows are checked before anything is written.
    """
    path = Path(path)
    types = dict(types or {})
    header, rows = read_table(path)
    if len(header) < 1 or not header[0]:
        raise InvalidInput(f"{path.name}: the first column must be the case name")
    attributes = header[1:]
    for name in types:
        if name not in attributes:
            raise InvalidInput(
                f"{types_field}: {path.name} has no column '{name}' (its columns: {', '.join(map(str, attributes))})"
            )
        if types[name] not in VARIABLE_TYPES:
            raise InvalidInput(f"{types_field}: {name}={types[name]}: type must be one of {', '.join(VARIABLE_TYPES)}")
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        name = cell_text(row[0])
        if not name:
            raise InvalidInput(f"{path.name}, row {number}: the case name is empty")
        if name in seen:
            raise InvalidInput(f"{path.name}, row {number}: case '{name}' also appears in row {seen[name]}")
        seen[name] = number
    for i, column in enumerate(attributes, start=1):
        if not column:
            raise InvalidInput(f"{path.name}: column {i + 1} has no name")
    created = updated = 0
    with project.session() as s:
        existing = {v.name: v.type for v in s.scalars(select(Variable))}
        for name, type_ in types.items():
            if existing.get(name, type_) != type_:
                raise InvalidInput(
                    f"{types_field}: attribute '{name}' is already {existing[name]} here, and an import "
                    f"does not change an attribute's type (leave it out, or give {name}={existing[name]})"
                )
        column_types = {}
        for i, column in enumerate(attributes, start=1):
            column_types[column] = (
                types.get(column) or existing.get(column) or infer_type([row[i] for row in rows])
            )
        # Validate every cell first, so a bad value leaves the project untouched.
        checked = []
        for number, row in enumerate(rows, start=2):
            values = {
                column: canonical_value(row[i], column_types[column], f"{path.name}, row {number}, column '{column}'")
                for i, column in enumerate(attributes, start=1)
            }
            checked.append((cell_text(row[0]), values))
        variables = {column: _variable(s, column, column_types[column]) for column in attributes}
        for name, values in checked:
            case = s.scalar(select(Case).where(Case.name == name))
            if case is None:
                case = Case(name=name)
                s.add(case)
                s.flush()
                created += 1
            else:
                updated += 1
                bump_version(s, case, None, f"case '{name}'")  # editors who opened it see a conflict
            for column, value in values.items():
                _set_value(s, case, variables[column], value)
    return {"created": created, "updated": updated, "attributes": len(attributes)}


def _set_value(session: Session, case: Case, variable: Variable, value: str) -> None:
    row = session.get(CaseValue, (case.id, variable.id))
    if value == "":
        if row is not None:
            session.delete(row)
        return
    if row is None:
        session.add(CaseValue(case_id=case.id, variable_id=variable.id, value=value))
    else:
        row.value = value


def add_case(project: Project, name: str, description: str = "", attributes: dict[str, Any] | None = None) -> None:
    with project.session() as s:
        if s.scalar(select(Case).where(Case.name == name.strip())) is not None:
            raise InvalidInput(f"case '{name}' already exists")
        case = get_or_create_case(s, name)
        case.description = description
        for key, raw in (attributes or {}).items():
            _set_attribute(s, case, key, raw)


def set_attribute(
    project: Project, case_name: str, attribute: str, value: Any, *, expected_version: int | None = None
) -> None:
    """Set one attribute of one case; a new attribute's type is inferred from the value.

    ``expected_version`` is the case's version the editor saw (None: no check, as in the
    CLI); if someone else changed the case since, ``Conflict`` is raised and nothing is saved.
    """
    with project.session() as s:
        case = case_by_name(s, case_name)
        bump_version(s, case, expected_version, f"case '{case_name}'")
        _set_attribute(s, case, attribute, value)


def update_case(
    project: Project,
    name: str,
    *,
    rename: str | None = None,
    description: str | None = None,
    attributes: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> str:
    """Rename a case, describe it and set several attributes at once; returns its name.

    All values are checked before anything is saved, so one bad value (named with its
    case and attribute) changes nothing. ``expected_version`` works as in ``set_attribute``.
    """
    with project.session() as s:
        case = case_by_name(s, name)
        bump_version(s, case, expected_version, f"case '{name}'")
        if rename is not None and rename.strip() != case.name:
            rename = rename.strip()
            if not rename:
                raise InvalidInput(f"case '{name}': the new name must not be empty")
            if s.scalar(select(Case.id).where(Case.name == rename)) is not None:
                raise InvalidInput(f"case '{name}': cannot rename it to '{rename}', a case with that name exists")
            case.name = rename
        if description is not None:
            case.description = description.strip()
        for attribute, raw in (attributes or {}).items():
            _set_attribute(s, case, attribute, raw)
        return case.name


def add_attribute(project: Project, name: str, type_: str = "text") -> dict[str, str]:
    """Add an attribute (a column of the cases table) of the given type, with no values yet."""
    name = name.strip()
    if not name:
        raise InvalidInput("attribute name must not be empty")
    if type_ not in VARIABLE_TYPES:
        raise InvalidInput(f"attribute '{name}': type '{type_}' must be one of {', '.join(VARIABLE_TYPES)}")
    with project.session() as s:
        if s.scalar(select(Variable.id).where(Variable.name == name)) is not None:
            raise InvalidInput(f"attribute '{name}' already exists")
        variable = _variable(s, name, type_)
        return {"name": variable.name, "type": variable.type}


def _set_attribute(session: Session, case: Case, attribute: str, raw: Any) -> None:
    attribute = attribute.strip()
    if not attribute:
        raise InvalidInput("attribute name must not be empty")
    variable = session.scalar(select(Variable).where(Variable.name == attribute))
    if variable is None:
        variable = _variable(session, attribute, infer_type([raw]))
    _set_value(session, case, variable, canonical_value(raw, variable.type, f"case '{case.name}', attribute '{attribute}'"))


def list_attributes(project: Project) -> list[dict[str, str]]:
    with project.session() as s:
        return [
            {"name": v.name, "type": v.type}
            for v in s.scalars(select(Variable).order_by(Variable.position, Variable.id))
        ]


def list_cases(project: Project) -> list[dict[str, Any]]:
    """Every case with its attributes (typed) and the names of its sources."""
    with project.session() as s:
        variables = s.scalars(select(Variable).order_by(Variable.position, Variable.id)).all()
        cases = s.scalars(
            select(Case).options(selectinload(Case.values), selectinload(Case.sources)).order_by(Case.name)
        ).all()
        result = []
        for case in cases:
            stored = {value.variable_id: value.value for value in case.values}
            result.append(
                {
                    "name": case.name,
                    "guid": case.guid,
                    "description": case.description,
                    "attributes": {
                        v.name: typed_value(stored.get(v.id, ""), v.type) for v in variables
                    },
                    "sources": sorted(source.name for source in case.sources),
                    "source_refs": [
                        {"name": source.name, "guid": source.guid}
                        for source in sorted(case.sources, key=lambda source: source.name)
                    ],
                    "version": case.version,
                }
            )
        return result
