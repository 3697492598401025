"""The Behaviour Change Wheel's reference vocabularies, loaded from versioned data files.

Each file in ``data/bcw/`` carries its citation and the published table each link was
taken from (see the README there). This module only loads and checks them; what the
links mean for a factor is worked out in ``mapping``.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any, Iterable

import yaml

from .errors import InvalidInput

DATA = resources.files(__package__) / "data" / "bcw"
FILES = (
    "comb", "tdf", "intervention_functions", "policy_categories", "comb_to_functions",
    "functions_to_policies", "bcttv1", "functions_to_bcts", "apease",
)


@lru_cache(maxsize=None)
def load(name: str) -> dict[str, Any]:
    """One reference file as published in the package (read once per process)."""
    if name not in FILES:
        raise KeyError(name)
    return yaml.safe_load((DATA / f"{name}.yaml").read_text(encoding="utf-8"))


def components() -> list[dict[str, Any]]:
    return load("comb")["components"]


def domains() -> list[dict[str, Any]]:
    return load("tdf")["domains"]


def functions() -> list[dict[str, Any]]:
    return load("intervention_functions")["functions"]


def policies() -> list[dict[str, Any]]:
    return load("policy_categories")["policies"]


def techniques() -> list[dict[str, Any]]:
    return load("bcttv1")["techniques"]


def technique_groups() -> list[dict[str, Any]]:
    return load("bcttv1")["groups"]


def criteria() -> list[dict[str, Any]]:
    return load("apease")["criteria"]


def labels(kind: str) -> dict[str, str]:
    """Identifier -> label for 'comb', 'tdf', 'function', 'policy', 'technique' or 'apease'."""
    if kind == "technique":
        return {t["number"]: t["label"] for t in techniques()}
    items = {"comb": components, "tdf": domains, "function": functions, "policy": policies, "apease": criteria}[kind]()
    return {item["id"]: item["label"] for item in items}


KIND_NAMES = {
    "comb": "COM-B component",
    "tdf": "TDF domain",
    "function": "intervention function",
    "policy": "policy category",
    "technique": "behaviour change technique",
    "apease": "APEASE criterion",
}


def check_ids(kind: str, ids: Iterable[str], where: str = "") -> list[str]:
    """The identifiers, in order and without repeats; an error naming any unknown one."""
    known = labels(kind)
    clean: list[str] = []
    for raw in ids:
        item = str(raw).strip()
        if not item:
            continue
        if item not in known:
            listing = ", ".join(known) if len(known) <= 20 else "numbers 1.1 to 16.3 (see 'qualframe bcw tables')"
            prefix = f"{where}: " if where else ""
            raise InvalidInput(f"{prefix}unknown {KIND_NAMES[kind]} '{item}' (known: {listing})")
        if item not in clean:
            clean.append(item)
    return clean


def _links(name: str, keys: Iterable[str]) -> dict[str, list[str]]:
    """A link table with a row for every key (empty where the table gives none)."""
    links = load(name)["links"] or {}
    return {key: list(links.get(key) or []) for key in keys}


def unverified() -> dict[str, list[str]]:
    """Rows of the link tables not yet transcribed from a published source, by table."""
    return {name: list(load(name).get("unverified") or []) for name in FILES if load(name).get("unverified")}


def comb_to_functions() -> dict[str, list[str]]:
    return _links("comb_to_functions", labels("comb"))


def functions_to_policies() -> dict[str, list[str]]:
    return _links("functions_to_policies", labels("function"))


def tdf_to_comb() -> dict[str, list[str]]:
    return {d["id"]: list(d["comb"]) for d in domains()}


def functions_to_bcts() -> dict[str, list[str]]:
    return _links("functions_to_bcts", labels("function"))


def tables() -> dict[str, Any]:
    """Every link table in one object, as ``qualframe bcw tables --json`` prints it."""
    return {
        "comb_to_functions": comb_to_functions(),
        "functions_to_policies": functions_to_policies(),
        "tdf_to_comb": tdf_to_comb(),
        "bcts": labels("technique"),
        "bct_groups": {g["number"]: g["name"] for g in technique_groups()},
        "functions_to_bcts": functions_to_bcts(),
        "apease": [c["label"] for c in criteria()],
    }


def citations() -> dict[str, str]:
    return {name: load(name)["citation"] for name in FILES}


def recommend(comb: Iterable[str] = (), tdf: Iterable[str] = ()) -> dict[str, Any]:
    """Candidate functions, policies and techniques for a diagnosis, by the BCW's links.

    The COM-B components are those given plus those the TDF domains map to. Functions
    are ranked by how many of those components they address (ties in the BCW's order);
    policies are those that can deliver any candidate function; techniques are the ones
    most frequently used for each candidate function.
    """
    tdf_ids = check_ids("tdf", tdf)
    comb_ids = check_ids("comb", comb)
    implied = [c for d in tdf_ids for c in tdf_to_comb()[d]]
    components_ = [c for c in labels("comb") if c in comb_ids or c in implied]
    order = list(labels("function"))
    addressed: dict[str, list[str]] = {}
    for component in components_:
        for function in comb_to_functions().get(component, []):
            addressed.setdefault(function, []).append(component)
    ranked = sorted(addressed, key=lambda f: (-len(addressed[f]), order.index(f)))
    functions_out = [
        {
            "id": f,
            "label": labels("function")[f],
            "addresses": addressed[f],
            "policies": functions_to_policies().get(f, []),
            "techniques": functions_to_bcts().get(f, []),
        }
        for f in ranked
    ]
    policy_order = list(labels("policy"))
    policies_out = sorted({p for f in ranked for p in functions_to_policies().get(f, [])}, key=policy_order.index)
    technique_out: list[str] = []
    for f in ranked:
        for t in functions_to_bcts().get(f, []):
            if t not in technique_out:
                technique_out.append(t)
    missing = {
        name: [row for row in rows if row in ranked or row in components_]
        for name, rows in unverified().items()
    }
    return {
        "comb": components_,
        "tdf": tdf_ids,
        "functions": functions_out,
        "policies": policies_out,
        "techniques": technique_out,
        # rows of the link tables these candidates rely on that are not yet transcribed
        "unverified": {name: rows for name, rows in missing.items() if rows},
    }
