"""Agreement between two coders, code by code, as researchers report it for double coding.

Counted by character, as NVivo's coding comparison does: for each code, every
character of every source that both coders worked on is either coded by both, by
one, or by neither. From those counts come the percentage agreement and Cohen's
kappa (Cohen 1960), which discounts the agreement expected by chance.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select

from .codebook import code_by_path, code_tree
from .errors import InvalidInput, NotFound
from .project import Project
from .store import Coding, Source, User


@dataclass
class CodeAgreement:
    code: str
    characters: int  # in the sources both coders worked on
    coded_by_a: int
    coded_by_b: int
    coded_by_both: int
    percent_agreement: float
    kappa: float | None  # None when chance agreement is total (neither coder used the code)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def union_length(spans: list[tuple[int, int]]) -> int:
    """Characters covered by overlapping spans, each counted once."""
    total, reach = 0, -1
    for start, end in sorted(spans):
        if end <= reach:
            continue
        total += end - max(start, reach)
        reach = end
    return total


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def intersection_length(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int:
    a, b = _merge(a), _merge(b)
    i = j = total = 0
    while i < len(a) and j < len(b):
        total += max(0, min(a[i][1], b[j][1]) - max(a[i][0], b[j][0]))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def kappa(characters: int, by_a: int, by_b: int, by_both: int) -> tuple[float, float | None]:
    """Percentage agreement and Cohen's kappa from character counts."""
    if characters == 0:
        return 100.0, None
    neither = characters - (by_a + by_b - by_both)
    observed = (by_both + neither) / characters
    pa, pb = by_a / characters, by_b / characters
    expected = pa * pb + (1 - pa) * (1 - pb)
    value = None if expected >= 1 else (observed - expected) / (1 - expected)
    return round(observed * 100, 2), None if value is None else round(value, 4)


def coder_agreement(project: Project, coder_a: str, coder_b: str, code: str | None = None) -> list[CodeAgreement]:
    """Agreement of two coders on each code (or one), over the sources both have coded."""
    if coder_a == coder_b:
        raise InvalidInput("name two different coders")
    with project.session() as s:
        users = {u.name: u.id for u in s.scalars(select(User).where(User.name.in_([coder_a, coder_b])))}
        for name in (coder_a, coder_b):
            if name not in users:
                raise NotFound(f"no coder named '{name}' has coded anything in this project")
        a_id, b_id = users[coder_a], users[coder_b]
        shared = set(s.scalars(select(Coding.source_id).where(Coding.coder_id == a_id))) & set(
            s.scalars(select(Coding.source_id).where(Coding.coder_id == b_id))
        )
        if not shared:
            raise InvalidInput(f"'{coder_a}' and '{coder_b}' have not coded any source in common")
        characters = sum(
            s.scalars(select(func.length(Source.plain_text)).where(Source.id.in_(shared)))
        )
        paths = {c.id: p for c, p, _ in code_tree(s)}
        wanted = {code_by_path(s, code).id} if code else set(paths)
        spans: dict[tuple[int, int, int], list[tuple[int, int]]] = {}  # (code, source, coder) -> spans
        rows = s.execute(
            select(Coding.code_id, Coding.source_id, Coding.coder_id, Coding.start, Coding.end).where(
                Coding.source_id.in_(shared), Coding.coder_id.in_([a_id, b_id])
            )
        )
        for code_id, source_id, coder_id, start, end in rows:
            spans.setdefault((code_id, source_id, coder_id), []).append((start, end))
        used = {code_id for code_id, _, _ in spans}
        result = []
        for code_id, path in paths.items():
            if code_id not in wanted or (code is None and code_id not in used):
                continue
            by_a = by_b = both = 0
            for source_id in shared:
                a = spans.get((code_id, source_id, a_id), [])
                b = spans.get((code_id, source_id, b_id), [])
                by_a += union_length(a)
                by_b += union_length(b)
                both += intersection_length(a, b)
            percent, k = kappa(characters, by_a, by_b, both)
            result.append(CodeAgreement(path, characters, by_a, by_b, both, percent, k))
        return result
