"""The project store: SQLAlchemy models, modelled on the REFI-QDA Project schema.

One table per REFI entity (sources, cases, variables, codes, selections with their
codings, notes), plus what the Framework Method adds (speaker turns, chart summaries).
Every entity carries a GUID so that exchange with other QDA tools is a projection.
Offsets (``start``/``end``) are 0-based Unicode code points into a source's plain
text, end exclusive, as in REFI's PlainTextSelection.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

VARIABLE_TYPES = ("text", "integer", "float", "boolean", "date")
POLARITIES = ("barrier", "enabler")
DEFAULT_FACTOR_LEVELS = ("general", "service_specific", "context")
DIAGNOSIS_KINDS = ("tdf", "comb")
SELECTION_KINDS = ("function", "policy", "technique")
JUDGEMENTS = ("yes", "no", "unsure")
CODE_ORIGINS = ("deductive", "inductive")
NOTE_TARGETS = ("project", "source", "case", "code", "coding")


def new_guid() -> str:
    return str(uuid.uuid4())


def is_guid(text: str) -> bool:
    """Whether ``text`` is written as a GUID (8-4-4-4-12 hexadecimal digits), in either case."""
    parts = text.split("-")
    return [len(p) for p in parts] == [8, 4, 4, 4, 12] and all(c in "0123456789abcdefABCDEF" for c in "".join(parts))


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


def get_or_create_named(session: Session, model: type, name: str, what: str):  # type: ignore[no-untyped-def]
    """The row of ``model`` called ``name`` (cases, coders), created if it does not exist."""
    from .errors import InvalidInput

    name = name.strip()
    if not name:
        raise InvalidInput(f"{what} name must not be empty")
    row = session.scalar(select(model).where(model.name == name))
    if row is None:
        row = model(name=name)
        session.add(row)
        session.flush()
    return row


class GuidMixin:
    guid: Mapped[str] = mapped_column(String(36), unique=True, default=new_guid)


class ProjectInfo(Base):
    """Key/value facts about the project (name, guid, created)."""

    __tablename__ = "project_info"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class User(GuidMixin, Base):
    """A coder (REFI ``User``)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class Case(GuidMixin, Base):
    """A unit of analysis, usually one participant: a row of the framework matrix."""

    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # see bump_version

    sources: Mapped[list["Source"]] = relationship(back_populates="case")
    values: Mapped[list["CaseValue"]] = relationship(
        back_populates="case", cascade="all, delete-orphan"
    )


class Variable(GuidMixin, Base):
    """A typed case attribute (REFI ``Variable``), e.g. organisation type."""

    __tablename__ = "variables"
    __table_args__ = (
        CheckConstraint(
            "type IN ('text','integer','float','boolean','date')", name="ck_variable_type"
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    type: Mapped[str] = mapped_column(String(16), default="text")
    position: Mapped[int] = mapped_column(Integer, default=0)


class CaseValue(Base):
    """One case's value for one variable, stored as text in the variable's canonical form."""

    __tablename__ = "case_values"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    variable_id: Mapped[int] = mapped_column(
        ForeignKey("variables.id", ondelete="CASCADE"), primary_key=True
    )
    value: Mapped[str] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="values")
    variable: Mapped[Variable] = relationship()


class Source(GuidMixin, Base):
    """An imported transcript (REFI ``TextSource``) with its plain text."""

    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    plain_text: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(16))
    encoding: Mapped[str | None] = mapped_column(String(32), nullable=True)
    original_filename: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), nullable=True, index=True
    )
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    case: Mapped[Case | None] = relationship(back_populates="sources")
    turns: Mapped[list["Turn"]] = relationship(
        back_populates="source", cascade="all, delete-orphan", order_by="Turn.start"
    )


class SourceFile(Base):
    """The original bytes of an imported file, kept apart so listings stay light."""

    __tablename__ = "source_files"
    source_id: Mapped[int] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True
    )
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Turn(Base):
    """A speaker turn: ``plain_text[start:end]`` is what ``speaker`` said."""

    __tablename__ = "turns"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    speaker: Mapped[str] = mapped_column(String(300))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    time_start: Mapped[float | None] = mapped_column(Float, nullable=True)
    time_end: Mapped[float | None] = mapped_column(Float, nullable=True)

    source: Mapped[Source] = relationship(back_populates="turns")


