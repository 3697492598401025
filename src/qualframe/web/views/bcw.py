"""The Behaviour Change Wheel: factors (barriers and enablers), their evidence and
diagnosis, candidate intervention functions with APEASE judgements, selections, the
factor's history (also of a deleted factor, read-only) and the mapping table. Viewers
read; coders edit.

Every change goes through ``mapping``; the library refuses what is not allowed (a
factor without evidence, a selection outside the candidates without a justification)
and its message is shown to the person.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response

from ... import codebook, mapping, sources
from ... import vocabularies as vocab
from ...errors import InvalidInput, NotFound
from ...store import JUDGEMENTS, POLARITIES, is_guid
from ..routing import Visit, page

FACTOR_REF = re.compile(r"^F\d+$")
KINDS = {"function": "functions", "policy": "policies", "technique": "techniques"}
QUOTES_SHOWN = 60


# --- reading the forms ----------------------------------------------------------------


def ticked(visit: Visit, prefix: str) -> list[str]:
    """The values of the checkboxes named ``prefix.N`` that were ticked, in page order.

    A form field can hold only one value here, so each checkbox has a name of its own.
    """
    return [value for key, value in visit.form.items() if key.startswith(f"{prefix}.") and value.strip()]


def lines(text: str) -> list[str]:
    """Items typed one a line (or separated by commas)."""
    return [item.strip() for item in re.split(r"[\n,]", text) if item.strip()]


def _ref(ref: str) -> str:
    if not FACTOR_REF.match(ref):
        raise NotFound(f"no factor '{ref}' (factors are F1, F2, …)")
    return ref


def _factor_fields(visit: Visit) -> dict[str, Any]:
    """The fields the add and edit forms share."""
    return {
        "label": visit.field("label"),
        "description": visit.field("description", ""),
        "polarity": visit.field("polarity", ""),
        "level": visit.field("level"),
        "amenable": visit.field("amenable", "") == "on",
        "tdf": ticked(visit, "tdf"),
        "comb": ticked(visit, "comb"),
    }


# --- what the pages show ----------------------------------------------------------------


def reference() -> dict[str, Any]:
    """The BCW's vocabularies as the forms list them."""
    comb = vocab.labels("comb")
    return {
        "comb_labels": comb,
        "tdf_domains": [
            {"id": d["id"], "label": d["label"], "comb": [comb[c] for c in d["comb"]]} for d in vocab.domains()
        ],
        "tdf_labels": vocab.labels("tdf"),
        "function_labels": vocab.labels("function"),
        "policy_labels": vocab.labels("policy"),
        "technique_labels": vocab.labels("technique"),
        "criteria": vocab.criteria(),
        "judgements": JUDGEMENTS,
        "polarities": POLARITIES,
        "kind_names": vocab.KIND_NAMES,
    }


def _form_context(visit: Visit) -> dict[str, Any]:
    return {
        "levels": mapping.factor_levels(visit.project),
        "codes": [{"path": c["path"], "depth": c["depth"], "codings": c["codings"]} for c in codebook.list_codes(visit.project)],
        **reference(),
    }


def describe_change(change: dict[str, Any]) -> list[str]:
    """One history entry's detail as short lines a person can read."""
    def show(value: Any) -> str:
        if isinstance(value, list):
            return ", ".join(str(v) for v in value) or "none"
        if value is None or value == "":
            return "none"
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)

    detail = change["detail"]
    if change["action"] == "edited":
        return [f"{key}: {show(value['from'])} → {show(value['to'])}" for key, value in detail.items()]
    if change["action"] == "apease":
        note = f" ({detail['note']})" if detail.get("note") else ""
        return [f"{detail.get('function')}, {detail.get('criterion')}: {detail.get('judgement')}{note}"]
    return [f"{key}: {show(value)}" for key, value in detail.items() if value not in (None, "", [])]


