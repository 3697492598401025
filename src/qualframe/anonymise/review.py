"""Review of detected identifiers: the project's register, entities and decisions.

Detection finds candidate spans in every source; here they are grouped into entities
(all mentions of Margaret Thornton, "Margaret" and "Ms Thornton" are one person),
given labels that are consistent across the whole project ("[Person 2]",
"[Local Authority A]", "[Phone]"), and decided on: per entity or per mention, accept or
reject, change the type, rename the label. Nothing here changes any source text; that
is ``apply``'s job.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Collection, Iterable

import yaml
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..coding import in_context
from ..errors import InvalidInput, NotFound
from ..project import Project
from ..store import AnonEntity, AnonMention, RegisterEntry, Source, Turn
from ..tabular import cell_text, column_index, read_table, write_csv
from .detect import Candidate, RegisterEntry as DetectRegisterEntry, detect

TYPES = (
    "PERSON", "PLACE", "ORGANISATION", "EMAIL", "URL", "PHONE", "POSTCODE",
    "NHS_NUMBER", "NI_NUMBER", "DATE", "ADDRESS",
)
FIXED_LABELS = {
    "EMAIL": "[Email]", "URL": "[URL]", "PHONE": "[Phone]", "POSTCODE": "[Postcode]",
    "NHS_NUMBER": "[NHS number]", "NI_NUMBER": "[NI number]", "DATE": "[Date]", "ADDRESS": "[Address]",
}
ORGANISATION_KINDS = (  # (pattern at the end of the name, label stem)
    (r"(county |city |borough |district |metropolitan )?council", "Local Authority"),
    (r"nhs (foundation )?trust|hospitals?( nhs)?( foundation)? trust", "NHS Trust"),
    (r"integrated care board|icb|ccg|clinical commissioning group", "ICB"),
    (r"family hub", "Family Hub"),
    (r"children'?s centre", "Children's Centre"),
    (r"primary school|school|academy", "School"),
    (r"surgery|medical centre|health centre|practice", "GP Practice"),
    (r"hospital", "Hospital"),
)
TITLES = re.compile(
    r"^(?:dr|mr|mrs|ms|miss|mx|prof|professor|sir|dame|lady|lord|cllr|councillor|rev|nurse|sister)\.?\s+",
    re.IGNORECASE,
)
ROLE_SPEAKERS = {"interviewer", "participant", "respondent", "facilitator", "moderator", "i", "p", "r", "q", "a", ""}


RESERVED = "reserved:"  # entities whose originals went to a key file: only their label is kept
BY_MENTION = "by_mention"  # an entity left pending whose every mention has its own decision
ENTITY_STATES = ("pending", "accepted", "rejected", BY_MENTION)


# --- the register ---------------------------------------------------------------------


def add_register_entry(project: Project, text: str, type_: str, variants: Iterable[str] = ()) -> None:
    """Add a known identifier (a participant, their organisation) to the project's register."""
    text = " ".join(text.split())
    if not text:
        raise InvalidInput("a register entry needs its text")
    type_ = _check_type(type_)
    with project.session() as s:
        s.add(RegisterEntry(text=text, type=type_, variants=json.dumps([v.strip() for v in variants if v.strip()])))


def import_register(project: Project, path: Path | str) -> int:
    """Add register entries from a CSV/XLSX with columns text, type[, variants separated by ';']."""
    path = Path(path)
    header, rows = read_table(path)
    index = column_index(header, path.name, ["text", "type"])
    entries = []
    for number, row in enumerate(rows, start=2):
        text = cell_text(row[index["text"]])
        if not text:
            raise InvalidInput(f"{path.name}, row {number}: 'text' is empty")
        try:
            type_ = _check_type(cell_text(row[index["type"]]))
        except InvalidInput as exc:
            raise InvalidInput(f"{path.name}, row {number}: {exc}") from None
        variants = [v.strip() for v in cell_text(row[index["variants"]]).split(";")] if "variants" in index else []
        entries.append(RegisterEntry(text=text, type=type_, variants=json.dumps([v for v in variants if v])))
    with project.session() as s:
        s.add_all(entries)
    return len(entries)


