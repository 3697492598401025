"""Checks the Behaviour Change Wheel reference data in src/qualframe/data/bcw/.

The expected values below are an independent, hand-made transcription of the
published tables (see the README in the data folder for the sources). They are
written out here as literals and are never derived from the YAML files: each test
loads a YAML file and compares it, cell by cell, with this transcription.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

DATA = Path(__file__).parents[1] / "src/qualframe/data/bcw"

FILES = [
    "comb.yaml",
    "tdf.yaml",
    "intervention_functions.yaml",
    "policy_categories.yaml",
    "comb_to_functions.yaml",
    "functions_to_policies.yaml",
    "bcttv1.yaml",
    "functions_to_bcts.yaml",
    "apease.yaml",
]

# --------------------------------------------------------------------------
# Identifiers (interface) and labels
# --------------------------------------------------------------------------

COMB = {
    "physical_capability": "Physical capability",
    "psychological_capability": "Psychological capability",
    "physical_opportunity": "Physical opportunity",
    "social_opportunity": "Social opportunity",
    "reflective_motivation": "Reflective motivation",
    "automatic_motivation": "Automatic motivation",
}

FUNCTIONS = {  # Michie et al. 2011, Table 1, in that order
    "education": "Education",
    "persuasion": "Persuasion",
    "incentivisation": "Incentivisation",
    "coercion": "Coercion",
    "training": "Training",
    "restriction": "Restriction",
    "environmental_restructuring": "Environmental restructuring",
    "modelling": "Modelling",
    "enablement": "Enablement",
}

POLICIES = {  # Michie et al. 2011, Table 1, in that order ("Fiscal" there; "Fiscal measures" in the guide)
    "communication_marketing": "Communication/marketing",
    "guidelines": "Guidelines",
    "fiscal_measures": "Fiscal measures",
    "regulation": "Regulation",
    "legislation": "Legislation",
    "environmental_social_planning": "Environmental/social planning",
    "service_provision": "Service provision",
}

TDF = {  # Cane et al. 2012, order of the abstract
    "knowledge": "Knowledge",
    "skills": "Skills",
    "social_professional_role_identity": "Social/professional role and identity",
    "beliefs_about_capabilities": "Beliefs about capabilities",
    "optimism": "Optimism",
    "beliefs_about_consequences": "Beliefs about consequences",
    "reinforcement": "Reinforcement",
    "intentions": "Intentions",
    "goals": "Goals",
    "memory_attention_decision_processes": "Memory, attention and decision processes",
    "environmental_context_resources": "Environmental context and resources",
    "social_influences": "Social influences",
    "emotion": "Emotion",
    "behavioural_regulation": "Behavioural regulation",
}

APEASE = {
    "affordability": "Affordability",
    "practicability": "Practicability",
    "effectiveness_cost_effectiveness": "Effectiveness and cost-effectiveness",
    "acceptability": "Acceptability",
    "side_effects_safety": "Side-effects/safety",
    "equity": "Equity",
}

# --------------------------------------------------------------------------
# Published tables, transcribed
# --------------------------------------------------------------------------

# TDF domain -> COM-B component(s): BCW guide / Atkins et al. 2017 Table 3 as reproduced in
# AGRIS 2022 Table 4 and BMJ Open Table 1 (rows: CAPABILITY Physical: Skills; Psychological:
# Knowledge, Skills, Memory attention and decision processes, Behavioural regulation;
# OPPORTUNITY Social: Social influences; Physical: Environmental context & resources;
# MOTIVATION Reflective: Social/professional role & identity, Beliefs about capabilities,
# Optimism, Beliefs about consequences, Intentions, Goals; Automatic: Social/professional
# role & identity, Optimism, Reinforcement, Emotion).
TDF_TO_COMB = {
    "knowledge": {"psychological_capability"},
    "skills": {"physical_capability", "psychological_capability"},
    "memory_attention_decision_processes": {"psychological_capability"},
    "behavioural_regulation": {"psychological_capability"},
    "social_influences": {"social_opportunity"},
    "environmental_context_resources": {"physical_opportunity"},
    "social_professional_role_identity": {"reflective_motivation", "automatic_motivation"},
    "beliefs_about_capabilities": {"reflective_motivation"},
    "optimism": {"reflective_motivation", "automatic_motivation"},
    "beliefs_about_consequences": {"reflective_motivation"},
    "intentions": {"reflective_motivation"},
    "goals": {"reflective_motivation"},
    "reinforcement": {"automatic_motivation"},
    "emotion": {"automatic_motivation"},
}

# Michie et al. 2011, Table 2 (rows C-Ph, C-Ps, M-Re, M-Au, O-Ph, O-So; 2, 3, 4, 6, 3, 3 ticks).
COMB_TO_FUNCTIONS_2011 = {
    "physical_capability": {"training", "enablement"},
    "psychological_capability": {"education", "training", "enablement"},
    "reflective_motivation": {"education", "persuasion", "incentivisation", "coercion"},
    "automatic_motivation": {
        "persuasion",
        "incentivisation",
        "coercion",
        "environmental_restructuring",
        "modelling",
        "enablement",
    },
    "physical_opportunity": {"restriction", "environmental_restructuring", "enablement"},
    "social_opportunity": {"restriction", "environmental_restructuring", "enablement"},
}

# Function -> policy categories: only the rows that could be read (PMC6580554 Table 9).
FUNCTIONS_TO_POLICIES_VERIFIED = {
    "education": {"communication_marketing", "guidelines", "regulation", "legislation", "service_provision"},
    "incentivisation": {
        "communication_marketing",
        "guidelines",
        "fiscal_measures",
        "regulation",
        "legislation",
        "service_provision",
    },
}

# Function -> most frequently used BCTs (BCW guide): no row could be read in a published text.
FUNCTIONS_TO_BCTS_VERIFIED: dict[str, set[str]] = {}

BCT_GROUPS = [
    ("1", "Goals and planning"),
    ("2", "Feedback and monitoring"),
    ("3", "Social support"),
    ("4", "Shaping knowledge"),
    ("5", "Natural consequences"),
    ("6", "Comparison of behaviour"),
    ("7", "Associations"),
    ("8", "Repetition and substitution"),
    ("9", "Comparison of outcomes"),
    ("10", "Reward and threat"),
    ("11", "Regulation"),
    ("12", "Antecedents"),
    ("13", "Identity"),
    ("14", "Scheduled consequences"),
    ("15", "Self-belief"),
    ("16", "Covert learning"),
]

BCTS = [
    ("1.1", "Goal setting (behavior)"),
    ("1.2", "Problem solving"),
    ("1.3", "Goal setting (outcome)"),
    ("1.4", "Action planning"),
    ("1.5", "Review behavior goal(s)"),
    ("1.6", "Discrepancy between current behavior and goal"),
    ("1.7", "Review outcome goal(s)"),
    ("1.8", "Behavioral contract"),
    ("1.9", "Commitment"),
    ("2.1", "Monitoring of behavior by others without feedback"),
    ("2.2", "Feedback on behavior"),
    ("2.3", "Self-monitoring of behavior"),
    ("2.4", "Self-monitoring of outcome(s) of behavior"),
    ("2.5", "Monitoring of outcome(s) of behavior without feedback"),
    ("2.6", "Biofeedback"),
    ("2.7", "Feedback on outcome(s) of behavior"),
    ("3.1", "Social support (unspecified)"),
    ("3.2", "Social support (practical)"),
    ("3.3", "Social support (emotional)"),
    ("4.1", "Instruction on how to perform the behavior"),
    ("4.2", "Information about antecedents"),
    ("4.3", "Re-attribution"),
    ("4.4", "Behavioral experiments"),
    ("5.1", "Information about health consequences"),
    ("5.2", "Salience of consequences"),
    ("5.3", "Information about social and environmental consequences"),
    ("5.4", "Monitoring of emotional consequences"),
    ("5.5", "Anticipated regret"),
    ("5.6", "Information about emotional consequences"),
    ("6.1", "Demonstration of the behavior"),
    ("6.2", "Social comparison"),
    ("6.3", "Information about others' approval"),
    ("7.1", "Prompts/cues"),
    ("7.2", "Cue signalling reward"),
    ("7.3", "Reduce prompts/cues"),
    ("7.4", "Remove access to the reward"),
    ("7.5", "Remove aversive stimulus"),
    ("7.6", "Satiation"),
    ("7.7", "Exposure"),
    ("7.8", "Associative learning"),
    ("8.1", "Behavioral practice/rehearsal"),
    ("8.2", "Behavior substitution"),
    ("8.3", "Habit formation"),
    ("8.4", "Habit reversal"),
    ("8.5", "Overcorrection"),
    ("8.6", "Generalisation of target behavior"),
    ("8.7", "Graded tasks"),
    ("9.1", "Credible source"),
    ("9.2", "Pros and cons"),
    ("9.3", "Comparative imagining of future outcomes"),
    ("10.1", "Material incentive (behavior)"),
    ("10.2", "Material reward (behavior)"),
    ("10.3", "Non-specific reward"),
    ("10.4", "Social reward"),
    ("10.5", "Social incentive"),
    ("10.6", "Non-specific incentive"),
    ("10.7", "Self-incentive"),
    ("10.8", "Incentive (outcome)"),
    ("10.9", "Self-reward"),
    ("10.10", "Reward (outcome)"),
    ("10.11", "Future punishment"),
    ("11.1", "Pharmacological support"),
    ("11.2", "Reduce negative emotions"),
    ("11.3", "Conserving mental resources"),
    ("11.4", "Paradoxical instructions"),
    ("12.1", "Restructuring the physical environment"),
    ("12.2", "Restructuring the social environment"),
    ("12.3", "Avoidance/reducing exposure to cues for the behavior"),
    ("12.4", "Distraction"),
    ("12.5", "Adding objects to the environment"),
    ("12.6", "Body changes"),
    ("13.1", "Identification of self as role model"),
    ("13.2", "Framing/reframing"),
    ("13.3", "Incompatible beliefs"),
    ("13.4", "Valued self-identity"),
    ("13.5", "Identity associated with changed behavior"),
    ("14.1", "Behavior cost"),
    ("14.2", "Punishment"),
    ("14.3", "Remove reward"),
    ("14.4", "Reward approximation"),
    ("14.5", "Rewarding completion"),
    ("14.6", "Situation-specific reward"),
    ("14.7", "Reward incompatible behavior"),
    ("14.8", "Reward alternative behavior"),
    ("14.9", "Reduce reward frequency"),
    ("14.10", "Remove punishment"),
    ("15.1", "Verbal persuasion about capability"),
    ("15.2", "Mental rehearsal of successful performance"),
    ("15.3", "Focus on past success"),
    ("15.4", "Self-talk"),
    ("16.1", "Imaginary punishment"),
    ("16.2", "Imaginary reward"),
    ("16.3", "Vicarious consequences"),
]

# Labels as printed on the contents page of the v1 document where they differ.
BCT_PRINTED_VARIANTS = {
    "2.2": "Feedback on behaviour",
    "2.3": "Self-monitoring of behaviour",
    "2.4": "Self-monitoring of outcome(s) of behaviour",
    "4.2": "Information about Antecedents",
    "13.4": "Valued self-identify",
}

# A few published definitions, verbatim: our paraphrases must not reproduce them.
PUBLISHED_DEFINITIONS = {
    "increasing knowledge or understanding",
    "using communication to induce positive or negative feelings or stimulate action",
    "creating expectation of reward",
    "creating expectation of punishment or cost",
    "imparting skills",
    "changing the physical or social context",
    "providing an example for people to aspire to or imitate",
    "using print, electronic, telephonic or broadcast media",
    "using the tax system to reduce or increase the financial cost",
    "establishing rules or principles of behaviour or practice",
    "making or changing laws",
    "designing/controlling the physical or social environment",
    "delivering a service",
    "an awareness of the existence of something",
    "an ability or proficiency acquired through practice",
    "a conscious decision to perform a behaviour or a resolve to act in a certain way",
    "mental representations of outcomes or end states that an individual wants to achieve",
    "physical skill, strength, or stamina",
}


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def load(name: str) -> dict:
    path = DATA / name
    assert path.is_file(), f"missing data file {path}"
    with path.open(encoding="utf-8") as handle:
        doc = yaml.safe_load(handle)
    assert isinstance(doc, dict), f"{name}: top level must be a mapping"
    return doc


def check(problems: list[str], header: str) -> None:
    assert not problems, header + ":\n  " + "\n  ".join(problems)


def looks_like_url_or_doi(text: str) -> bool:
    return bool(re.match(r"^(https?://\S+|doi:10\.\S+|10\.\d{4,}/\S+)$", text.strip()))


def compare_sets(expected: dict[str, set[str]], actual: dict, what: str) -> list[str]:
    problems = []
    for key in sorted(set(expected) | set(actual)):
        if key not in actual:
            problems.append(f"{what}: row '{key}' missing from YAML")
            continue
        if key not in expected:
            problems.append(f"{what}: YAML has row '{key}' that the published table does not")
            continue
        got = actual[key]
        if len(got) != len(set(got)):
            problems.append(f"{what}[{key}]: duplicate entries {got}")
        for cell in sorted(expected[key] - set(got)):
            problems.append(f"{what}[{key}]: published link to '{cell}' missing")
        for cell in sorted(set(got) - expected[key]):
            problems.append(f"{what}[{key}]: link to '{cell}' is not in the published table")
    return problems


# --------------------------------------------------------------------------
# Structure shared by every file
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", FILES)
def test_file_has_metadata_citation_and_sources(name):
    doc = load(name)
    problems = []
    if doc.get("id") != name.removesuffix(".yaml"):
        problems.append(f"id is {doc.get('id')!r}, expected {name.removesuffix('.yaml')!r}")
    version = doc.get("version")
    if not isinstance(version, str) or not version.strip():
        problems.append(f"version must be a non-empty string, got {version!r}")
    if not isinstance(doc.get("citation"), str) or len(doc["citation"].strip()) < 20:
        problems.append("citation missing or too short to be a full reference")
    if not isinstance(doc.get("notes"), str):
        problems.append("notes must be a string (may be empty)")
    sources = doc.get("sources")
    if not isinstance(sources, list) or not sources:
        problems.append("sources must be a non-empty list")
        sources = []
    keys = []
    for i, source in enumerate(sources):
        for field in ("what", "where", "table"):
            if not isinstance(source.get(field), str) or not source[field].strip():
                problems.append(f"sources[{i}] lacks '{field}'")
        if "key" in source:
            keys.append(source["key"])
    if len(keys) != len(set(keys)):
        problems.append(f"duplicate source keys: {keys}")
    if not any(looks_like_url_or_doi(s.get("where", "")) for s in sources):
        problems.append("no source has a URL or DOI in 'where'")
    check(problems, name)


@pytest.mark.parametrize("name", FILES)
def test_provenance_refers_to_declared_sources(name):
    doc = load(name)
    keys = {s.get("key") for s in doc.get("sources", [])}
    problems = []
    rows = []
    for field in ("components", "domains", "functions", "policies", "groups", "techniques", "criteria"):
        for item in doc.get(field, []) or []:
            rows.append((f"{field}:{item.get('id', item.get('number'))}", item.get("provenance", [])))
    for row, refs in (doc.get("provenance") or {}).items():
        rows.append((f"provenance:{row}", refs))
    for row, refs in rows:
        for ref in refs or []:
            if ref not in keys:
                problems.append(f"{row} cites source key '{ref}' that is not under 'sources'")
    check(problems, name)


def _definitions(doc, field, text_field):
    return [(item["id"], item.get(text_field)) for item in doc[field]]


@pytest.mark.parametrize(
    "name, field, text_field",
    [
        ("comb.yaml", "components", "definition"),
        ("tdf.yaml", "domains", "definition"),
        ("intervention_functions.yaml", "functions", "definition"),
        ("policy_categories.yaml", "policies", "definition"),
        ("apease.yaml", "criteria", "question"),
    ],
)
def test_definitions_present_distinct_and_own_words(name, field, text_field):
    doc = load(name)
    problems = []
    seen = {}
    for ident, text in _definitions(doc, field, text_field):
        if not isinstance(text, str) or len(text.strip()) < 10:
            problems.append(f"{ident}: {text_field} missing or too short")
            continue
        normal = text.strip().rstrip(".?").lower()
        if normal in seen:
            problems.append(f"{ident}: same {text_field} as {seen[normal]}")
        seen[normal] = ident
        if normal in PUBLISHED_DEFINITIONS:
            problems.append(f"{ident}: {text_field} copies the published wording verbatim")
        if "\n" in text.strip():
            problems.append(f"{ident}: {text_field} should be one plain sentence")
    check(problems, f"{name} {text_field}s")


# --------------------------------------------------------------------------
# Entity lists
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, field, expected",
    [
        ("comb.yaml", "components", COMB),
        ("tdf.yaml", "domains", TDF),
        ("intervention_functions.yaml", "functions", FUNCTIONS),
        ("policy_categories.yaml", "policies", POLICIES),
        ("apease.yaml", "criteria", APEASE),
    ],
)
def test_identifiers_and_labels(name, field, expected):
    items = load(name)[field]
    ids = [item["id"] for item in items]
    problems = []
    if ids != list(expected):
        problems.append(f"ids {ids} differ from the interface {list(expected)} (content or order)")
    for item in items:
        want = expected.get(item["id"])
        if want is not None and item.get("label") != want:
            problems.append(f"{item['id']}: label {item.get('label')!r}, expected {want!r}")
    check(problems, f"{name} {field}")


def test_apease_entries_are_questions():
    problems = [
        f"{c['id']}: question does not end with '?'"
        for c in load("apease.yaml")["criteria"]
        if not c["question"].strip().endswith("?")
    ]
    check(problems, "apease.yaml")


# --------------------------------------------------------------------------
# TDF -> COM-B
# --------------------------------------------------------------------------


def test_tdf_to_comb_matches_published_mapping():
    domains = load("tdf.yaml")["domains"]
    actual = {d["id"]: d["comb"] for d in domains}
    problems = compare_sets(TDF_TO_COMB, actual, "TDF->COM-B")
    for d in domains:
        for comp in d["comb"]:
            if comp not in COMB:
                problems.append(f"TDF->COM-B[{d['id']}]: unknown COM-B id '{comp}'")
    check(problems, "tdf.yaml")


def test_tdf_domains_mapping_to_two_components():
    two = {d["id"] for d in load("tdf.yaml")["domains"] if len(d["comb"]) > 1}
    assert two == {"skills", "social_professional_role_identity", "optimism"}, (
        f"domains mapped to more than one COM-B component: {sorted(two)}; the published "
        "mapping has exactly Skills, Social/professional role and identity, and Optimism"
    )


def test_every_comb_component_has_a_tdf_domain():
    covered = {c for d in load("tdf.yaml")["domains"] for c in d["comb"]}
    assert covered == set(COMB), f"COM-B components without a TDF domain: {set(COMB) - covered}"


# --------------------------------------------------------------------------
# COM-B -> intervention functions
# --------------------------------------------------------------------------


def test_comb_to_functions_matches_michie_2011_table_2():
    doc = load("comb_to_functions.yaml")
    assert doc["version"] == "2011", "this transcription is of the 2011 table; update both together"
    problems = compare_sets(COMB_TO_FUNCTIONS_2011, doc["links"], "COM-B->functions")
    for row, cells in doc["links"].items():
        for cell in cells:
            if cell not in FUNCTIONS:
                problems.append(f"COM-B->functions[{row}]: unknown function id '{cell}'")
    check(problems, "comb_to_functions.yaml")


def test_comb_to_functions_tick_counts():
    # Ticks per row in the PMC copy of Michie et al. 2011 Table 2: C-Ph 2, C-Ps 3, M-Re 4, M-Au 6, O-Ph 3, O-So 3.
    counts = {k: len(v) for k, v in load("comb_to_functions.yaml")["links"].items()}
    assert counts == {
        "physical_capability": 2,
        "psychological_capability": 3,
        "reflective_motivation": 4,
        "automatic_motivation": 6,
        "physical_opportunity": 3,
        "social_opportunity": 3,
    }, f"tick counts per row differ from the published table: {counts}"


# --------------------------------------------------------------------------
# Partial link tables: functions -> policies, functions -> BCTs
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, expected, valid",
    [
        ("functions_to_policies.yaml", FUNCTIONS_TO_POLICIES_VERIFIED, set(POLICIES)),
        ("functions_to_bcts.yaml", FUNCTIONS_TO_BCTS_VERIFIED, {n for n, _ in BCTS}),
    ],
)
def test_partial_link_tables(name, expected, valid):
    doc = load(name)
    links = doc["links"] or {}
    unverified = doc.get("unverified", [])
    problems = compare_sets(expected, links, name)
    for row, cells in links.items():
        if row not in FUNCTIONS:
            problems.append(f"row '{row}' is not an intervention function id")
        for cell in cells:
            if cell not in valid:
                problems.append(f"{row}: unknown target id '{cell}'")
        if not provenance_for(doc, row):
            problems.append(f"{row}: no provenance recorded")
    if set(links) & set(unverified):
        problems.append(f"rows both transcribed and marked unverified: {sorted(set(links) & set(unverified))}")
    missing = set(FUNCTIONS) - set(links) - set(unverified)
    if missing:
        problems.append(f"functions neither transcribed nor marked unverified: {sorted(missing)}")
    unknown = set(unverified) - set(FUNCTIONS)
    if unknown:
        problems.append(f"unknown ids under 'unverified': {sorted(unknown)}")
    if unverified and "verif" not in doc["notes"].lower():
        problems.append("notes must say which rows are not verified")
    check(problems, name)


def provenance_for(doc, row):
    return (doc.get("provenance") or {}).get(row)


# --------------------------------------------------------------------------
# BCT Taxonomy v1
# --------------------------------------------------------------------------


def test_bcttv1_groups():
    groups = [(g["number"], g["name"]) for g in load("bcttv1.yaml")["groups"]]
    assert len(groups) == 16, f"expected 16 groups, found {len(groups)}"
    problems = []
    for i, (want, got) in enumerate(zip(BCT_GROUPS, groups)):
        if want != got:
            problems.append(f"group #{i + 1}: YAML {got}, published {want}")
    check(problems, "bcttv1.yaml groups")


def test_bcttv1_techniques_match_published_list():
    techniques = load("bcttv1.yaml")["techniques"]
    assert len(techniques) == 93, f"expected 93 techniques, found {len(techniques)}"
    got = [(t["number"], t["label"]) for t in techniques]
    problems = []
    for i, (want, have) in enumerate(zip(BCTS, got)):
        if want != have:
            problems.append(f"technique #{i + 1}: YAML {have}, published {want}")
    check(problems, "bcttv1.yaml techniques")


def test_bcttv1_printed_variants_recorded():
    variants = {t["number"]: t["printed_label"] for t in load("bcttv1.yaml")["techniques"] if "printed_label" in t}
    assert variants == BCT_PRINTED_VARIANTS, f"printed_label variants differ: {variants}"


def test_bcttv1_numbering_and_groups_are_consistent():
    doc = load("bcttv1.yaml")
    group_numbers = [g["number"] for g in doc["groups"]]
    problems = []
    if group_numbers != [str(i) for i in range(1, 17)]:
        problems.append(f"group numbers not '1'..'16' in order: {group_numbers}")
    expected_next: dict[str, int] = {}
    seen = set()
    for t in doc["techniques"]:
        number, group = t["number"], t["group"]
        if not isinstance(number, str) or not re.fullmatch(r"\d+\.\d+", number):
            problems.append(f"{number!r}: technique number must be a string like '1.1'")
            continue
        if number in seen:
            problems.append(f"{number}: duplicate technique number")
        seen.add(number)
        if group not in group_numbers:
            problems.append(f"{number}: group {group!r} does not exist")
        head, tail = number.split(".")
        if head != group:
            problems.append(f"{number}: listed under group {group!r}")
        want = expected_next.get(head, 1)
        if int(tail) != want:
            problems.append(f"{number}: numbering not contiguous in group {head} (expected {head}.{want})")
        expected_next[head] = int(tail) + 1
    sizes = {g: n - 1 for g, n in expected_next.items()}
    if sorted(sizes, key=int) != group_numbers:
        problems.append(f"groups without techniques: {set(group_numbers) - set(sizes)}")
    check(problems, "bcttv1.yaml numbering")
    assert sum(sizes.values()) == 93
