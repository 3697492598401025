"""Map and interpret: barriers and enablers as factors, diagnosed and mapped onto the
Behaviour Change Wheel (COM-B, TDF, intervention functions, policy categories, BCTTv1).

A factor is evidenced by codes and coded quotes. Its diagnosis (TDF domains and COM-B
components; a TDF domain implies its components) yields candidate intervention
functions, ranked by how many of the factor's components they address, the policy
categories that can deliver them and the techniques most used for them. The researcher
judges candidates with APEASE and selects; nothing is selected automatically, and a
choice outside the candidates needs a written justification. Every change is recorded
with who made it and when.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from . import vocabularies as vocab
from .codebook import code_by_path, code_tree
from .coding import speaker_at
from .errors import InvalidInput, NotFound
from .project import Project, get_or_create_user
from .sources import source_by_name
from .store import (
    DEFAULT_FACTOR_LEVELS,
    Case,
    JUDGEMENTS,
    POLARITIES,
    Change,
    Coding,
    Factor,
    FactorApease,
    FactorCode,
    FactorCoding,
    FactorDiagnosis,
    FactorSelection,
    ProjectInfo,
    Source,
    Turn,
    User,
    bump_version,
    is_guid,
    utcnow,
)

_SPAN = re.compile(r"^(?P<source>.+):(?P<start>\d+)-(?P<end>\d+)$")
_NUMBER = re.compile(r"^[Ff](\d+)$")


# --- helpers ------------------------------------------------------------------------


def record(session: Session, author: User | None, factor: Factor, action: str, detail: dict[str, Any]) -> None:
    """Add an entry to the audit trail."""
    session.add(
        Change(
            author_id=author.id if author else None,
            entity_type="factor",
            entity_guid=factor.guid,
            action=action,
            detail=json.dumps(detail, ensure_ascii=False, sort_keys=True),
        )
    )


def factor_levels(project: Project) -> list[str]:
    with project.session() as s:
        return _levels(s)


def _levels(session: Session) -> list[str]:
    row = session.get(ProjectInfo, "factor_levels")
    return json.loads(row.value) if row else list(DEFAULT_FACTOR_LEVELS)


def set_factor_levels(project: Project, levels: Iterable[str]) -> list[str]:
    """Set the project's factor levels; a level still used by a factor cannot be dropped."""
    clean = []
    for level in levels:
        level = level.strip()
        if level and level not in clean:
            clean.append(level)
    if not clean:
        raise InvalidInput("give at least one factor level")
    with project.session() as s:
        used = set(s.scalars(select(Factor.level)))
        missing = sorted(used - set(clean))
        if missing:
            raise InvalidInput(f"level(s) {', '.join(missing)} are used by factors; keep them or change those factors first")
        row = s.get(ProjectInfo, "factor_levels")
        if row is None:
            s.add(ProjectInfo(key="factor_levels", value=json.dumps(clean)))
        else:
            row.value = json.dumps(clean)
    return clean


def find_factor(session: Session, ref: str) -> Factor:
    """A factor by its number (``F3``) or its label."""
    ref = ref.strip()
    match = _NUMBER.match(ref)
    factor = (
        session.scalar(select(Factor).where(Factor.number == int(match.group(1))))
        if match
        else session.scalar(select(Factor).where(Factor.label == ref))
    )
    if factor is None:
        candidates = session.scalars(select(Factor).where(func.lower(Factor.label) == ref.lower())).all()
        if len(candidates) == 1:
            return candidates[0]
        known = [f"F{f.number} {f.label}" for f in session.scalars(select(Factor).order_by(Factor.number)).all()[:15]]
        hint = f" (factors: {'; '.join(known)})" if known else " (the project has no factors yet)"
        raise NotFound(f"no factor '{ref}'{hint}")
    return factor