def list_register(project: Project) -> list[dict[str, Any]]:
    with project.session() as s:
        return [
            {"text": r.text, "type": r.type, "variants": json.loads(r.variants)}
            for r in s.scalars(select(RegisterEntry).order_by(RegisterEntry.id))
        ]


def _check_type(type_: str) -> str:
    value = type_.strip().upper()
    if value not in TYPES:
        raise InvalidInput(f"type '{type_}' must be one of: {', '.join(TYPES)}")
    return value


# --- grouping and labels ----------------------------------------------------------------


def _normal(text: str) -> str:
    text = " ".join(text.split())
    text = re.sub(r"['’]s$", "", text)
    return text.casefold()


def _person_core(text: str) -> str:
    return _normal(TITLES.sub("", " ".join(text.split())))


def entity_key(type_: str, text: str, full_names: dict[str, list[str]]) -> str:
    """How mentions are grouped: one key per real-world identifier."""
    if type_ == "PERSON":
        core = _person_core(text)
        if " " not in core:
            matches = full_names.get(core, [])
            if len(set(matches)) == 1:
                return f"PERSON:{matches[0]}"
        return f"PERSON:{core}"
    if type_ in ("PHONE", "NHS_NUMBER"):
        return f"{type_}:{re.sub(r'[^0-9]', '', text.replace('+44', '0'))}"
    if type_ in ("NI_NUMBER", "POSTCODE"):
        return f"{type_}:{re.sub(r'[^0-9A-Za-z]', '', text).upper()}"
    core = _normal(text)
    if core.startswith("the "):
        core = core[4:]
    return f"{type_}:{core}"


def _letters(n: int) -> str:
    """1 -> A, 26 -> Z, 27 -> AA."""
    out = ""
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(65 + rest) + out
    return out


def _label_stem(type_: str, text: str, participants: set[str]) -> tuple[str, bool]:
    """The label's stem and whether it is lettered (A, B) rather than numbered (1, 2)."""
    if type_ == "PERSON":
        core = _person_core(text)
        speaking = core in participants or any(core in name.split() for name in participants)
        return ("Participant" if speaking else "Person"), False
    if type_ == "PLACE":
        return "Place", False
    if type_ == "ORGANISATION":
        lowered = _normal(text)
        for pattern, stem in ORGANISATION_KINDS:
            if re.search(rf"(?:^|\s)(?:{pattern})$", lowered):
                return stem, True
        return "Organisation", True
    raise AssertionError(type_)


def next_label(session: Session, type_: str, text: str, participants: set[str]) -> str:
    if type_ in FIXED_LABELS:
        return FIXED_LABELS[type_]
    stem, lettered = _label_stem(type_, text, participants)
    used = set(session.scalars(select(AnonEntity.label).where(AnonEntity.label.like(f"[{stem} %]"))))
    n = 1
    while f"[{stem} {_letters(n) if lettered else n}]" in used:
        n += 1
    return f"[{stem} {_letters(n) if lettered else n}]"


def _participants(session: Session) -> set[str]:
    """Speakers of the transcripts, other than role labels such as 'Interviewer'."""
    names = set()
    for (speaker,) in session.execute(select(Turn.speaker).distinct()):
        core = _person_core(speaker or "")
        if core not in ROLE_SPEAKERS:
            names.add(core)
    return names


# --- detection in a project -------------------------------------------------------------


def _register_for_detection(session: Session) -> list[DetectRegisterEntry]:
    return [
        DetectRegisterEntry(text=r.text, type=r.type, variants=json.loads(r.variants))
        for r in session.scalars(select(RegisterEntry))
    ]


