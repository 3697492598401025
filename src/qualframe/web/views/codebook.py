"""The codebook page (being built)."""

from __future__ import annotations

from starlette.responses import Response

from ..routing import Visit, page


@page("/codebook")
def codebook_page(visit: Visit) -> Response:
    return visit.render("placeholder.html", title="codebook")