def _codings_at(session: Session, ref: str) -> list[Coding]:
    """The codings at ``SOURCE:START-END`` (the quote may carry several codes)."""
    match = _SPAN.match(ref.strip())
    if not match:
        raise InvalidInput(f"quote '{ref}' must be written SOURCE:START-END, e.g. C01:120-245")
    source = source_by_name(session, match.group("source"))
    start, end = int(match.group("start")), int(match.group("end"))
    codings = session.scalars(
        select(Coding).where(Coding.source_id == source.id, Coding.start == start, Coding.end == end)
    ).all()
    if not codings:
        raise NotFound(f"no coding at {source.name}:{start}-{end}; code the quote first ('qualframe code')")
    return list(codings)


def _check_choice(value: str, allowed: Iterable[str], what: str) -> str:
    allowed = list(allowed)
    if value not in allowed:
        raise InvalidInput(f"{what} '{value}' must be one of: {', '.join(allowed)}")
    return value


# --- factors ------------------------------------------------------------------------


def _diagnosis(session: Session, factor: Factor) -> tuple[list[str], list[str]]:
    rows = session.scalars(select(FactorDiagnosis).where(FactorDiagnosis.factor_id == factor.id)).all()
    tdf_order, comb_order = list(vocab.labels("tdf")), list(vocab.labels("comb"))
    tdf = sorted((r.item for r in rows if r.kind == "tdf"), key=tdf_order.index)
    comb = sorted((r.item for r in rows if r.kind == "comb"), key=comb_order.index)
    return tdf, comb


def _set_diagnosis(session: Session, factor: Factor, tdf: list[str], comb: list[str]) -> None:
    session.execute(delete(FactorDiagnosis).where(FactorDiagnosis.factor_id == factor.id))
    session.add_all([FactorDiagnosis(factor_id=factor.id, kind="tdf", item=t) for t in tdf])
    session.add_all([FactorDiagnosis(factor_id=factor.id, kind="comb", item=c) for c in comb])


def _evidence_counts(session: Session, factor: Factor) -> int:
    codes = session.scalar(select(func.count()).select_from(FactorCode).where(FactorCode.factor_id == factor.id)) or 0
    quotes = session.scalar(select(func.count()).select_from(FactorCoding).where(FactorCoding.factor_id == factor.id)) or 0
    return codes + quotes


def add_factor(
    project: Project,
    label: str,
    *,
    polarity: str,
    level: str = "general",
    description: str = "",
    amenable: bool = True,
    codes: Iterable[str] = (),
    quotes: Iterable[str] = (),
    tdf: Iterable[str] = (),
    comb: Iterable[str] = (),
    author: str,
) -> dict[str, Any]:
    """Record a barrier or enabler with its evidence (at least one code or coded quote)."""
    label = label.strip()
    if not label:
        raise InvalidInput("a factor needs a label")
    codes, quotes = list(codes), list(quotes)
    if not codes and not quotes:
        raise InvalidInput(f"factor '{label}' needs evidence: give at least one code (--code) or coded quote (--quote)")
    with project.session() as s:
        _check_choice(polarity, POLARITIES, "polarity")
        _check_choice(level, _levels(s), "level")
        tdf_ids, comb_ids = vocab.check_ids("tdf", tdf), vocab.check_ids("comb", comb)
        if s.scalar(select(Factor.id).where(Factor.label == label)) is not None:
            raise InvalidInput(f"a factor labelled '{label}' already exists")
        number = (s.scalar(select(func.max(Factor.number))) or 0) + 1
        factor = Factor(number=number, label=label, description=description.strip(), polarity=polarity,
                        level=level, amenable=amenable)
        s.add(factor)
        s.flush()
        for path in codes:
            s.add(FactorCode(factor_id=factor.id, code_id=code_by_path(s, path).id))
        for ref in quotes:
            for coding in _codings_at(s, ref):
                s.merge(FactorCoding(factor_id=factor.id, coding_id=coding.id))
        _set_diagnosis(s, factor, tdf_ids, comb_ids)
        s.flush()
        record(s, get_or_create_user(s, author), factor, "created", _snapshot(s, factor))
        return _detail(s, factor)


