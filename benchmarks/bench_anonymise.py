"""Benchmark of anonymisation detection: recall, precision, speed and memory.

Runs ``qualframe.anonymise.detect`` (default install: no spaCy recogniser) on two
evaluation sets in ``benchmarks/anonymise_eval/``:

(a) ``interviews.jsonl``: 46 interview excerpts written for qualframe (fictional people,
    real and invented UK places, NHS trusts, councils, phone numbers in Ofcom's drama
    ranges, ...), built from the marked-up ``interviews_source.txt``;
(b) ``presidio_en_gb.jsonl``: about 1,000 synthetic sentences from the
    presidio-evaluator package's sentence generator and templates, with UK values from
    Faker's en_GB locale (generated once, then read from the cache).

It prints, per set and per type, span-level recall and precision (any type and
type-exact), type-agnostic character recall and overall precision, the misses of set (a)
with their context, and then the speed of ``detect`` on a text of 200,000+ words (set (a)
repeated) and its peak memory, each measured in a child process of its own.

Run from the repository root::

    .venv/bin/python benchmarks/bench_anonymise.py               # print the tables
    .venv/bin/python benchmarks/bench_anonymise.py --write-docs  # also update docs/benchmarks.md
    .venv/bin/python benchmarks/bench_anonymise.py --rebuild-interviews   # after editing the source
    .venv/bin/python benchmarks/bench_anonymise.py --regenerate  # needs presidio-evaluator

Definitions (also in docs/benchmarks.md):

* A gold span is *found* when candidates cover at least 80% of its characters (white
  space not counted); *type-exact* when candidates of its own type do.
* A candidate is *correct* when at least 50% of its characters lie in gold spans of any
  scored type; *type-exact* when they lie in gold spans of its own type. A candidate
  lying mostly on an identifier of an excluded type (a job title, a country, ...) is
  neither right nor wrong: it is left out of precision and counted apart.
* ADDRESS is compatible with PLACE and POSTCODE for "type-exact" (an address contains a
  town and a postcode), in both directions.
* Character recall: the share of the gold identifiers' characters (white space not
  counted) covered by any candidate.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Measure the checkout the script lives in, even where qualframe is not installed.
if (REPO / "src" / "qualframe").is_dir() and str(REPO / "src") not in sys.path:
    sys.path.insert(0, str(REPO / "src"))

EVAL = REPO / "benchmarks" / "anonymise_eval"
SOURCE_A = EVAL / "interviews_source.txt"
SET_A = EVAL / "interviews.jsonl"
SET_B = EVAL / "presidio_en_gb.jsonl"
DOCS = REPO / "docs" / "benchmarks.md"
MARK_START = "<!-- bench_anonymise:start -->"
MARK_END = "<!-- bench_anonymise:end -->"

TARGET_CHAR_RECALL_A = 0.97
TARGET_CHAR_RECALL_B = 0.95
TARGET_PRECISION_A = 0.50
TARGET_WORDS_PER_S = 100_000
SPEED_WORDS = 200_000

SCORED = ("PERSON", "PLACE", "ORGANISATION", "EMAIL", "URL", "PHONE", "POSTCODE", "NHS_NUMBER",
          "NI_NUMBER", "DATE", "ADDRESS")
COMPATIBLE = {("ADDRESS", "PLACE"), ("ADDRESS", "POSTCODE"), ("PLACE", "ADDRESS"), ("POSTCODE", "ADDRESS")}
ROLE_LABELS = {"interviewer", "participant", "respondent", "facilitator", "moderator", "researcher"}
FOUND_SHARE = 0.8
CORRECT_SHARE = 0.5

# --------------------------------------------------------------------------- set (a)

_MARK = re.compile(r"\[\[([^\[\]|]+)\|([A-Z_]+)(?:\|([a-z,]+))?\]\]")
_LABEL = re.compile(r"^([^\n:]{1,60}): ", re.MULTILINE)


def parse_marked(marked: str) -> tuple[str, list[dict]]:
    """Plain text and gold spans (code-point offsets) from ``[[text|TYPE(|flags)]]`` markup."""
    out: list[str] = []
    spans: list[dict] = []
    pos = 0
    length = 0
    for m in _MARK.finditer(marked):
        before = marked[pos : m.start()]
        out.append(before)
        length += len(before)
        value, typ, flags = m.group(1), m.group(2), (m.group(3) or "")
        if typ not in SCORED:
            raise SystemExit(f"unknown type {typ!r} in {m.group()!r}")
        spans.append({"start": length, "end": length + len(value), "type": typ, "text": value,
                      "invented": "invented" in flags.split(",")})
        out.append(value)
        length += len(value)
        pos = m.end()
    out.append(marked[pos:])
    text = "".join(out)
    if "[[" in text or "]]" in text:
        raise SystemExit(f"unbalanced markup near: {text[text.find('[[') - 40 : text.find('[[') + 60]!r}")
    for s in spans:
        assert text[s["start"] : s["end"]] == s["text"]
    return text, spans


def build_interviews(source: Path = SOURCE_A) -> list[dict]:
    """The records of set (a) from the marked-up source."""
    records: list[dict] = []
    current: dict | None = None
    body: list[str] = []

    def close() -> None:
        if current is None:
            return
        marked = "\n".join(body).strip("\n") + "\n"
        text, spans = parse_marked(marked)
        labels = []
        for m in _LABEL.finditer(text):
            label = m.group(1).strip()
            if label not in labels:
                labels.append(label)
        speakers = [lab for lab in labels if lab.lower() not in ROLE_LABELS]
        records.append({**current, "text": text, "speakers": speakers, "spans": spans})

    for line in source.read_text(encoding="utf-8").splitlines():
        if line.startswith("=== "):
            close()
            ident, _, setting = line[4:].partition("|")
            current = {"id": ident.strip(), "setting": setting.strip()}
            body = []
        elif current is None or (line.startswith("#") and not body):
            continue
        else:
            body.append(line)
    close()
    return records


def check_interviews(records: list[dict]) -> list[str]:
    """Warnings: mentions of an annotated string left unannotated elsewhere in the excerpt,
    and speaker labels without a PERSON span."""
    warnings = []
    for rec in records:
        text, spans = rec["text"], rec["spans"]
        covered = [False] * len(text)
        for s in spans:
            for k in range(s["start"], s["end"]):
                covered[k] = True
        values = {s["text"] for s in spans if len(s["text"]) >= 3}
        for value in values:
            for m in re.finditer(r"(?<!\w)" + re.escape(value) + r"(?!\w)", text, re.IGNORECASE):
                if not any(covered[m.start() : m.end()]):
                    warnings.append(f"{rec['id']}: unannotated {m.group()!r} at {m.start()}")
        for m in _LABEL.finditer(text):
            if m.group(1).lower() in ROLE_LABELS:
                continue
            if not any(s["start"] == m.start(1) and s["type"] == "PERSON" for s in spans):
                warnings.append(f"{rec['id']}: speaker label {m.group(1)!r} at {m.start()} is not a PERSON span")
    return warnings


def write_jsonl(path: Path, records: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


# --------------------------------------------------------------------------- set (b)

# Template placeholders of presidio-evaluator -> our types. Placeholders mapped to None are
# identifiers qualframe does not handle (excluded from the score, reported apart), under
# the name given in EXCLUDED_AS.
PLACEHOLDER_TYPES = {
    "person": "PERSON", "name": "PERSON", "name_female": "PERSON", "name_male": "PERSON",
    "first_name": "PERSON", "first_name_female": "PERSON", "first_name_male": "PERSON",
    "first_name_nonbinary": "PERSON", "last_name": "PERSON", "last_name_female": "PERSON",
    "last_name_male": "PERSON",
    "organization": "ORGANISATION",
    "address": "ADDRESS", "street_name": "ADDRESS", "building_number": "ADDRESS",
    "secondary_address": "ADDRESS",
    "postcode": "POSTCODE", "zipcode": "POSTCODE",
    "city": "PLACE", "state": "PLACE", "state_abbr": "PLACE",
    "phone_number": "PHONE", "email": "EMAIL", "url": "URL",
    "date_time": "DATE", "date_of_birth": "DATE",
}  # fmt: skip
EXCLUDED_AS = {
    "country": "COUNTRY", "nationality": "NRP", "nation_woman": "NRP", "nation_man": "NRP",
    "nation_plural": "NRP", "prefix": "TITLE", "prefix_male": "TITLE", "prefix_female": "TITLE",
    "job": "TITLE", "age": "AGE", "credit_card_number": "CREDIT_CARD", "iban": "IBAN_CODE",
    "ip_address": "IP_ADDRESS", "ssn": "US_SSN", "us_driver_license": "US_DRIVER_LICENSE",
    "year": "YEAR", "day_of_week": "DAY_OF_WEEK",
}  # fmt: skip
EXCLUDED_WHY = {
    "COUNTRY": "a country (a quasi-identifier like nationality; qualframe's PLACE is UK places); "
    "scored as PLACE with --score-countries",
    "NRP": "nationality, religious or political group",
    "TITLE": "a title (Mr, Dr) or a job title; titles next to a name are part of PERSON in set (a)",
    "AGE": "an age",
    "CREDIT_CARD": "a payment card number",
    "IBAN_CODE": "a bank account (IBAN)",
    "IP_ADDRESS": "an IP address",
    "US_SSN": "a US social security number (Faker en_GB gives an invalid ZZ-prefixed NI number)",
    "US_DRIVER_LICENSE": "a US driving licence number",
    "YEAR": "a year on its own (qualframe's DATE wants a day or a month)",
    "DAY_OF_WEEK": "a day of the week on its own",
}
N_PRESIDIO = 1000
SEED = 20240612
LOWER_CASE_RATIO = 0.05  # presidio-evaluator's own default


def generate_presidio(n: int = N_PRESIDIO, seed: int = SEED) -> tuple[list[dict], dict]:
    """Set (b): presidio-evaluator's PresidioSentenceFaker and templates, en_GB values."""
    try:
        import presidio_evaluator
        from faker import Faker
        from faker.providers import BaseProvider
        from faker.providers.address.en_GB import Provider as GBAddress
        from presidio_evaluator.data_generator import PresidioSentenceFaker, presidio_templates_file_path
        from presidio_evaluator.data_generator.faker_extensions import (
            AgeProvider,
            IpAddressProvider,
            NationalityProvider,
            ReligionProvider,
            UsDriverLicenseProvider,
        )
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise SystemExit(
            f"--regenerate needs presidio-evaluator ({exc}); install it with "
            "`.venv/bin/pip install presidio-evaluator` (a benchmark-only dependency)"
        ) from exc

    date_formats = ["%d/%m/%Y", "%-d %B %Y", "%-d %b %Y", "%d.%m.%Y", "%A %-d %B %Y", "%-d/%-m/%Y", "%Y-%m-%d"]

    class UkValues(BaseProvider):
        """en_GB values for the placeholders the US-centred templates use.

        Added last, so it overrides presidio-evaluator's providers of the same name.
        """

        def organization(self) -> str:  # Faker has no en_GB company provider: "en" is used
            return self.generator.company()

        def zipcode(self) -> str:
            return self.generator.postcode()

        def state(self) -> str:
            return self.generator.county()

        def state_abbr(self) -> str:
            return self.generator.county()

        def country(self) -> str:  # NationalityProvider.country() returns None (a bug)
            return self.random_element(GBAddress.countries)

        def date_time(self) -> str:  # Faker gives a datetime object; written as a UK date
            return self.generator.date_object().strftime(self.random_element(date_formats))

        def date_of_birth(self) -> str:
            born = self.generator.date_between(start_date="-95y", end_date="today")
            return born.strftime(self.random_element(date_formats))

    # Base records (presidio-evaluator samples name-related values from one record per
    # sentence so that they agree): built from Faker en_GB instead of the bundled
    # FakeNameGenerator table, whose people live all over the world.
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    records = []
    for _ in range(3000):
        female = fake.random.random() < 0.5
        first = fake.first_name_female() if female else fake.first_name_male()
        last = fake.last_name()
        if fake.random.random() > 0.2:
            full = f"{first} {last}"
        else:  # as presidio-evaluator's _full_name: a middle initial now and then
            initial = fake.random_uppercase_letter()
            full = f"{first} {initial}{' ' if fake.random.random() > 0.5 else '. '}{last}"
        rec = {"first_name": first, "last_name": last, "name": full, "person": full}
        g = "female" if female else "male"
        rec.update({f"first_name_{g}": first, f"last_name_{g}": last, f"name_{g}": full})
        records.append(rec)

    # The templates as shipped, with their literal "\n" written as line ends.
    templates = [
        line.strip().replace("\\n", "\n").replace("\\,", ",")
        for line in presidio_templates_file_path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    providers = [NationalityProvider, AgeProvider, IpAddressProvider, ReligionProvider, UsDriverLicenseProvider,
                 UkValues]  # fmt: skip
    identity = {k: k for k in {*PresidioSentenceFaker.ENTITY_TYPE_MAPPING, *PLACEHOLDER_TYPES, *EXCLUDED_AS}}
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        faker = PresidioSentenceFaker(
            locale="en_GB",
            lower_case_ratio=LOWER_CASE_RATIO,
            sentence_templates=templates,
            entity_providers=providers,
            base_records=records,
            entity_type_mapping=identity,
            random_seed=seed,
        )
        samples = faker.generate_new_fake_sentences(n)
    out = []
    for i, sample in enumerate(samples):
        text = sample.full_text
        # presidio-evaluator lower-cases the values of 5% of the sentences but, in this
        # release, not the text (it sets `.fake`); do what it means to do.
        lowered = any(
            str(s.entity_value) != text[s.start_position : s.end_position]
            and str(s.entity_value) == text[s.start_position : s.end_position].lower()
            for s in sample.spans
        )
        if lowered and len(text.lower()) == len(text):
            text = text.lower()
        spans = []
        for s in sorted(sample.spans, key=lambda s: s.start_position):
            placeholder = s.entity_type
            typ = PLACEHOLDER_TYPES.get(placeholder) or EXCLUDED_AS.get(placeholder) or placeholder.upper()
            value = text[s.start_position : s.end_position]
            if value.strip() in ("", "None"):
                continue
            spans.append({"start": s.start_position, "end": s.end_position, "type": typ,
                          "placeholder": placeholder, "text": value})
        out.append({"id": f"b{i:04d}", "template_id": sample.template_id, "text": text, "spans": spans})
    meta = {
        "generator": f"presidio-evaluator {presidio_evaluator.__version__ if hasattr(presidio_evaluator, '__version__') else _dist_version('presidio-evaluator')}"
        f" PresidioSentenceFaker, Faker {_dist_version('faker')} locale en_GB",
        "seed": seed,
        "n": n,
        "lower_case_ratio": LOWER_CASE_RATIO,
    }
    return out, meta


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


# --------------------------------------------------------------------------- scoring


def default_recognisers() -> list[str]:
    """Every registered recogniser but spaCy's: the default install's detection."""
    from qualframe.anonymise import recogniser_names

    return [name for name in recogniser_names() if name != "spacy_ner"]


@dataclass
class Scores:
    name: str
    samples: int = 0
    words: int = 0
    gold_chars: int = 0
    gold_chars_covered: int = 0
    type_chars: Counter = field(default_factory=Counter)
    type_chars_covered: Counter = field(default_factory=Counter)
    gold: Counter = field(default_factory=Counter)
    found_any: Counter = field(default_factory=Counter)
    found_exact: Counter = field(default_factory=Counter)
    cands: Counter = field(default_factory=Counter)
    correct_any: Counter = field(default_factory=Counter)
    correct_exact: Counter = field(default_factory=Counter)
    on_excluded: Counter = field(default_factory=Counter)
    excluded_gold: Counter = field(default_factory=Counter)
    excluded_found: Counter = field(default_factory=Counter)
    misses: list = field(default_factory=list)
    false_positives: list = field(default_factory=list)
    knowable_chars: int = 0
    knowable_chars_covered: int = 0

    def char_recall(self) -> float:
        return self.gold_chars_covered / self.gold_chars if self.gold_chars else 1.0

    def precision(self, exact: bool = False) -> float:
        total = sum(self.cands.values())
        good = sum((self.correct_exact if exact else self.correct_any).values())
        return good / total if total else 1.0


def _nonspace(text: str, start: int, end: int) -> list[int]:
    return [k for k in range(start, end) if not text[k].isspace()]


def score(name: str, records: list[dict], *, use_speakers: bool, scored_types: set[str],
          recognisers: list[str]) -> Scores:
    from qualframe.anonymise import detect

    sc = Scores(name)
    for rec in records:
        text = rec["text"]
        speakers = rec.get("speakers", []) if use_speakers else []
        cands = detect(text, speakers=speakers, recognisers=recognisers)
        sc.samples += 1
        sc.words += len(text.split())
        gold = [s for s in rec["spans"] if s["type"] in scored_types]
        excluded = [s for s in rec["spans"] if s["type"] not in scored_types]
        cov_any = bytearray(len(text))
        cov_type: dict[str, bytearray] = defaultdict(lambda: bytearray(len(text)))
        for c in cands:
            for k in range(c.start, c.end):
                cov_any[k] = 1
                cov_type[c.type][k] = 1
        gold_any = bytearray(len(text))
        gold_type: dict[str, bytearray] = defaultdict(lambda: bytearray(len(text)))
        excl_any = bytearray(len(text))
        for s in gold:
            for k in range(s["start"], s["end"]):
                gold_any[k] = 1
                gold_type[s["type"]][k] = 1
        for s in excluded:
            for k in range(s["start"], s["end"]):
                excl_any[k] = 1
        # character recall (union of gold spans, white space not counted)
        for k in range(len(text)):
            if gold_any[k] and not text[k].isspace():
                sc.gold_chars += 1
                sc.gold_chars_covered += cov_any[k]
        # spans
        for s in gold:
            chars = _nonspace(text, s["start"], s["end"])
            if not chars:
                continue
            typ = s["type"]
            sc.gold[typ] += 1
            covered = sum(cov_any[k] for k in chars)
            sc.type_chars[typ] += len(chars)
            sc.type_chars_covered[typ] += covered
            if not s.get("invented"):
                sc.knowable_chars += len(chars)
                sc.knowable_chars_covered += covered
            if covered >= FOUND_SHARE * len(chars):
                sc.found_any[typ] += 1
            else:
                sc.misses.append((rec["id"], s, covered / len(chars), text))
            exact_types = [typ] + [b for a, b in COMPATIBLE if a == typ]
            exact = sum(1 for k in chars if any(cov_type[t][k] for t in exact_types if t in cov_type))
            if exact >= FOUND_SHARE * len(chars):
                sc.found_exact[typ] += 1
        for s in excluded:
            chars = _nonspace(text, s["start"], s["end"])
            if chars:
                sc.excluded_gold[s["type"]] += 1
                if sum(cov_any[k] for k in chars) >= FOUND_SHARE * len(chars):
                    sc.excluded_found[s["type"]] += 1
        # candidates
        for c in cands:
            chars = _nonspace(text, c.start, c.end)
            if not chars:
                continue
            inside = sum(gold_any[k] for k in chars)
            if inside >= CORRECT_SHARE * len(chars):
                sc.cands[c.type] += 1
                sc.correct_any[c.type] += 1
                exact_types = [c.type] + [b for a, b in COMPATIBLE if a == c.type]
                exact = sum(1 for k in chars if any(gold_type[t][k] for t in exact_types if t in gold_type))
                if exact >= CORRECT_SHARE * len(chars):
                    sc.correct_exact[c.type] += 1
            elif inside + sum(1 for k in chars if excl_any[k] and not gold_any[k]) >= CORRECT_SHARE * len(chars):
                sc.on_excluded[c.type] += 1
            else:
                sc.cands[c.type] += 1
                sc.false_positives.append((rec["id"], c, text))
    return sc


# --------------------------------------------------------------------------- speed and memory


def big_text(words: int = SPEED_WORDS) -> tuple[str, list[str]]:
    records = read_jsonl(SET_A)
    one = "\n\n".join(r["text"] for r in records)
    speakers = sorted({s for r in records for s in r["speakers"]})
    per = len(one.split())
    copies = -(-words // per)
    return "\n\n".join([one] * copies), speakers


def speed_child(mode: str) -> dict:
    """Run in a child process: time detect, or measure its Python heap peak."""
    import tracemalloc

    from qualframe.anonymise import detect

    recognisers = default_recognisers()
    text, speakers = big_text()
    words = len(text.split())
    t0 = time.perf_counter()
    detect("Priya Raman rang 01632 960418 from Rochdale.", speakers=speakers, recognisers=recognisers)
    warm = time.perf_counter() - t0  # loads the name lists, the place automaton, wordfreq
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if mode == "time":
        times = []
        n = 0
        for _ in range(3):
            t0 = time.perf_counter()
            n = len(detect(text, speakers=speakers, recognisers=recognisers))
            times.append(time.perf_counter() - t0)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return {"words": words, "chars": len(text), "warm_s": warm, "times": times, "candidates": n,
                "rss_before_kib": rss_before, "rss_kib": rss}
    tracemalloc.start()
    detect(text, speakers=speakers, recognisers=recognisers)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"words": words, "traced_peak_bytes": peak}


def run_child(mode: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, __file__, "--_child", mode], capture_output=True, text=True, env=env,
                          check=False)  # fmt: skip
    if proc.returncode != 0:
        raise SystemExit(f"the {mode} child failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- report


def _pct(x: float) -> str:
    return f"{x:.3f}"


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f} ({a}/{b})" if b else "–"


