"""The project overview: what is in the project and how far the study has gone."""

from __future__ import annotations

from starlette.responses import Response

from ... import cases, chart, codebook, sources
from ...anonymise import review
from ...mapping import list_factors
from ..routing import Visit, page, plural


def progress(visit: Visit) -> dict:
    """Counts for each stage of the method, read through the library."""
    project = visit.project
    source_rows = sources.list_sources(project, with_text=False)
    code_rows = codebook.list_codes(project)
    summaries = chart.list_summaries(project)
    anonymisation = review.status(project)
    factors = list_factors(project)
    case_rows = cases.list_cases(project)
    codings = sum(code["codings"] for code in code_rows)
    anonymised = sum(1 for s in source_rows if s["anonymised_at"])
    stages = [
        ("Import transcripts", bool(source_rows), plural(len(source_rows), "source"), "/sources"),
        ("Anonymise", bool(source_rows) and anonymised == len(source_rows),
         f"{anonymised} of {plural(len(source_rows), 'source')} anonymised", "/anonymise"),
        ("Cases and attributes", bool(case_rows), plural(len(case_rows), "case"), "/cases"),
        ("Codebook", bool(code_rows), plural(len(code_rows), "code"), "/codebook"),
        ("Code transcripts", codings > 0, plural(codings, "coding"), "/sources"),
        ("Chart the matrix", bool(summaries), f"{len(summaries)} cell " + ("summary" if len(summaries) == 1 else "summaries"), "/matrix"),
        ("Map onto the Behaviour Change Wheel", bool(factors), plural(len(factors), "factor"), "/bcw"),
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