def readable_history(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The history newest first, each entry with its detail as lines (``describe_change``)."""
    for change in history:
        change["lines"] = describe_change(change)
    return list(reversed(history))


def _considered_functions(factor: dict[str, Any]) -> list[dict[str, Any]]:
    """Functions to judge with APEASE: the candidates, then selected ones outside them."""
    labels = vocab.labels("function")
    candidates = (factor["candidates"] or {}).get("functions", [])
    known = {f["id"] for f in candidates}
    rows = [{"id": f["id"], "label": f["label"], "candidate": True, "addresses": f["addresses"]} for f in candidates]
    rows += [
        {"id": s["id"], "label": labels[s["id"]], "candidate": False, "addresses": []}
        for s in factor["selected"]["functions"] if s["id"] not in known
    ]
    return rows


# --- pages ------------------------------------------------------------------------------


@page("/bcw")
def bcw_page(visit: Visit) -> Response:
    factors = mapping.list_factors(visit.project)
    deleted = list(reversed(mapping.deleted_factors(visit.project)))
    return visit.render("bcw/list.html", factors=factors, deleted=deleted, **_form_context(visit))


@page("/bcw/factors", methods=("POST",), role="coder")
def add_factor(visit: Visit) -> Response:
    fields = _factor_fields(visit)
    if not fields["polarity"]:
        raise InvalidInput("choose whether the factor is a barrier or an enabler")
    made = mapping.add_factor(
        visit.project, fields.pop("label"), codes=ticked(visit, "code"), quotes=lines(visit.field("quotes", "")),
        author=visit.who.user, **fields,
    )
    return visit.redirect(f"/bcw/factor/{made['id']}")


@page("/bcw/factor/{ref}")
def factor_page(visit: Visit, ref: str) -> Response:
    ref = _ref(ref)
    try:
        factor = mapping.get_factor(visit.project, ref)
    except NotFound:
        # a bookmark or an old link to a factor deleted since: show what it was (the
        # library's rule for which deleted factor a number names, or why it names none)
        return visit.redirect(f"/bcw/deleted/{mapping.factor_trail(visit.project, ref)['guid']}")
    guids = {s["name"]: s["guid"] for s in sources.list_sources(visit.project, with_text=False)}
    history = mapping.factor_history(visit.project, ref)
    return visit.render(
        "bcw/factor.html", f=factor, guids=guids, history=readable_history(history),
        considered=_considered_functions(factor), quotes_shown=QUOTES_SHOWN, **_form_context(visit),
    )


@page("/bcw/deleted/{guid}")
def deleted_factor_page(visit: Visit, guid: str) -> Response:
    """A deleted factor, read-only: what it said when deleted, and its history.

    Named by GUID, since a deleted factor's number may since have gone to a new factor.
    """
    if not is_guid(guid):
        raise NotFound(f"no deleted factor '{guid}': open it from the list of deleted factors on the BCW page")
    trail = mapping.factor_trail(visit.project, guid)
    if trail["deleted"] is None:  # not deleted after all: show the live factor
        return visit.redirect(f"/bcw/factor/{trail['id']}")
    # its number may since have gone to a new factor: say so, so the two are not confused
    successor = next((f for f in mapping.list_factors(visit.project) if f["id"] == trail["id"]), None)
    return visit.render("bcw/deleted.html", trail=trail, history=readable_history(trail["history"]),
                        successor=successor, **reference())


@page("/bcw/factor/{ref}/edit", methods=("POST",), role="coder")
def edit_factor(visit: Visit, ref: str) -> Response:
    """Change the factor as the person saw it; refused if someone else changed it since."""
    current = mapping.get_factor(visit.project, _ref(ref))
    fields = _factor_fields(visit)
    codes, quotes = set(ticked(visit, "code")), set(ticked(visit, "quote"))
    chosen = {f"{q['source']}:{q['start']}-{q['end']}" for q in current["quotes"] if q["chosen"]}
    mapping.edit_factor(
        visit.project, ref, author=visit.who.user, expected_version=visit.version(),
        polarity=fields.pop("polarity") or None,
        add_codes=sorted(codes - set(current["codes"])), remove_codes=sorted(set(current["codes"]) - codes),
        add_quotes=lines(visit.field("add_quotes", "")), remove_quotes=sorted(chosen - quotes),
        **fields,
    )
    return visit.redirect(f"/bcw/factor/{ref}")


@page("/bcw/factor/{ref}/delete", methods=("POST",), role="owner")
def delete_factor(visit: Visit, ref: str) -> Response:
    """Delete a factor the person confirmed; its history stays in the audit trail."""
    factor = mapping.get_factor(visit.project, _ref(ref))
    if visit.field("confirm", "") != "yes":
        raise InvalidInput(f"tick the box to confirm deleting {factor['id']} “{factor['label']}”")
    mapping.delete_factor(visit.project, ref, author=visit.who.user, expected_version=visit.version())
    return visit.redirect("/bcw")


@page("/bcw/factor/{ref}/apease", methods=("POST",), role="coder")
def apease(visit: Visit, ref: str) -> Response:
    """A function's APEASE judgements, every criterion the person judged, in one go."""
    function = visit.field("function").strip()
    judgements: dict[str, tuple[str, str]] = {}
    for criterion in vocab.criteria():
        judgement = visit.field(f"judgement.{criterion['id']}", "").strip()
        note = visit.field(f"note.{criterion['id']}", "")
        if judgement:
            judgements[criterion["id"]] = (judgement, note)
        elif note.strip():
            raise InvalidInput(f"{criterion['label']}: choose yes, no or unsure to keep the note")
    if not judgements:
        raise InvalidInput("choose yes, no or unsure for at least one APEASE criterion")
    mapping.set_apease_judgements(visit.project, _ref(ref), function, judgements, author=visit.who.user)
    return visit.redirect(f"/bcw/factor/{ref}#apease-{function}")


def _selection(visit: Visit) -> dict[str, list[str]]:
    kind = visit.field("kind").strip()
    if kind not in KINDS:
        raise InvalidInput(f"kind '{kind}' must be one of: {', '.join(KINDS)}")
    item = visit.field("item").strip()
    if not item:
        raise InvalidInput(f"choose the {vocab.KIND_NAMES[kind]} to select")
    return {KINDS[kind]: [item]}


@page("/bcw/factor/{ref}/select", methods=("POST",), role="coder")
def select(visit: Visit, ref: str) -> Response:
    """Select a function, policy or technique; outside the candidates it needs a justification."""
    mapping.select_items(
        visit.project, _ref(ref), author=visit.who.user,
        justification=visit.field("justification", "").strip() or None, **_selection(visit),
    )
    return visit.redirect(f"/bcw/factor/{ref}#selections")


@page("/bcw/factor/{ref}/deselect", methods=("POST",), role="coder")
def deselect(visit: Visit, ref: str) -> Response:
    mapping.select_items(visit.project, _ref(ref), author=visit.who.user, remove=True, **_selection(visit))
    return visit.redirect(f"/bcw/factor/{ref}#selections")


@page("/bcw/mapping")
def mapping_table(visit: Visit) -> Response:
    return visit.render("bcw/mapping.html", header=mapping.MAPPING_HEADER, rows=mapping.mapping_rows(visit.project))