def table(sc: Scores) -> list[str]:
    types = [t for t in SCORED if sc.gold[t] or sc.cands[t]]
    lines = [
        "| type | gold spans | recall (any type) | recall (type-exact) | char recall | candidates | precision (any type) | precision (type-exact) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for t in types:
        lines.append(
            f"| {t} | {sc.gold[t]} | {_ratio(sc.found_any[t], sc.gold[t])} | {_ratio(sc.found_exact[t], sc.gold[t])}"
            f" | {_ratio(sc.type_chars_covered[t], sc.type_chars[t]) if sc.type_chars[t] else '–'}"
            f" | {sc.cands[t]} | {_ratio(sc.correct_any[t], sc.cands[t])} | {_ratio(sc.correct_exact[t], sc.cands[t])} |"
        )
    g, fa, fe = sum(sc.gold.values()), sum(sc.found_any.values()), sum(sc.found_exact.values())
    c, ca, ce = sum(sc.cands.values()), sum(sc.correct_any.values()), sum(sc.correct_exact.values())
    lines.append(
        f"| **all** | {g} | {_ratio(fa, g)} | {_ratio(fe, g)} | {_ratio(sc.gold_chars_covered, sc.gold_chars)}"
        f" | {c} | {_ratio(ca, c)} | {_ratio(ce, c)} |"
    )
    return lines


def context(text: str, start: int, end: int, width: int = 45) -> str:
    left = text[max(0, start - width) : start].replace("\n", " ⏎ ")
    right = text[end : end + width].replace("\n", " ⏎ ")
    return f"…{left}**{text[start:end]}**{right}…".replace("|", "\\|")


def report(results: dict, *, for_docs: bool) -> str:
    a: Scores = results["a"]
    b: Scores = results["b"]
    sp = results["speed"]
    mem = results["memory"]
    ok = lambda cond: "met" if cond else "**not met**"  # noqa: E731
    best = min(sp["times"])
    wps = sp["words"] / best
    lines = []
    lines.append(f"Last run: {results['when']}, Python {platform.python_version()}, {platform.machine()}, "
                 f"qualframe from this checkout; recognisers: {', '.join(results['recognisers'])} "
                 f"(spaCy installed: {results['spacy']}; its recogniser is not used).")  # fmt: skip
    lines.append("")
    lines.append("| target | figure | |")
    lines.append("| --- | ---: | --- |")
    lines.append(f"| character recall, set (a) ≥ {TARGET_CHAR_RECALL_A} | {_pct(a.char_recall())} | {ok(a.char_recall() >= TARGET_CHAR_RECALL_A)} |")
    lines.append(f"| character recall, set (b) ≥ {TARGET_CHAR_RECALL_B} | {_pct(b.char_recall())} | {ok(b.char_recall() >= TARGET_CHAR_RECALL_B)} |")
    lines.append(f"| precision, set (a) ≥ {TARGET_PRECISION_A} | {_pct(a.precision())} | {ok(a.precision() >= TARGET_PRECISION_A)} |")
    lines.append(f"| detection speed ≥ {TARGET_WORDS_PER_S:,} words/s (one core) | {wps:,.0f} | {ok(wps >= TARGET_WORDS_PER_S)} |")
    lines.append("")
    lines.append(
        f"Speed: `detect` on set (a) repeated to {sp['words']:,} words ({sp['chars']:,} characters, "
        f"{sp['candidates']:,} candidates): best of 3 runs {best:.2f} s "
        f"(runs {', '.join(f'{t:.2f}' for t in sp['times'])} s) = **{wps:,.0f} words/s**; first call "
        f"(loading the name lists, place automaton and word frequencies) {sp['warm_s']:.2f} s. "
        f"Peak memory of that child process (ru_maxrss): **{sp['rss_kib'] / 1024:.0f} MB** "
        f"({sp['rss_before_kib'] / 1024:.0f} MB after loading and building the text, before the timed runs); "
        f"Python heap peak of one `detect` call on the whole text (tracemalloc, separate process, after the "
        f"first call): **{mem['traced_peak_bytes'] / 2**20:.0f} MB**."
    )
    for sc, label, note in (
        (a, "Set (a): interview excerpts written for qualframe",
         f"{a.samples} excerpts, {a.words:,} words, speaker names passed as `speakers=`. "
         f"Character recall without the invented places (that no list could know): "
         f"{_ratio(a.knowable_chars_covered, a.knowable_chars)}."),
        (b, "Set (b): presidio-evaluator sentences with Faker en_GB values",
         f"{b.samples} sentences, {b.words:,} words ({results['b_meta'].get('generator', '?')}, "
         f"seed {results['b_meta'].get('seed', '?')}); no speakers."),
    ):
        lines.append("")
        lines.append(f"**{label}** — {note}")
        lines.append("")
        lines.extend(table(sc))
        if sc.on_excluded:
            lines.append("")
            lines.append(
                f"Candidates lying on identifiers of excluded types (left out of precision): "
                f"{sum(sc.on_excluded.values())}."
            )
    lines.append("")
    lines.append("Excluded from the score of set (b) (qualframe does not handle them); how many there "
                 "were and how many candidates covered anyway:")  # fmt: skip
    lines.append("")
    for typ in sorted(b.excluded_gold):
        lines.append(f"- {typ}: {b.excluded_gold[typ]} spans, {b.excluded_found[typ]} covered — {EXCLUDED_WHY.get(typ, '')}")
    lines.append("")
    lines.append(f"Misses in set (a) ({len(a.misses)}; all of set (a) is invented; \"invented\": a made-up place no list "
                 "could know; the share is how much of the span candidates covered):")  # fmt: skip
    lines.append("")
    for ident, s, share, text in a.misses:
        flag = ", invented" if s.get("invented") else ""
        lines.append(f"- {ident} {s['type']}{flag} ({share:.0%}): {context(text, s['start'], s['end'])}")
    fps = a.false_positives
    lines.append("")
    lines.append(f"False positives in set (a) ({len(fps)}):")
    lines.append("")
    shown = Counter(f"{c.type} {c.text!r} ({c.recogniser})" for _, c, _ in fps)
    lines.append("; ".join(f"{k}" + (f" ×{v}" if v > 1 else "") for k, v in shown.most_common()))
    if not for_docs:
        lines.append("")
        lines.append(f"Set (b) misses: {len(b.misses)}; by type: "
                     + ", ".join(f"{t} {n}" for t, n in Counter(s['type'] for _, s, _, _ in b.misses).most_common()))
        for ident, s, share, text in b.misses[:60]:
            lines.append(f"  {ident} {s['type']}/{s.get('placeholder')} ({share:.0%}): {context(text, s['start'], s['end'], 30)}")
        lines.append("")
        lines.append(f"Set (b) false positives ({len(b.false_positives)}):")
        shown = Counter(f"{c.type} {c.text!r} ({c.recogniser})" for _, c, _ in b.false_positives)
        lines.append("; ".join(f"{k}" + (f" ×{v}" if v > 1 else "") for k, v in shown.most_common(80)))
    return "\n".join(lines) + "\n"


def write_docs_section(path: Path, body: str) -> None:
    """Replace the text between the markers, leaving the rest of the page as it is."""
    block = f"{MARK_START}\n{body.rstrip()}\n{MARK_END}"
    text = path.read_text(encoding="utf-8")
    if MARK_START in text and MARK_END in text and text.index(MARK_START) < text.index(MARK_END):
        text = text[: text.index(MARK_START)] + block + text[text.index(MARK_END) + len(MARK_END) :]
    else:
        raise SystemExit(f"{path}: the {MARK_START} and {MARK_END} markers are missing")
    path.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rebuild-interviews", action="store_true",
                        help=f"rebuild {SET_A.name} from {SOURCE_A.name} (and check the annotation)")
    parser.add_argument("--regenerate", action="store_true",
                        help=f"regenerate {SET_B.name} with presidio-evaluator (otherwise the cached file is used)")
    parser.add_argument("--n", type=int, default=N_PRESIDIO, help="sentences in set (b) when regenerating (1000)")
    parser.add_argument("--seed", type=int, default=SEED, help="seed of set (b) when regenerating")
    parser.add_argument("--score-countries", action="store_true",
                        help="score countries in set (b) as PLACE instead of excluding them")
    parser.add_argument("--no-speed", action="store_true", help="skip the speed and memory runs")
    parser.add_argument("--write-docs", action="store_true", help=f"write the results into {DOCS.relative_to(REPO)}")
    parser.add_argument("--_child", choices=["time", "memory"], help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args._child:
        print(json.dumps(speed_child(args._child)))
        return 0
    if args.rebuild_interviews or not SET_A.exists():
        records = build_interviews()
        for warning in check_interviews(records):
            print("warning:", warning)
        write_jsonl(SET_A, records)
        print(f"wrote {SET_A.relative_to(REPO)}: {len(records)} excerpts, "
              f"{sum(len(r['text'].split()) for r in records):,} words, {sum(len(r['spans']) for r in records)} spans")
    elif SOURCE_A.exists():
        fresh = build_interviews()
        if fresh != read_jsonl(SET_A):
            print(f"warning: {SET_A.name} differs from {SOURCE_A.name}: run with --rebuild-interviews")
    if args.regenerate or not SET_B.exists():
        samples, meta = generate_presidio(args.n, args.seed)
        with SET_B.open("w", encoding="utf-8") as fh:
            fh.write(json.dumps({"meta": meta}, ensure_ascii=False) + "\n")
            for rec in samples:
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        print(f"wrote {SET_B.relative_to(REPO)}: {len(samples)} sentences")
    set_a = read_jsonl(SET_A)
    rows_b = read_jsonl(SET_B)
    b_meta = rows_b[0].get("meta", {}) if rows_b and "meta" in rows_b[0] else {}
    set_b = [r for r in rows_b if "meta" not in r]
    if args.score_countries:
        for rec in set_b:
            for s in rec["spans"]:
                if s["type"] == "COUNTRY":
                    s["type"] = "PLACE"

    import importlib.util

    recognisers = default_recognisers()
    results = {
        "when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "recognisers": recognisers,
        "spacy": importlib.util.find_spec("spacy") is not None,
        "b_meta": b_meta,
    }
    t0 = time.perf_counter()
    results["a"] = score("a", set_a, use_speakers=True, scored_types=set(SCORED), recognisers=recognisers)
    results["b"] = score("b", set_b, use_speakers=False, scored_types=set(SCORED), recognisers=recognisers)
    print(f"(scored both sets in {time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    if args.no_speed:
        results["speed"] = {"words": 0, "chars": 0, "warm_s": 0, "times": [float("inf")], "candidates": 0,
                            "rss_kib": 0, "rss_before_kib": 0}  # fmt: skip
        results["memory"] = {"traced_peak_bytes": 0}
    else:
        results["speed"] = run_child("time")
        results["memory"] = run_child("memory")
    print(report(results, for_docs=False))
    if args.write_docs:
        if args.score_countries or args.no_speed:
            raise SystemExit("--write-docs wants the default run (no --score-countries, no --no-speed)")
        write_docs_section(DOCS, report(results, for_docs=True))
        print(f"wrote {DOCS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