def detect_in_project(
    project: Project,
    *,
    sources: Iterable[str] | None = None,
    earlier_labels: dict[str, str] | None = None,
    on_progress=None,  # type: ignore[no-untyped-def]
) -> dict[str, int]:
    """Find candidates in the sources, group them into entities and keep earlier decisions.

    Run it again after adding to the register: mentions already found keep their
    decisions, and entities keep their labels. ``earlier_labels`` (entity key -> label,
    read from the key files of earlier rounds) gives a person or place found again the
    label it had before, so labels stay consistent across rounds.
    """
    earlier_labels = earlier_labels or {}
    with project.session() as s:
        query = select(Source).where(Source.anonymised_at.is_(None)).order_by(Source.name)
        if sources:
            query = query.where(Source.name.in_(list(sources)))
        chosen = s.scalars(query).all()
        register = _register_for_detection(s)
        participants = _participants(s)
        found: list[tuple[Source, Candidate]] = []
        for source in chosen:
            speakers = sorted({t.speaker for t in source.turns if _person_core(t.speaker or "") not in ROLE_SPEAKERS})
            for candidate in detect(source.plain_text, register=register, speakers=speakers):
                found.append((source, candidate))
            if on_progress:
                on_progress(source.name)
        full_names: dict[str, list[str]] = {}
        existing = s.scalars(select(AnonEntity).where(AnonEntity.type == "PERSON")).all()
        person_texts = [_person_core(c.text) for _, c in found if c.type == "PERSON"] + [
            e.key.split(":", 1)[1] for e in existing
        ]
        for core in person_texts:
            if " " in core:
                for part in core.split():
                    full_names.setdefault(part, []).append(core)
        entities = {e.key: e for e in s.scalars(select(AnonEntity))}
        known_spans = {tuple(row) for row in s.execute(select(AnonMention.source_id, AnonMention.start, AnonMention.end))}
        new_mentions = 0
        for source, candidate in found:
            key = entity_key(candidate.type, candidate.text, full_names)
            entity = entities.get(key)
            if entity is None:
                entity = AnonEntity(
                    key=key, type=candidate.type, text=candidate.text,
                    label=earlier_labels.get(key) or next_label(s, candidate.type, key.split(":", 1)[1], participants),
                )
                s.add(entity)
                s.flush()
                entities[key] = entity
            elif len(candidate.text) > len(entity.text) and candidate.type == entity.type:
                entity.text = candidate.text
            if (source.id, candidate.start, candidate.end) not in known_spans:
                known_spans.add((source.id, candidate.start, candidate.end))
                s.add(AnonMention(source_id=source.id, entity_id=entity.id, start=candidate.start, end=candidate.end,
                                  recogniser=candidate.recogniser, score=candidate.score))
                new_mentions += 1
        s.flush()
        return {
            "sources": len(chosen),
            "candidates": len(found),
            "new_mentions": new_mentions,
            "entities": s.scalar(select(func.count(AnonEntity.id))) or 0,
        }


# --- the one rule for what a decision means -----------------------------------------------


def effective_decision(mention_decision: str, entity_decision: str) -> str:
    """What apply does with one mention: its own decision where it has one, its entity's otherwise."""
    return mention_decision if mention_decision != "inherit" else entity_decision


def entity_state(entity_decision: str, mention_decisions: Collection[str]) -> str:
    """Where the review of an entity stands, as apply sees it: accepted or rejected as a
    whole; ``BY_MENTION`` when left pending but every mention has its own decision (a
    reviewer who went mention by mention is done); otherwise pending. An entity with no
    mentions left needs a decision of its own."""
    if entity_decision != "pending":
        return entity_decision
    if mention_decisions and "inherit" not in mention_decisions:
        return BY_MENTION
    return "pending"


def hides_entity(entity_decision: str, mention_decisions: Collection[str]) -> bool:
    """Whether apply treats the entity as an identifier: its full name and distinctive parts
    scrubbed wherever else they appear, its label reused in later rounds. True when accepted
    as a whole, or decided mention by mention with at least one mention accepted (an entity
    whose mentions were all rejected is kept as written, and needs no label)."""
    state = entity_state(entity_decision, mention_decisions)
    return state == "accepted" or (state == BY_MENTION and "accepted" in mention_decisions)