def edit_factor(
    project: Project,
    ref: str,
    *,
    author: str,
    label: str | None = None,
    description: str | None = None,
    polarity: str | None = None,
    level: str | None = None,
    amenable: bool | None = None,
    add_codes: Iterable[str] = (),
    remove_codes: Iterable[str] = (),
    add_quotes: Iterable[str] = (),
    remove_quotes: Iterable[str] = (),
    tdf: Iterable[str] | None = None,
    comb: Iterable[str] | None = None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Change a factor; the change is refused if it would leave it without evidence, or
    leave a selection outside the candidates without a justification.

    ``expected_version`` is the version the editor saw (from ``get_factor``); if someone
    else changed the factor since, the edit is refused (``Conflict``). None: no check.
    """
    with project.session() as s:
        factor = find_factor(s, ref)
        before = _snapshot(s, factor)
        if label is not None:
            label = label.strip()
            if not label:
                raise InvalidInput("a factor needs a label")
            other = s.scalar(select(Factor.id).where(Factor.label == label, Factor.id != factor.id))
            if other is not None:
                raise InvalidInput(f"a factor labelled '{label}' already exists")
            factor.label = label
        if description is not None:
            factor.description = description.strip()
        if polarity is not None:
            factor.polarity = _check_choice(polarity, POLARITIES, "polarity")
        if level is not None:
            factor.level = _check_choice(level, _levels(s), "level")
        if amenable is not None:
            factor.amenable = amenable
        for path in add_codes:
            s.merge(FactorCode(factor_id=factor.id, code_id=code_by_path(s, path).id))
        for path in remove_codes:
            code = code_by_path(s, path)
            s.execute(delete(FactorCode).where(FactorCode.factor_id == factor.id, FactorCode.code_id == code.id))
        for item in add_quotes:
            for coding in _codings_at(s, item):
                s.merge(FactorCoding(factor_id=factor.id, coding_id=coding.id))
        for item in remove_quotes:
            ids = [c.id for c in _codings_at(s, item)]
            s.execute(delete(FactorCoding).where(FactorCoding.factor_id == factor.id, FactorCoding.coding_id.in_(ids)))
        if tdf is not None or comb is not None:
            old_tdf, old_comb = _diagnosis(s, factor)
            _set_diagnosis(
                s, factor,
                vocab.check_ids("tdf", tdf) if tdf is not None else old_tdf,
                vocab.check_ids("comb", comb) if comb is not None else old_comb,
            )
        s.flush()
        if _evidence_counts(s, factor) == 0:
            raise InvalidInput(f"F{factor.number} would be left without evidence; keep at least one code or quote")
        selections = s.scalars(select(FactorSelection).where(FactorSelection.factor_id == factor.id)).all()
        if selections and not factor.amenable:
            raise InvalidInput(
                f"F{factor.number} has selected functions, policies or techniques; "
                "remove them before marking it not amenable to change"
            )
        stranded = _unjustified_outside(s, factor, selections)
        if stranded:
            raise InvalidInput(
                f"after this change, these selections of F{factor.number} are no longer candidates and have no "
                f"justification: {', '.join(stranded)}; remove or justify them first"
            )
        after = _snapshot(s, factor)
        changed = {key: {"from": before[key], "to": after[key]} for key in after if before.get(key) != after[key]}
        if changed:
            bump_version(s, factor, expected_version, f"factor F{factor.number} ({before['label']})")
            factor.updated_at = utcnow()
            record(s, get_or_create_user(s, author), factor, "edited", changed)
        return _detail(s, factor)


def delete_factor(project: Project, ref: str, *, author: str, expected_version: int | None = None) -> None:
    """Delete a factor; its history is kept. ``expected_version`` as in ``edit_factor``:
    a factor someone changed after the person opened it is not deleted."""
    with project.session() as s:
        factor = find_factor(s, ref)
        if expected_version is not None:
            bump_version(s, factor, expected_version, f"factor F{factor.number} ({factor.label})")
        # the number goes into the record too: the history of a deleted factor is found by it
        record(s, get_or_create_user(s, author), factor, "deleted", {"number": factor.number, **_snapshot(s, factor)})
        s.delete(factor)


def _snapshot(session: Session, factor: Factor) -> dict[str, Any]:
    tdf, comb = _diagnosis(session, factor)
    paths = {c.id: p for c, p, _ in code_tree(session)}
    codes = sorted(paths[c] for c in session.scalars(select(FactorCode.code_id).where(FactorCode.factor_id == factor.id)))
    quotes = sorted(
        f"{name}:{start}-{end}"
        for name, start, end in session.execute(
            select(Source.name, Coding.start, Coding.end)
            .join(Coding, Coding.source_id == Source.id)
            .join(FactorCoding, FactorCoding.coding_id == Coding.id)
            .where(FactorCoding.factor_id == factor.id)
        ).unique()
    )
    return {
        "label": factor.label,
        "description": factor.description,
        "polarity": factor.polarity,
        "level": factor.level,
        "amenable": factor.amenable,
        "codes": codes,
        "quotes": sorted(set(quotes)),
        "tdf": tdf,
        "comb": comb,
    }


# --- mapping ------------------------------------------------------------------------


def _candidates(session: Session, factor: Factor) -> dict[str, Any]:
    tdf, comb = _diagnosis(session, factor)
    return vocab.recommend(comb=comb, tdf=tdf)


def _candidate_sets(candidates: dict[str, Any]) -> dict[str, set[str]]:
    return {
        "function": {f["id"] for f in candidates["functions"]},
        "policy": set(candidates["policies"]),
        "technique": set(candidates["techniques"]),
    }


def _unjustified_outside(session: Session, factor: Factor, selections: Iterable[FactorSelection]) -> list[str]:
    sets = _candidate_sets(_candidates(session, factor))
    return [f"{s.kind} {s.item}" for s in selections if s.item not in sets[s.kind] and not s.justification]


def select_items(
    project: Project,
    ref: str,
    *,
    functions: Iterable[str] = (),
    policies: Iterable[str] = (),
    techniques: Iterable[str] = (),
    justification: str | None = None,
    remove: bool = False,
    author: str,
) -> dict[str, Any]:
    """Select (or with ``remove`` deselect) functions, policies and techniques for a factor.

    Anything outside the factor's candidates needs a written ``justification``.
    """
    wanted = {
        "function": vocab.check_ids("function", functions),
        "policy": vocab.check_ids("policy", policies),
        "technique": vocab.check_ids("technique", techniques),
    }
    if not any(wanted.values()):
        raise InvalidInput("name at least one --function, --policy or --technique")
    justification = (justification or "").strip() or None
    with project.session() as s:
        factor = find_factor(s, ref)
        user = get_or_create_user(s, author)
        if remove:
            for kind, items in wanted.items():
                for item in items:
                    row = s.get(FactorSelection, (factor.id, kind, item))
                    if row is None:
                        raise NotFound(f"{vocab.KIND_NAMES[kind]} '{item}' is not selected for F{factor.number}")
                    s.delete(row)
            record(s, user, factor, "deselected", {k: v for k, v in wanted.items() if v})
            return _detail(s, factor)
        if not factor.amenable:
            raise InvalidInput(f"F{factor.number} '{factor.label}' is not marked amenable to change, so nothing is mapped for it")
        sets = _candidate_sets(_candidates(s, factor))
        for kind, items in wanted.items():
            outside = [item for item in items if item not in sets[kind]]
            if outside and not justification:
                names = ", ".join(sorted(sets[kind], key=_sort_key(kind))) or "none: diagnose the factor first"
                raise InvalidInput(
                    f"{', '.join(outside)} {'is' if len(outside) == 1 else 'are'} not among the candidate "
                    f"{vocab.KIND_NAMES[kind]}s for F{factor.number} ({names}); give a justification (--justification) to select anyway"
                )
            for item in items:
                row = s.get(FactorSelection, (factor.id, kind, item))
                note = justification if item not in sets[kind] else None
                if row is None:
                    s.add(FactorSelection(factor_id=factor.id, kind=kind, item=item, justification=note))
                elif note:
                    row.justification = note
        record(s, user, factor, "selected", {**{k: v for k, v in wanted.items() if v}, "justification": justification})
        s.flush()
        return _detail(s, factor)


def _sort_key(kind: str):  # type: ignore[no-untyped-def]
    order = list(vocab.labels(kind))
    return lambda item: order.index(item) if item in order else len(order)


def set_apease(
    project: Project,
    ref: str,
    function: str,
    criterion: str,
    judgement: str,
    *,
    note: str = "",
    author: str,
) -> dict[str, Any]:
    """Record the APEASE judgement (yes / no / unsure, with a note) of one function for a factor."""
    return set_apease_judgements(project, ref, function, {criterion: (judgement, note)}, author=author, only_changes=False)


def set_apease_judgements(
    project: Project,
    ref: str,
    function: str,
    judgements: dict[str, tuple[str, str]],
    *,
    author: str,
    only_changes: bool = True,
) -> dict[str, Any]:
    """Record several APEASE judgements of one function at once: criterion -> (judgement, note).

    All or nothing: one unknown criterion or judgement refuses the lot. With
    ``only_changes``, a judgement already recorded with the same note is left as it is
    (a form sends every criterion; the history keeps only what changed).
    """
    vocab.check_ids("function", [function])
    vocab.check_ids("apease", list(judgements))
    for criterion, (judgement, _) in judgements.items():
        _check_choice(judgement, JUDGEMENTS, "judgement" if len(judgements) == 1 else f"judgement of {criterion}")
    with project.session() as s:
        factor = find_factor(s, ref)
        considered = _candidate_sets(_candidates(s, factor))["function"] | set(
            s.scalars(select(FactorSelection.item).where(FactorSelection.factor_id == factor.id, FactorSelection.kind == "function"))
        )
        if function not in considered:
            raise InvalidInput(f"'{function}' is neither a candidate nor a selected function of F{factor.number}")
        user = get_or_create_user(s, author)
        for criterion, (judgement, note) in judgements.items():
            note = note.strip()
            row = s.get(FactorApease, (factor.id, function, criterion))
            if row is None:
                s.add(FactorApease(factor_id=factor.id, function=function, criterion=criterion, judgement=judgement, note=note))
            elif only_changes and (row.judgement, row.note) == (judgement, note):
                continue
            else:
                row.judgement, row.note = judgement, note
            record(s, user, factor, "apease",
                   {"function": function, "criterion": criterion, "judgement": judgement, "note": note})
        s.flush()
        return _detail(s, factor)


# --- reading ------------------------------------------------------------------------


def _evidence(session: Session, factor: Factor) -> tuple[list[str], list[dict[str, Any]]]:
    """The factor's codes, and its quotes: chosen ones first, then codings of its codes."""
    tree = code_tree(session)
    paths = {c.id: p for c, p, _ in tree}
    code_ids = list(session.scalars(select(FactorCode.code_id).where(FactorCode.factor_id == factor.id)))
    chosen = set(session.scalars(select(FactorCoding.coding_id).where(FactorCoding.factor_id == factor.id)))
    rows = session.execute(
        select(Coding.id, Coding.start, Coding.end, Coding.code_id, Source.id, Source.name, Source.plain_text, Source.case_id)
        .join(Source, Coding.source_id == Source.id)
        .where((Coding.id.in_(chosen)) | (Coding.code_id.in_(code_ids)))
    ).all()
    case_names = dict(session.execute(select(Case.id, Case.name)).all())
    quotes: dict[tuple[str, int, int], dict[str, Any]] = {}
    for cid, start, end, code_id, source_id, name, text, case_id in rows:
        key = (name, start, end)
        item = quotes.setdefault(key, {
            "source": name, "start": start, "end": end, "text": text[start:end],
            "case": case_names.get(case_id), "codes": [], "chosen": False, "source_id": source_id,
        })
        if paths[code_id] not in item["codes"]:
            item["codes"].append(paths[code_id])
        item["chosen"] = item["chosen"] or cid in chosen
    turns: dict[int, list[Any]] = {}
    for t in session.execute(
        select(Turn.source_id, Turn.start, Turn.end, Turn.speaker)
        .where(Turn.source_id.in_({q["source_id"] for q in quotes.values()}))
        .order_by(Turn.source_id, Turn.start)
    ):
        turns.setdefault(t.source_id, []).append(t)
    ordered = sorted(quotes.values(), key=lambda q: (not q["chosen"], q["source"], q["start"]))
    for q in ordered:
        source_turns = turns.get(q.pop("source_id"), [])
        q["speaker"] = speaker_at(source_turns, [t.start for t in source_turns], q["start"])
    return sorted(paths[c] for c in code_ids), ordered


def _detail(session: Session, factor: Factor) -> dict[str, Any]:
    tdf, comb = _diagnosis(session, factor)
    candidates = vocab.recommend(comb=comb, tdf=tdf)
    codes, quotes = _evidence(session, factor)
    sets = _candidate_sets(candidates)
    selected: dict[str, list[dict[str, Any]]] = {"functions": [], "policies": [], "techniques": []}
    for row in sorted(
        session.scalars(select(FactorSelection).where(FactorSelection.factor_id == factor.id)),
        key=lambda r: (r.kind, _sort_key(r.kind)(r.item)),
    ):
        selected[{"function": "functions", "policy": "policies", "technique": "techniques"}[row.kind]].append(
            {"id": row.item, "label": vocab.labels(row.kind)[row.item], "candidate": row.item in sets[row.kind],
             "justification": row.justification}
        )
    apease: dict[str, dict[str, dict[str, str]]] = {}
    for row in session.scalars(select(FactorApease).where(FactorApease.factor_id == factor.id)):
        apease.setdefault(row.function, {})[row.criterion] = {"judgement": row.judgement, "note": row.note}
    return {
        "id": f"F{factor.number}",
        "guid": factor.guid,
        "version": factor.version,
        "label": factor.label,
        "description": factor.description,
        "polarity": factor.polarity,
        "level": factor.level,
        "amenable": factor.amenable,
        "tdf": tdf,
        "comb_direct": comb,
        "comb": candidates["comb"],
        "codes": codes,
        "quotes": quotes,
        "candidates": {k: candidates[k] for k in ("functions", "policies", "techniques", "unverified")} if factor.amenable else None,
        "apease": apease,
        "selected": selected,
        "created_at": factor.created_at.isoformat(timespec="seconds") if factor.created_at else None,
        "updated_at": factor.updated_at.isoformat(timespec="seconds") if factor.updated_at else None,
    }


def get_factor(project: Project, ref: str) -> dict[str, Any]:
    with project.session() as s:
        return _detail(s, find_factor(s, ref))


def list_factors(project: Project) -> list[dict[str, Any]]:
    """Every factor, in number order, with its diagnosis, evidence and selections."""
    with project.session() as s:
        return [_detail(s, f) for f in s.scalars(select(Factor).order_by(Factor.number))]


# --- history, also of deleted factors ---------------------------------------------------
#
# Deleting a factor keeps its audit trail: the "deleted" entry holds what the factor said
# (its number, label, evidence and diagnosis). Numbers and labels can be reused:
# ``add_factor`` numbers a new factor one past the highest live number, so deleting the
# highest-numbered factor frees its number, and any deleted factor's label is free again.
# So a ref (F3 or a label) names the live factor first; only when no live factor has it
# are deleted ones searched. A deleted factor is always reached by its GUID, which
# ``deleted_factors`` lists.

def _history_rows(session: Session, guid: str) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Change).where(Change.entity_type == "factor", Change.entity_guid == guid).order_by(Change.at, Change.id)
    )
    return [
        {"at": r.at.isoformat(timespec="seconds"), "author": r.author.name if r.author else None,
         "action": r.action, "detail": json.loads(r.detail or "{}")}
        for r in rows
    ]


