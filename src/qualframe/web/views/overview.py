"""The project overview: what is in the project and how far the study has gone."""

from __future__ import annotations

from starlette.responses import Response

from ... import cases, chart, codebook, sources
from ...anonymise import review
from ...mapping import list_factors
from ..routing import Visit, page


def progress(visit: Visit) -> dict:
    """Counts for each stage of the method, read through the library."""
    project = visit.project
    source_rows = sources.list_sources(project, with_text=False)
    code_rows = codebook.list_codes(project)
    summaries = chart.list_summaries(project)
    anonymisation = review.status(project)
    factors = list_factors(project)
    codings = sum(code["codings"] for code in code_rows)
    anonymised = sum(1 for s in source_rows if s["anonymised_at"])
    stages = [
        ("Import transcripts", bool(source_rows), f"{len(source_rows)} sources", "/sources"),
        ("Anonymise", bool(source_rows) and anonymised == len(source_rows),
         f"{anonymised} of {len(source_rows)} sources anonymised", "/anonymise"),
        ("Cases and attributes", bool(cases.list_cases(project)), f"{len(cases.list_cases(project))} cases", "/cases"),
        ("Codebook", bool(code_rows), f"{len(code_rows)} codes", "/codebook"),
        ("Code transcripts", codings > 0, f"{codings} codings", "/sources"),
        ("Chart the matrix", bool(summaries), f"{len(summaries)} cell summaries", "/matrix"),
        ("Map onto the Behaviour Change Wheel", bool(factors), f"{len(factors)} factors", "/bcw"),
    ]
    return {
        "sources": source_rows,
        "codes": code_rows,
        "codings": codings,
        "words": sum(s["words"] for s in source_rows),
        "stages": stages,
        "anonymisation": anonymisation,
    }


@page("/")
def overview(visit: Visit) -> Response:
    return visit.render("overview.html", **progress(visit))


@page("/signed-out")
def signed_out(visit: Visit) -> Response:
    return visit.render("message.html", message="Signed out.", status=200)