def decisions_by_entity(session: Session) -> dict[int, tuple[str, list[str]]]:
    """Entity id -> (its own decision, its mentions' own decisions), for every entity under
    review (not those of earlier rounds): what ``entity_state`` needs, in one query."""
    found: dict[int, tuple[str, list[str]]] = {}
    rows = session.execute(
        select(AnonEntity.id, AnonEntity.decision, AnonMention.decision)
        .outerjoin(AnonMention, AnonMention.entity_id == AnonEntity.id)
        .where(AnonEntity.key.not_like(f"{RESERVED}%"))
    )
    for entity_id, entity_decision, mention_decision in rows:
        _, mention_decisions = found.setdefault(entity_id, (entity_decision, []))
        if mention_decision is not None:
            mention_decisions.append(mention_decision)
    return found


def pending_entity_ids(session: Session) -> list[int]:
    """Entities that still await a decision (for the whole entity or for some mention)."""
    return sorted(i for i, (own, mentions) in decisions_by_entity(session).items()
                  if entity_state(own, mentions) == "pending")


# --- reading and deciding ---------------------------------------------------------------


def context_parts(text: str, start: int, end: int, width: int = 50) -> dict[str, str]:
    """A mention with the words around it, in three parts so a page can mark the mention."""
    cut_before, cut_after = start > width, end + width < len(text)
    before = " ".join(text[max(0, start - width) : start].split(" ")[1:] if cut_before else [text[:start]])
    after = " ".join(text[end : end + width].split(" ")[:-1] if cut_after else [text[end:]])
    return {
        "before": ("…" if cut_before else "") + before.replace("\n", " "),
        "mention": text[start:end],
        "after": after.replace("\n", " ") + ("…" if cut_after else ""),
    }


def list_entities(
    project: Project, *, decision: str | None = None, examples: int | None = 3, only: str | None = None
) -> list[dict[str, Any]]:
    """Entities with their label, decision, mention count and a few mentions in context.

    ``decision`` is its own decision; ``state`` (see ``entity_state``) is what apply makes
    of it and its mentions' decisions, and is what the ``decision`` filter picks by
    (pending, accepted, rejected or by_mention). ``only`` (E12) reads one entity, as a
    page needs after deciding on it; ``examples`` None gives every mention (to decide
    them one by one).
    """
    with project.session() as s:
        query = select(AnonEntity).where(AnonEntity.key.not_like(f"{RESERVED}%")).order_by(AnonEntity.id)
        mention_query = select(AnonMention).order_by(AnonMention.source_id, AnonMention.start)
        if only is not None:
            entity_id = _reviewable(s, only).id
            query = query.where(AnonEntity.id == entity_id)
            mention_query = mention_query.where(AnonMention.entity_id == entity_id)
        entities = s.scalars(query).all()
        mentions: dict[int, list[AnonMention]] = {}
        for m in s.scalars(mention_query):
            mentions.setdefault(m.entity_id, []).append(m)
        wanted_sources = {m.source_id for items in mentions.values() for m in items}
        sources = {src.id: src for src in s.scalars(select(Source).where(Source.id.in_(wanted_sources)))} if wanted_sources else {}
        result = []
        for e in entities:
            items = mentions.get(e.id, [])
            own = [m.decision for m in items]
            state = entity_state(e.decision, own)
            if decision and state != decision:
                continue
            result.append({
                "id": f"E{e.id}",
                "type": e.type,
                "text": e.text,
                "label": e.label,
                "decision": e.decision,
                "state": state,
                "mentions": len(items),
                "mention_decisions": {d: own.count(d) for d in ("accepted", "rejected", "inherit")},
                "forms": sorted({sources[m.source_id].plain_text[m.start:m.end] for m in items}),
                "sources": sorted({sources[m.source_id].name for m in items}),
                "examples": [
                    {"id": f"M{m.id}", "source": sources[m.source_id].name, "start": m.start, "end": m.end,
                     "decision": m.decision, "recogniser": m.recogniser, "score": m.score,
                     "context": in_context(sources[m.source_id].plain_text, m.start, m.end, width=50),
                     **context_parts(sources[m.source_id].plain_text, m.start, m.end, width=50)}
                    for m in items[:examples]
                ],
            })
        return result


def _entity(session: Session, ref: str) -> AnonEntity:
    match = re.fullmatch(r"[Ee](\d+)", ref.strip())
    entity = session.get(AnonEntity, int(match.group(1))) if match else None
    if entity is None:
        raise NotFound(f"no entity '{ref}' (entities are named E1, E2, … in 'qualframe anonymise review --list')")
    return entity


