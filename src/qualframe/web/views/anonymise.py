"""Anonymisation review: what is left to decide, running detection, deciding per entity
and, for an entity opened to show all its mentions, per mention.

Reviewing shows the identifiers found (that is its point), so it is open to coders and
owners; viewers see only the counts. The texts found are shown on the page but never
put into a URL, a log line or an error message: forms carry entity ids (E12) and
mention ids (M345). Applying the decisions writes the encrypted key file with a
passphrase, so it stays on the command line: the page shows the command instead of a
button.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from starlette.responses import Response

from ...anonymise import review
from ...errors import InvalidInput, NotFound
from ..routing import Visit, page

# ?show= -> the entity state (review.entity_state) listed; "by_mention": decided mention by mention
FILTERS = {"all": None, "pending": "pending", "accepted": "accepted", "rejected": "rejected",
           review.BY_MENTION: review.BY_MENTION}
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


def _entity_id(value: str, name: str) -> str:
    """An entity id (E12) from the address or a form; anything else is refused, unechoed."""
    value = value.strip()
    if not re.fullmatch(r"[Ee]\d+", value):
        raise InvalidInput(f"'{name}' must name an entity, such as E12")
    return value.upper()


def _opened(visit: Visit) -> str | None:
    """The entity whose mentions are all shown (?open=E12), if any."""
    value = visit.query.get("open", "")
    return _entity_id(value, "open") if value else None


def _entity(visit: Visit, ref: str, every_mention: bool) -> dict[str, Any]:
    """One entity for its card: with every mention (an opened card) or a few examples."""
    [entity] = review.list_entities(visit.project, examples=None if every_mention else EXAMPLES, only=ref)
    return entity


@page("/anonymise")
def anonymise_page(visit: Visit) -> Response:
    state = review.status(visit.project)
    context: dict[str, Any] = {"state": state, "show": "all", "entities": [], "types": review.TYPES,
                               "found": _detection_report(visit), "opened": None}
    if visit.who.may("coder"):
        show = _filter(visit)
        opened = _opened(visit)
        entities = review.list_entities(visit.project, decision=FILTERS[show], examples=EXAMPLES)
        # an opened entity not in this filter (decided since, say) is simply not shown
        entities = [_entity(visit, e["id"], every_mention=True) if e["id"] == opened else e for e in entities]
        context.update(show=show, entities=entities, opened=opened, command=apply_command(visit, state))
    return visit.render("anonymise/page.html", **context)


@page("/anonymise/entity", role="coder")
def entity_card(visit: Visit) -> Response:
    """One entity's card for htmx to swap in: with every mention (?open=E12) or a few (?entity=E12)."""
    opened = _opened(visit)
    ref = opened or _entity_id(visit.query.get("entity", ""), "entity")
    entity = _entity(visit, ref, every_mention=opened is not None)
    return visit.render("anonymise/_entity.html", e=entity, opened=opened, show=_filter(visit), types=review.TYPES)


@page("/anonymise/detect", methods=("POST",), role="owner")
def run_detection(visit: Visit) -> Response:
    """Detect in every source not yet anonymised; earlier decisions are kept."""
    result = review.detect_in_project(visit.project)
    return visit.redirect(f"/anonymise?found={result['new_mentions']}&in={result['sources']}")


def _entity_ref(visit: Visit) -> str:
    return visit.field("entity").strip()


def _kept_open(visit: Visit) -> bool:
    """Whether the form came from a card opened to show every mention (it sends open=yes)."""
    return visit.form.get("open") == "yes"


def _answer(visit: Visit, ref: str, keep_open: bool, at: str | None = None) -> Response:
    """After a decision: the entity again (htmx swaps it in place), or back to the page.

    A card opened to show every mention stays open; ``at`` is where the plain page
    scrolls to (a mention rather than the entity).
    """
    opened = ref.upper() if keep_open else None
    if not visit.from_htmx:
        address = f"/anonymise?open={ref}" if opened else "/anonymise"
        return visit.redirect(f"{address}#{at or f'entity-{ref}'}")
    entity = _entity(visit, ref, every_mention=opened is not None)
    return visit.render("anonymise/_decided.html", e=entity, opened=opened, state=review.status(visit.project),
                        types=review.TYPES)


@page("/anonymise/decide", methods=("POST",), role="coder")
def decide(visit: Visit) -> Response:
    """Accept, reject or return an entity to pending."""
    ref = _entity_ref(visit)
    review.decide(visit.project, ref, decision=visit.field("decision").strip())
    return _answer(visit, ref, _kept_open(visit))


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
    return _answer(visit, ref, _kept_open(visit))


@page("/anonymise/mention", methods=("POST",), role="coder")
def decide_mention(visit: Visit) -> Response:
    """Accept or reject one mention of an entity, or let it follow the entity again.

    The mention must belong to the entity the form names, so the card redrawn is the
    one the person decided in; both are checked and changed in one transaction.
    """
    ref = _entity_id(_entity_ref(visit), "entity")
    mention = visit.field("mention").strip().upper()
    if not re.fullmatch(r"M\d+", mention):
        raise InvalidInput("'mention' must name a mention, such as M345")
    decision = visit.field("decision").strip()
    if decision not in ("accept", "reject", "inherit"):
        raise InvalidInput("a mention's decision must be accept, reject or inherit (follow the entity)")
    with visit.project.one_transaction():
        if mention not in {m["id"] for m in _entity(visit, ref, every_mention=True)["examples"]}:
            raise NotFound(f"no mention '{mention}' of entity {ref}: "
                           "reload the page to see its mentions as they are now")
        review.decide(visit.project, mention, decision=decision)
    return _answer(visit, ref, keep_open=True, at=f"mention-{mention}")
