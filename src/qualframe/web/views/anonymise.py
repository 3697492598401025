"""Anonymisation review: what is left to decide, running detection, deciding per entity.

Reviewing shows the identifiers found (that is its point), so it is open to coders and
owners; viewers see only the counts. The texts found are shown on the page but never
put into a URL or a log line: forms carry entity ids (E12). Applying the decisions
writes the encrypted key file with a passphrase, so it stays on the command line: the
page shows the command instead of a button.
"""

from __future__ import annotations

import shlex
from typing import Any

from starlette.responses import Response

from ...anonymise import review
from ...errors import InvalidInput
from ..routing import Visit, page

FILTERS = {"all": None, "pending": "pending", "accepted": "accepted", "rejected": "rejected"}
EXAMPLES = 3


def apply_command(visit: Visit, state: dict[str, Any]) -> str:
    """The command that applies the decisions, with a key file beside (outside) the project."""
    root = visit.project.root.resolve()
    rounds = len({s["anonymised_at"] for s in state["sources"] if s["anonymised_at"]})
    key = root.parent / f"{root.name}-round{rounds + 1}.key"
    return f"qualframe anonymise apply --project {shlex.quote(str(root))} --key {shlex.quote(str(key))}"


def _filter(visit: Visit) -> str:
    show = visit.query.get("show", "all")
    if show not in FILTERS:
        raise InvalidInput(f"show '{show}' must be one of: {', '.join(FILTERS)}")
    return show


def _detection_report(visit: Visit) -> tuple[int, int] | None:
    """(new mentions, sources searched) after a detection run, from the address."""
    found, searched = visit.query.get("found", ""), visit.query.get("in", "")
    return (int(found), int(searched)) if found.isdigit() and searched.isdigit() else None


@page("/anonymise")
def anonymise_page(visit: Visit) -> Response:
    state = review.status(visit.project)
    context: dict[str, Any] = {"state": state, "show": "all", "entities": [], "types": review.TYPES,
                               "found": _detection_report(visit)}
    if visit.who.may("coder"):
        show = _filter(visit)
        context.update(
            show=show,
            entities=review.list_entities(visit.project, decision=FILTERS[show], examples=EXAMPLES),
            command=apply_command(visit, state),
        )
    return visit.render("anonymise/page.html", **context)


@page("/anonymise/detect", methods=("POST",), role="owner")
def run_detection(visit: Visit) -> Response:
    """Detect in every source not yet anonymised; earlier decisions are kept."""
    result = review.detect_in_project(visit.project)
    return visit.redirect(f"/anonymise?found={result['new_mentions']}&in={result['sources']}")


def _entity_ref(visit: Visit) -> str:
    return visit.field("entity").strip()


def _answer(visit: Visit, ref: str) -> Response:
    """After a decision: the entity again (htmx swaps it in place), or back to the page."""
    if not visit.from_htmx:
        return visit.redirect(f"/anonymise#entity-{ref}")
    [entity] = review.list_entities(visit.project, examples=EXAMPLES, only=ref)
    return visit.render("anonymise/_decided.html", e=entity, state=review.status(visit.project), types=review.TYPES)


@page("/anonymise/decide", methods=("POST",), role="coder")
def decide(visit: Visit) -> Response:
    """Accept, reject or return an entity to pending."""
    ref = _entity_ref(visit)
    review.decide(visit.project, ref, decision=visit.field("decision").strip())
    return _answer(visit, ref)


@page("/anonymise/relabel", methods=("POST",), role="coder")
def relabel(visit: Visit) -> Response:
    """Change an entity's type and/or label; only what the person changed is sent on."""
    ref = _entity_ref(visit)
    [entity] = review.list_entities(visit.project, examples=0, only=ref)
    type_ = visit.field("type", entity["type"]).strip()
    label = visit.field("label", entity["label"]).strip()
    review.decide(
        visit.project, ref,
        type_=type_ if type_ != entity["type"] else None,
        label=label if label != entity["label"] else None,
    )
    return _answer(visit, ref)