def _deletions(session: Session) -> list[dict[str, Any]]:
    """Every deleted factor, read from the "deleted" entries of the audit trail, oldest first.

    Deletions recorded before the number was kept in the entry have no number (``id`` None);
    they are found by label or GUID.
    """
    rows = session.scalars(
        select(Change).where(Change.entity_type == "factor", Change.action == "deleted").order_by(Change.at, Change.id)
    )
    found = []
    for row in rows:
        snapshot = json.loads(row.detail or "{}")
        number = snapshot.get("number")
        found.append({
            "id": f"F{number}" if number is not None else None,
            "number": number,
            "label": snapshot.get("label", ""),
            "guid": row.entity_guid,
            "deleted_at": row.at.isoformat(timespec="seconds"),
            "deleted_by": row.author.name if row.author else None,
            "snapshot": snapshot,
        })
    return found


def _deleted_matching(deletions: list[dict[str, Any]], ref: str) -> list[dict[str, Any]]:
    """The deleted factors a ref names: by GUID, by number (``F3``) or by label (exact, else any case)."""
    if is_guid(ref):
        return [d for d in deletions if d["guid"].lower() == ref.lower()]
    number = _NUMBER.match(ref)
    if number:
        return [d for d in deletions if d["number"] == int(number.group(1))]
    exact = [d for d in deletions if d["label"] == ref]
    return exact or [d for d in deletions if d["label"].lower() == ref.lower()]