def _reviewable(session: Session, ref: str) -> AnonEntity:
    """An entity still under review (not one whose originals went to an earlier key file)."""
    entity = _entity(session, ref)
    if entity.key.startswith(RESERVED):
        raise InvalidInput(f"{ref}: this entity was anonymised in an earlier round; its label is in the text and cannot change")
    return entity


def _mention(session: Session, ref: str) -> AnonMention:
    match = re.fullmatch(r"[Mm](\d+)", ref.strip())
    mention = session.get(AnonMention, int(match.group(1))) if match else None
    if mention is None:
        raise NotFound(f"no mention '{ref}'")
    return mention


def _set_label(session: Session, entity: AnonEntity, label: str) -> None:
    label = label.strip()
    if not label:
        raise InvalidInput("a label must not be empty")
    if not (label.startswith("[") and label.endswith("]")):
        label = f"[{label}]"
    if entity.type not in FIXED_LABELS:
        clash = session.scalar(select(AnonEntity).where(AnonEntity.label == label, AnonEntity.id != entity.id))
        if clash is not None:
            raise InvalidInput(f"label {label} is already used by E{clash.id}; labels of people, places and organisations must differ")
    entity.label = label


def decide(
    project: Project,
    ref: str,
    *,
    decision: str | None = None,
    type_: str | None = None,
    label: str | None = None,
) -> dict[str, Any]:
    """Decide on an entity (E12) or one mention (M345): accept/reject, change type, rename label."""
    with project.session() as s:
        return _decide(s, ref, decision=decision, type_=type_, label=label)


def _decide(s: Session, ref: str, *, decision: str | None, type_: str | None, label: str | None) -> dict[str, Any]:
    if ref.strip()[:1] in ("M", "m"):
        mention = _mention(s, ref)
        if type_ or label:
            raise InvalidInput(f"{ref}: change the type or label on the entity E{mention.entity_id}, not on one mention")
        if decision is not None:
            mention.decision = {"accept": "accepted", "reject": "rejected", "inherit": "inherit", "pending": "inherit"}.get(decision) or _bad_decision(decision)
        return {"id": f"M{mention.id}", "decision": mention.decision}
    entity = _reviewable(s, ref)
    if decision is not None:
        entity.decision = {"accept": "accepted", "reject": "rejected", "pending": "pending"}.get(decision) or _bad_decision(decision)
    if type_ is not None:
        new_type = _check_type(type_)
        if new_type != entity.type:
            entity.type = new_type
            entity.label = next_label(s, new_type, entity.text, _participants(s))
    if label is not None:
        _set_label(s, entity, label)
    return {"id": f"E{entity.id}", "type": entity.type, "label": entity.label, "decision": entity.decision}


def _bad_decision(value: str) -> str:
    raise InvalidInput(f"decision '{value}' must be accept, reject or pending")


def accept_all(project: Project) -> int:
    """Accept every pending entity (for scripts and tests; a person should review).

    An entity decided mention by mention is left as it is: accepting it as a whole
    would scrub its name from free text the reviewer chose to keep.
    """
    with project.session() as s:
        pending = pending_entity_ids(s)
        for entity_id in pending:
            s.get(AnonEntity, entity_id).decision = "accepted"  # type: ignore[union-attr]
        return len(pending)


def export_decisions(project: Project, path: Path | str) -> int:
    """Write entities (and their mentions) to a CSV/YAML decisions file for offline review.

    The file holds the real identifiers, so it must not be written inside the project folder.
    """
    path = Path(path)
    _outside_project(project, path)
    rows = []
    for e in list_entities(project, examples=1000):
        rows.append({"id": e["id"], "type": e["type"], "text": e["text"], "label": e["label"],
                     "decision": {"accepted": "accept", "rejected": "reject"}.get(e["decision"], "pending"),
                     "context": " | ".join(x["context"] for x in e["examples"][:2])})
        for m in e["examples"]:
            if m["decision"] != "inherit":
                rows.append({"id": m["id"], "type": "", "text": "", "label": "",
                             "decision": {"accepted": "accept", "rejected": "reject"}[m["decision"]], "context": m["context"]})
    if path.suffix.lower() in (".yaml", ".yml"):
        path.write_text(yaml.safe_dump({"decisions": rows}, sort_keys=False, allow_unicode=True), encoding="utf-8")
    elif path.suffix.lower() == ".csv":
        write_csv(path, ["id", "type", "text", "label", "decision", "context"], ([r[k] for k in ("id", "type", "text", "label", "decision", "context")] for r in rows))
    else:
        raise InvalidInput(f"{path.name}: a decisions file is .csv or .yaml")
    return len(rows)