class Code(GuidMixin, Base):
    """A node of the code tree; a code with children is a theme in the matrix."""

    __tablename__ = "codes"
    __table_args__ = (
        CheckConstraint("origin IN ('deductive','inductive')", name="ck_code_origin"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("codes.id", ondelete="CASCADE"), nullable=True, index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    definition: Mapped[str] = mapped_column(Text, default="")
    inclusion: Mapped[str] = mapped_column(Text, default="")
    exclusion: Mapped[str] = mapped_column(Text, default="")
    example: Mapped[str] = mapped_column(Text, default="")
    colour: Mapped[str] = mapped_column(String(16), default="")
    origin: Mapped[str] = mapped_column(String(16), default="inductive")
    position: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    parent: Mapped["Code | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Code"]] = relationship(
        back_populates="parent", order_by="Code.position"
    )


class Coding(GuidMixin, Base):
    """A text selection of a source coded with one code by one coder.

    REFI nests codings under a PlainTextSelection; a flat row per (selection, code,
    coder) is the same information and makes charting one query.
    """

    __tablename__ = "codings"
    __table_args__ = (
        UniqueConstraint("source_id", "start", "end", "code_id", "coder_id", name="uq_coding"),
        CheckConstraint('start >= 0 AND "end" > start', name="ck_coding_span"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"), index=True)
    coder_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    source: Mapped[Source] = relationship()
    code: Mapped[Code] = relationship()
    coder: Mapped[User] = relationship()


class Note(GuidMixin, Base):
    """A memo on the project, a source, a case, a code or a coding (REFI ``Note``)."""

    __tablename__ = "notes"
    __table_args__ = (
        CheckConstraint(
            "target_type IN ('project','source','case','code','coding')", name="ck_note_target"
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_type: Mapped[str] = mapped_column(String(16), index=True)
    target_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    author: Mapped[User | None] = relationship()


class Summary(Base):
    """The researcher's summary for one cell of the framework matrix (case x code)."""

    __tablename__ = "summaries"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


# --- Behaviour Change Wheel mapping (stage 7: map and interpret) -------------------


class Factor(GuidMixin, Base):
    """A barrier or enabler found in the analysis, evidenced by codes and coded quotes."""

    __tablename__ = "factors"
    __table_args__ = (CheckConstraint("polarity IN ('barrier','enabler')", name="ck_factor_polarity"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)  # shown as F1, F2, ...
    label: Mapped[str] = mapped_column(String(300), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    polarity: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(100))
    amenable: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class FactorCode(Base):
    """A code whose codings evidence a factor."""

    __tablename__ = "factor_codes"
    factor_id: Mapped[int] = mapped_column(ForeignKey("factors.id", ondelete="CASCADE"), primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"), primary_key=True)


class FactorCoding(Base):
    """A coded quote chosen as evidence for a factor."""

    __tablename__ = "factor_codings"
    factor_id: Mapped[int] = mapped_column(ForeignKey("factors.id", ondelete="CASCADE"), primary_key=True)
    coding_id: Mapped[int] = mapped_column(ForeignKey("codings.id", ondelete="CASCADE"), primary_key=True)


class FactorDiagnosis(Base):
    """A TDF domain or COM-B component that a factor is diagnosed with."""

    __tablename__ = "factor_diagnoses"
    __table_args__ = (CheckConstraint("kind IN ('tdf','comb')", name="ck_diagnosis_kind"),)
    factor_id: Mapped[int] = mapped_column(ForeignKey("factors.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    item: Mapped[str] = mapped_column(String(64), primary_key=True)


class FactorApease(Base):
    """The researcher's APEASE judgement of one candidate function for one factor."""

    __tablename__ = "factor_apease"
    __table_args__ = (CheckConstraint("judgement IN ('yes','no','unsure')", name="ck_apease_judgement"),)
    factor_id: Mapped[int] = mapped_column(ForeignKey("factors.id", ondelete="CASCADE"), primary_key=True)
    function: Mapped[str] = mapped_column(String(64), primary_key=True)
    criterion: Mapped[str] = mapped_column(String(64), primary_key=True)
    judgement: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text, default="")


class FactorSelection(Base):
    """An intervention function, policy category or technique the researcher selected."""

    __tablename__ = "factor_selections"
    __table_args__ = (
        CheckConstraint("kind IN ('function','policy','technique')", name="ck_selection_kind"),
    )
    factor_id: Mapped[int] = mapped_column(ForeignKey("factors.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    item: Mapped[str] = mapped_column(String(64), primary_key=True)
    justification: Mapped[str | None] = mapped_column(Text, nullable=True)  # required outside the candidates


class Change(Base):
    """An entry of the audit trail: who changed what, when (kept for factors and mappings)."""

    __tablename__ = "changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_guid: Mapped[str] = mapped_column(String(36), index=True)
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")  # JSON

    author: Mapped[User | None] = relationship()


# --- anonymisation (stage 2): candidates under review; emptied when anonymisation is applied --


class RegisterEntry(GuidMixin, Base):
    """A known identifier of the study (a participant's name, their organisation)."""

    __tablename__ = "anon_register"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(500))
    type: Mapped[str] = mapped_column(String(32))
    variants: Mapped[str] = mapped_column(Text, default="[]")  # JSON list


class AnonEntity(GuidMixin, Base):
    """One real-world identifier (all mentions of one person, place, number) and its label."""

    __tablename__ = "anon_entities"
    __table_args__ = (
        CheckConstraint("decision IN ('pending','accepted','rejected')", name="ck_entity_decision"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(500), unique=True)  # how mentions are grouped
    type: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(500))  # the fullest form seen
    label: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(16), default="pending")


class AnonMention(Base):
    """A candidate span in a source, grouped into an entity; may override the entity's decision."""

    __tablename__ = "anon_mentions"
    __table_args__ = (
        UniqueConstraint("source_id", "start", "end", name="uq_mention_span"),
        CheckConstraint("decision IN ('inherit','accepted','rejected')", name="ck_mention_decision"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("anon_entities.id", ondelete="CASCADE"), index=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    recogniser: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    decision: Mapped[str] = mapped_column(String(16), default="inherit")

    entity: Mapped[AnonEntity] = relationship()


# --- working together (the web workbench): edit versions, a change counter, team accounts ---


def bump_version(session: Session, row: Base, expected: int | None, what: str) -> None:
    """Refuse an edit made from a stale copy of ``row``, then count the edit.

    ``expected`` is the version the editor saw (None: no check, as in the CLI). The
    UPDATE carries the check, so of two concurrent edits from the same version the
    second finds no row to update and is refused; nothing is silently overwritten.
    """
    from sqlalchemy import update

    from .errors import Conflict

    model = type(row)
    keys = [getattr(model, column.key) == getattr(row, column.key) for column in model.__mapper__.primary_key]
    session.flush()
    statement = update(model).where(*keys).values(version=model.version + 1)
    if expected is not None:
        statement = statement.where(model.version == expected)
    if session.execute(statement.execution_options(synchronize_session=False)).rowcount == 0:
        raise Conflict(
            f"{what} was changed by someone else after you opened it; "
            "your edit was not saved: reload to see their version, then edit again"
        )
    session.refresh(row, ["version"])


class Revision(Base):
    """One row counting committed changes, so open views know when to refresh."""

    __tablename__ = "revision"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, default=0)


ROLES = ("viewer", "coder", "owner")  # each may do what the ones before it may


class Account(Base):
    """A team member who may sign in to the web workbench (team mode only)."""

    __tablename__ = "accounts"
    __table_args__ = (CheckConstraint("role IN ('viewer','coder','owner')", name="ck_account_role"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship()


class LoginSession(Base):
    """A signed-in browser. Only a hash of the cookie's secret is stored."""

    __tablename__ = "login_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()