def _name(deleted: dict[str, Any]) -> str:
    return f"{deleted['id'] or 'factor'} “{deleted['label']}”"


def deleted_factors(project: Project) -> list[dict[str, Any]]:
    """The deleted factors, oldest deletion first: number (``id``, e.g. F3), label, when and
    by whom each was deleted, its GUID (to see its history) and what it said (``snapshot``)."""
    with project.session() as s:
        return _deletions(s)


def factor_trail(project: Project, ref: str) -> dict[str, Any]:
    """The audit trail of a factor, live or deleted, named by number, label or GUID.

    A live factor wins over deleted ones with the same number or label (numbers are
    reused); those are listed in ``deleted_namesakes`` and reached by their GUID.
    Returns ``id``, ``guid``, ``label``, ``deleted`` (None, or ``at``, ``by`` and
    ``snapshot``: what it said when deleted), ``history`` and ``deleted_namesakes``.
    """
    ref = ref.strip()
    with project.session() as s:
        deletions = _deletions(s)
        missing: NotFound | None = None
        if is_guid(ref):
            factor = s.scalar(select(Factor).where(Factor.guid == ref.lower()))  # GUIDs are written in lower case
        else:
            try:
                factor = find_factor(s, ref)
            except NotFound as error:
                factor, missing = None, error
        if factor is not None:
            return {
                "id": f"F{factor.number}", "guid": factor.guid, "label": factor.label, "deleted": None,
                "history": _history_rows(s, factor.guid), "deleted_namesakes": _deleted_matching(deletions, ref),
            }
        matches = _deleted_matching(deletions, ref)
        if not matches:
            message = str(missing) if missing else f"no factor with GUID {ref}"
            if deletions:
                message += f"; deleted factors: {'; '.join(_name(d) for d in deletions[-15:])}"
            raise NotFound(message)
        if len(matches) > 1:
            raise InvalidInput(
                f"'{ref}' names {len(matches)} deleted factors: "
                + "; ".join(f"{_name(d)} deleted {d['deleted_at']} (GUID {d['guid']})" for d in matches)
                + "; give the GUID of the one to show"
            )
        [deleted] = matches
        return {
            "id": deleted["id"], "guid": deleted["guid"], "label": deleted["label"],
            "deleted": {"at": deleted["deleted_at"], "by": deleted["deleted_by"], "snapshot": deleted["snapshot"]},
            "history": _history_rows(s, deleted["guid"]), "deleted_namesakes": [],
        }