def import_decisions(project: Project, path: Path | str) -> int:
    """Apply a reviewed decisions file (columns id, decision[, type, label]); all or nothing."""
    path = Path(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
        except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"{path.name}: not a readable YAML decisions file ({exc})") from None
        rows = data.get("decisions") if isinstance(data, dict) else None
        if not isinstance(rows, list):
            raise InvalidInput(f"{path.name}: expected a list under 'decisions:'")
        items = [(f"{path.name}, item {i}", {k: cell_text(v) for k, v in r.items()}) for i, r in enumerate(rows, start=1)]
    else:
        header, table = read_table(path)
        index = column_index(header, path.name, ["id", "decision"])
        items = [
            (f"{path.name}, row {n}", {k: cell_text(row[i]) for k, i in index.items()})
            for n, row in enumerate(table, start=2)
        ]
    with project.session() as s:
        for where, item in items:
            try:
                _decide(s, item.get("id", ""), decision=item.get("decision") or None,
                        type_=item.get("type") or None, label=item.get("label") or None)
            except (InvalidInput, NotFound) as exc:
                raise type(exc)(f"{where}: {exc}") from None
    return len(items)


def status(project: Project) -> dict[str, Any]:
    """What is left to decide, per source, and which sources are anonymised."""
    with project.session() as s:
        per_source: dict[str, dict[str, Any]] = {
            src.name: {"anonymised_at": src.anonymised_at.isoformat(timespec="seconds") if src.anonymised_at else None,
                       "mentions": 0, "pending": 0, "accepted": 0, "rejected": 0}
            for src in s.scalars(select(Source).order_by(Source.name))
        }
        rows = s.execute(
            select(Source.name, AnonMention.decision, AnonEntity.decision)
            .join(AnonMention, AnonMention.source_id == Source.id)
            .join(AnonEntity, AnonEntity.id == AnonMention.entity_id)
        )
        for name, mention_decision, entity_decision in rows:
            per_source[name]["mentions"] += 1
            per_source[name][effective_decision(mention_decision, entity_decision)] += 1
        by_state = {state: 0 for state in ENTITY_STATES}
        for own, mention_decisions in decisions_by_entity(s).values():
            by_state[entity_state(own, mention_decisions)] += 1
        done = [v["anonymised_at"] for v in per_source.values()]
        return {
            "anonymised": bool(done) and all(done),
            "sources_anonymised": sum(1 for d in done if d),
            "sources_not_anonymised": sum(1 for d in done if not d),
            # what apply would refuse over: the same rule (entity_state) as apply
            "pending_entities": by_state["pending"],
            # entities under review (not those of earlier rounds), by entity_state
            "entities": by_state,
            "sources": [{"source": k, **v} for k, v in per_source.items()],
        }


def _outside_project(project: Project, path: Path) -> None:
    target = path.resolve()
    root = project.root.resolve()
    if target == root or root in target.parents:
        raise InvalidInput(
            f"{path}: this file would hold real identifiers, so it must be written outside the project folder"
        )


def clear_review(session: Session) -> None:
    """Forget candidates, the register and entities' real text (it now lives only in the
    key file); keep each entity's label reserved so later rounds never reuse it."""
    session.execute(delete(AnonMention))
    session.execute(delete(RegisterEntry))
    for entity in session.scalars(select(AnonEntity)).all():
        if not entity.key.startswith(RESERVED):
            entity.key, entity.text = f"{RESERVED}{entity.id}", entity.label