def factor_history(project: Project, ref: str) -> list[dict[str, Any]]:
    """Every change to a factor, oldest first; also of a deleted factor (see ``factor_trail``),
    whose last entry is then its deletion."""
    return factor_trail(project, ref)["history"]


def candidate_map(project: Project, ref: str | None = None) -> list[dict[str, Any]]:
    """The candidates of one factor, or of every factor amenable to change."""
    factors = [get_factor(project, ref)] if ref else [f for f in list_factors(project) if f["amenable"]]
    return [
        {"factor": f["id"], "label": f["label"], "comb": f["comb"], "tdf": f["tdf"], **(f["candidates"] or {})}
        for f in factors
    ]


# --- the mapping table --------------------------------------------------------------

MAPPING_HEADER = [
    "Factor", "Barrier or enabler", "Level", "COM-B", "TDF domains", "Intervention functions",
    "Policy categories", "Behaviour change techniques", "Evidence", "Justifications",
]


def mapping_rows(project: Project, quotes_per_factor: int = 2) -> list[list[str]]:
    """One row per factor, as a paper prints the mapping from diagnosis to intervention."""
    rows = []
    for f in list_factors(project):
        comb_labels, tdf_labels = vocab.labels("comb"), vocab.labels("tdf")
        chosen = f["selected"]
        if f["amenable"]:
            functions = [_marked(item) for item in chosen["functions"]]
            policies = [_marked(item) for item in chosen["policies"]]
            techniques = [_marked(item, number=True) for item in chosen["techniques"]]
        else:
            functions, policies, techniques = ["Not amenable to change"], [], []
        evidence = [
            f"“{q['text']}” ({q['case'] or q['source']})" for q in f["quotes"][:quotes_per_factor]
        ]
        justifications = [
            f"{_label_of(item, number=kind == 'techniques')}: {item['justification']}"
            for kind in ("functions", "policies", "techniques")
            for item in chosen[kind]
            if item["justification"]
        ]
        rows.append([
            f"{f['id']} {f['label']}",
            f["polarity"].capitalize(),
            f["level"].replace("_", " ").capitalize(),
            "; ".join(comb_labels[c] for c in f["comb"]),
            "; ".join(tdf_labels[t] for t in f["tdf"]),
            "\n".join(functions),
            "\n".join(policies),
            "\n".join(techniques),
            "\n\n".join(evidence),
            "\n".join(justifications),
        ])
    return rows


def _label_of(item: dict[str, Any], number: bool = False) -> str:
    return f"{item['id']} {item['label']}" if number else item["label"]


def _marked(item: dict[str, Any], number: bool = False) -> str:
    """A selection's label, with a dagger when it lies outside the BCW's links (justified)."""
    return _label_of(item, number) + ("" if item["candidate"] else " †")


def export_mapping_table(project: Project, out: Path | str) -> list[Path]:
    """Write the mapping table as .xlsx, .csv, .html or .docx."""
    from .tabular import Sheet, export_sheets

    rows = mapping_rows(project)
    if not rows:
        raise InvalidInput("there are no factors yet: add them with 'qualframe factor add'")
    widths = [28, 11, 12, 22, 26, 24, 24, 34, 60, 40]
    note = (
        "Mapping of barriers and enablers onto the Behaviour Change Wheel (Michie, van Stralen & West 2011; "
        "Michie, Atkins & West 2014), TDF v2 (Cane, O'Connor & Michie 2012) and BCTTv1 (Michie et al. 2013). "
        "† selected outside the BCW's published links, with the justification given."
    )
    return export_sheets(out, "Behaviour Change Wheel mapping", [Sheet("Mapping", MAPPING_HEADER, rows, widths)], note)
