"""Benchmark of qualframe's core pipeline at the size of a large study.

Generates a synthetic but realistic study (200 interview transcripts of about
8,000 words, a 6 x 5 codebook, 200 cases with 3 attributes, 20,000 codings by two
coders), then times, on a fresh project: importing the transcripts, importing the
codebook, cases and codings, building every framework matrix and exporting them
to XLSX. Each database backend runs in a fresh child process, so its peak memory
is its own and not the generator's.

Run from the repository root::

    .venv/bin/python benchmarks/bench_core.py                  # full size, SQLite
    .venv/bin/python benchmarks/bench_core.py --files 20 --words 2000 --codings 2000
    .venv/bin/python benchmarks/bench_core.py --postgres postgresql://user@127.0.0.1:5432/emptydb
    .venv/bin/python benchmarks/bench_core.py --write-docs     # update docs/benchmarks.md

The data are invented: names are built from made-up syllables, and the text comes
from a fixed vocabulary and a seeded random generator, so every run is the same.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import platform
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parent.parent
# Measure the checkout the script lives in, even where qualframe is not installed.
if (REPO / "src" / "qualframe").is_dir() and str(REPO / "src") not in sys.path:
    sys.path.insert(0, str(REPO / "src"))

DOCS = REPO / "docs" / "benchmarks.md"
MARK_START = "<!-- bench_core:start -->"
MARK_END = "<!-- bench_core:end -->"

# Targets for the full-size study (1.6M words); seconds, or MB for memory.
TARGET_IMPORT_S = 4.0
TARGET_MATRICES_S = 2.0
TARGET_XLSX_S = 5.0
TARGET_MEMORY_MB = 1024.0

FULL_FILES = 200
FULL_WORDS = 8000
FULL_CODINGS = 20000
CODERS = ("amsel", "tovi")  # invented coder names

# --------------------------------------------------------------------------- vocabulary

FIRST_PARTS = ("Ar", "Bel", "Cor", "Dae", "Ely", "Fen", "Gal", "Hal", "Isk", "Jor", "Kae", "Lio",
               "Mav", "Nel", "Orr", "Pim", "Quen", "Ros", "Sel", "Tam", "Ul", "Vel", "Wen", "Yar", "Zel")
FIRST_ENDS = ("a", "en", "ie", "o", "ina", "is", "wyn", "ette", "an", "ith", "ora", "uel")
LAST_PARTS = ("Ash", "Bram", "Cal", "Dun", "Elm", "Fal", "Gorr", "Hask", "Ives", "Kest", "Lorn",
              "Mere", "Nett", "Orrin", "Pell", "Quill", "Rook", "Stav", "Thorn", "Vell", "Wyck")
LAST_ENDS = ("by", "cott", "den", "field", "ford", "gate", "holm", "ley", "mere", "ridge",
             "stone", "ton", "wick", "worth")

SUBJECTS = ("we", "the team", "our manager", "the district nurses", "the practice", "the ward staff",
            "the commissioners", "the families", "most of the carers", "the new coordinator",
            "the social workers", "the GP surgery", "our service", "the local authority", "the trust",
            "I", "my colleagues", "the health visitors", "the care home", "the pharmacist")
# (past tense, base form)
VERBS = (("struggled with", "struggle with"), ("talked about", "talk about"),
         ("worked around", "work around"), ("pushed back on", "push back on"),
         ("relied on", "rely on"), ("worried about", "worry about"), ("argued for", "argue for"),
         ("set up", "set up"), ("cut back", "cut back"), ("picked up", "pick up"),
         ("waited for", "wait for"), ("sorted out", "sort out"), ("looked at", "look at"),
         ("dealt with", "deal with"), ("fought for", "fight for"), ("gave up on", "give up on"),
         ("kept track of", "keep track of"), ("asked about", "ask about"),
         ("planned for", "plan for"), ("complained about", "complain about"))
OBJECTS = ("the referral backlog", "the waiting list", "the discharge letters", "the rota",
           "the funding bid", "the new app", "home visits", "the night shifts", "the care plans",
           "the assessment forms", "the winter pressures", "the agency bills", "the team meetings",
           "the phone line", "the training budget", "the safeguarding reports",
           "the transport to clinic", "the community café", "the carers’ group",
           "the out-of-hours rota", "the video calls", "the paperwork", "the handover notes",
           "the visiting rules", "the PPE orders", "the respite beds", "the medication reviews")
TAILS = ("during the winter", "for most of last year", "every single week", "after the reorganisation",
         "when the pandemic started", "without any extra money", "because nobody else would",
         "in the end", "across the whole patch", "on top of everything else", "before the inspection",
         "as far as I remember", "with very little notice", "for the older patients",
         "in the evenings", "once the contract changed", "", "", "", "")
OPENERS = ("", "", "", "", "Honestly, ", "To be fair, ", "I think ", "In the end ", "Looking back, ",
           "Most weeks ", "I mean, ", "At the start ", "To be honest ", "Sometimes ", "Obviously ")
FEELINGS = ("hard", "frustrating", "a relief", "exhausting", "really positive", "a bit naïve",
            "messy", "surprisingly easy", "a constant battle", "quite isolating", "a turning point")
LACKS = ("enough time", "anyone to ask", "a clear process", "the money", "any cover",
         "a single point of contact", "proper training", "room in the budget")
ASIDES = (", you know,", ", sort of,", ", I suppose,", " – and this is the key thing –")
UNTILS = ("the spring", "last winter", "the inspection", "the new contract started",
          "someone complained", "it was almost too late", "the second wave")
ASKED = ("you", "your team", "the practice", "the families", "the commissioners", "your manager")
ACKS = ("", "", "Okay. ", "Right. ", "Mm-hmm. ", "Thanks, that’s helpful. ", "That’s interesting. ")

# Codebook: theme -> codes, with a one-line definition each.
CODEBOOK = {
    "Access to care": ("Waiting times", "Referral pathways", "Rural distance", "Digital exclusion",
                       "Out-of-hours cover"),
    "Workforce": ("Staffing shortages", "Burnout and wellbeing", "Training", "Agency staff", "Retention"),
    "Funding": ("Short-term funding", "Commissioning cycles", "Budget pressures", "Charitable income",
                "Cost of care"),
    "Partnership working": ("Information sharing", "Joint assessments", "Hospital discharge",
                            "Voluntary sector", "Multidisciplinary meetings"),
    "Patient and family experience": ("Continuity of care", "Involvement in decisions", "Carer strain",
                                      "Communication", "Trust in services"),
    "Covid-19 legacy": ("Visiting restrictions", "Remote consultations", "PPE and testing",
                        "Backlog recovery", "Staff redeployment"),
}
COLOURS = ("#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F", "#EDC948")
ROLES = ("District nurse", "GP", "Care home manager", "Social worker", "Commissioner",
         "Health visitor", "Practice manager", "Occupational therapist")
REGIONS = ("North East", "North West", "Yorkshire", "Midlands", "East of England", "London",
           "South East", "South West", "Wales")
MEMOS = ("Compare with the field notes.", "Strong example for the report.",
         "Ambiguous: discuss at the coding meeting.", "Contradicts an earlier answer.")


# --------------------------------------------------------------------------- generation


@dataclass
class Study:
    """Where the generated files are, and what the checks should find."""

    folder: Path
    transcripts: list[Path]
    codebook: Path
    cases: Path
    codings: Path
    participants: dict[str, str]  # source name -> participant label
    words: int = 0
    coding_rows: int = 0
    distinct_quotes: int = 0  # distinct (source, start, end, code): the quotes the matrices show
    themes: int = len(CODEBOOK)
    codes: int = sum(len(codes) for codes in CODEBOOK.values())


def invented_names(count: int, rng: random.Random) -> list[str]:
    """Distinct made-up person names, so no generated transcript names a real person."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        name = (rng.choice(FIRST_PARTS) + rng.choice(FIRST_ENDS) + " "
                + rng.choice(LAST_PARTS) + rng.choice(LAST_ENDS))
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def _clause(rng: random.Random) -> str:
    """subject + verb + object (+ tail), lower case: the core of most sentences."""
    subject = rng.choice(SUBJECTS)
    if rng.random() < 0.08:
        subject += rng.choice(ASIDES)
    past, _ = rng.choice(VERBS)
    words = [subject, past, rng.choice(OBJECTS)]
    tail = rng.choice(TAILS)
    if tail:
        words.append(tail)
    return " ".join(words)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def answer_sentence(rng: random.Random) -> str:
    """One sentence of a participant's answer, in one of a few spoken shapes."""
    shape = rng.random()
    if shape < 0.55:
        sentence = rng.choice(OPENERS) + _clause(rng)
    elif shape < 0.7:
        sentence = f"it was {rng.choice(FEELINGS)} because {_clause(rng)}"
    elif shape < 0.8:
        sentence = f"there wasn’t {rng.choice(LACKS)} for {rng.choice(OBJECTS)} {rng.choice(TAILS)}".rstrip()
    elif shape < 0.9:
        _, base = rng.choice(VERBS)
        sentence = f"{rng.choice(SUBJECTS)} didn’t {base} {rng.choice(OBJECTS)} until {rng.choice(UNTILS)}"
    else:
        sentence = f"{_clause(rng)}, and then {_clause(rng)}"
    ending = "." if rng.random() < 0.95 else " [laughs]."
    return _capitalise(sentence) + ending


def question(rng: random.Random) -> str:
    """The interviewer's turn: an acknowledgement and one open question."""
    _, base = rng.choice(VERBS)
    forms = (
        f"Can you tell me a bit more about {rng.choice(OBJECTS)}?",
        f"How did {rng.choice(ASKED)} {base} {rng.choice(OBJECTS)}?",
        f"What happened with {rng.choice(OBJECTS)} {rng.choice(TAILS[:16])}?",
        f"And how did that affect {rng.choice(OBJECTS)}?",
        f"Who was responsible for {rng.choice(OBJECTS)}?",
        f"Was that different {rng.choice(TAILS[:16])}?",
    )
    return rng.choice(ACKS) + rng.choice(forms)


def transcript(
    source: str, participant: str, target_words: int, rng: random.Random
) -> tuple[str, list[list[tuple[int, int]]]]:
    """The text of one interview and, per participant paragraph, its sentence spans.

    Spans are code-point offsets into the returned string, which is written as
    UTF-8 with "\\n" line ends, so they are offsets into the imported source too.
    """
    pieces: list[str] = []
    offset = 0
    words = 0
    paragraphs: list[list[tuple[int, int]]] = []

    def add(text: str) -> None:
        nonlocal offset, words
        pieces.append(text)
        offset += len(text)
        words += len(text.split())

    day = 1 + rng.randrange(28)
    add(f"Interview {source} – 2025-0{1 + rng.randrange(9)}-{day:02d}, {40 + rng.randrange(50)} minutes\n")
    add("Transcribed verbatim; names and places changed.")
    while words < target_words:
        add("\n\nInterviewer: ")
        add(question(rng))
        for number in range(rng.choice((1, 1, 2, 2, 3))):
            add("\n\n")
            if number == 0:
                add(f"{participant}: ")
            spans: list[tuple[int, int]] = []
            for index in range(rng.randint(2, 6)):
                if index:
                    add(" ")
                sentence = answer_sentence(rng)
                spans.append((offset, offset + len(sentence)))
                add(sentence)
            paragraphs.append(spans)
    add("\n")
    return "".join(pieces), paragraphs


def pick_codings(
    source: str, paragraphs: list[list[tuple[int, int]]], count: int, leaves: list[str], rng: random.Random
) -> list[tuple[str, int, int, str, str]]:
    """``count`` codings of 1-3 consecutive sentences; about one in five double-coded."""
    rows: list[tuple[str, int, int, str, str]] = []
    used: set[tuple[int, int, str, str]] = set()
    attempts = 0
    while len(rows) < count:
        attempts += 1
        if attempts > 100 * count + 1000:
            raise SystemExit(f"bench_core: {source} is too short for {count} distinct codings; "
                             "give more --words or fewer --codings")
        if rows and len(rows) % 5 == 4:
            # the second coder codes the same span with the same code (agreement)
            _, start, end, code, coder = rows[-1]
            other = CODERS[1] if coder == CODERS[0] else CODERS[0]
            key = (start, end, code, other)
            if key not in used:
                used.add(key)
                rows.append((source, start, end, code, other))
                continue
        spans = rng.choice(paragraphs)
        first = rng.randrange(len(spans))
        last = min(len(spans) - 1, first + rng.randrange(3))
        start, end = spans[first][0], spans[last][1]
        code = rng.choice(leaves)
        coder = CODERS[len(rows) % 2]
        key = (start, end, code, coder)
        if key in used:
            continue
        used.add(key)
        rows.append((source, start, end, code, coder))
    return rows


def write_codebook(path: Path) -> None:
    """The codebook as YAML, written by hand so the benchmark needs nothing but qualframe."""
    lines = ["codes:"]
    for number, (theme, codes) in enumerate(CODEBOOK.items()):
        lines += [f'  - name: "{theme}"',
                  f'    definition: "What participants said about {theme.lower()}."',
                  "    origin: deductive",
                  f'    colour: "{COLOURS[number % len(COLOURS)]}"',
                  "    children:"]
        for code in codes:
            lines += [f'      - name: "{code}"',
                      f'        definition: "Talk of {code.lower()} as part of {theme.lower()}."',
                      f"        origin: {'inductive' if code in ('Retention', 'Carer strain') else 'deductive'}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def generate(folder: Path, files: int, words: int, codings: int, seed: int) -> Study:
    """Write the transcripts, codebook, cases and codings of the synthetic study."""
    folder.mkdir(parents=True, exist_ok=True)
    text_folder = folder / "transcripts"
    text_folder.mkdir(exist_ok=True)
    names = invented_names(files, random.Random(f"{seed}-names"))
    leaves = [f"{theme}/{code}" for theme, codes in CODEBOOK.items() for code in codes]
    study = Study(folder, [], folder / "codebook.yaml", folder / "cases.csv", folder / "codings.csv", {})
    write_codebook(study.codebook)

    case_rng = random.Random(f"{seed}-cases")
    with open(study.cases, "w", encoding="utf-8", newline="") as cases_file, \
            open(study.codings, "w", encoding="utf-8", newline="") as codings_file:
        cases_out = csv.writer(cases_file)
        cases_out.writerow(["case", "role", "region", "years_in_post"])
        codings_out = csv.writer(codings_file)
        codings_out.writerow(["source", "start", "end", "code", "coder", "memo"])
        quotes: set[tuple[str, int, int, str]] = set()
        for index in range(files):
            # One generator per file: a scaled-down run starts with the same files.
            rng = random.Random(f"{seed}-{index}")
            source = f"P{index + 1:03d}"
            text, paragraphs = transcript(source, names[index], words, rng)
            path = text_folder / f"{source}.txt"
            path.write_text(text, encoding="utf-8", newline="\n")
            study.transcripts.append(path)
            study.participants[source] = names[index]
            study.words += len(text.split())
            cases_out.writerow([source, case_rng.choice(ROLES), case_rng.choice(REGIONS),
                                1 + case_rng.randrange(30)])
            share = codings // files + (1 if index < codings % files else 0)
            for number, row in enumerate(pick_codings(source, paragraphs, share, leaves, rng)):
                memo = MEMOS[number % len(MEMOS)] if number % 40 == 39 else ""
                codings_out.writerow([*row, memo])
                quotes.add(row[:4])
                study.coding_rows += 1
        study.distinct_quotes = len(quotes)
    return study


# --------------------------------------------------------------------------- measuring


def rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024


@dataclass
class PassResult:
    """What one run of the pipeline on one backend measured."""

    backend: str
    traced: bool
    seconds: dict[str, float] = field(default_factory=dict)
    traced_peak_mb: dict[str, float] = field(default_factory=dict)
    rss_after_mb: dict[str, float] = field(default_factory=dict)
    peak_rss_mb: float = 0.0
    facts: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def run_pass(study: Study, backend: str, database_url: str | None, project_dir: str, traced: bool) -> PassResult:
    """Run the pipeline once on a fresh project; meant to run in a child process."""
    import qualframe as qf

    result = PassResult(backend, traced)
    result.rss_after_mb["start"] = rss_mb()
    if traced:
        tracemalloc.start()

    def step(name: str, work: Callable[[], Any]) -> Any:
        if traced:
            tracemalloc.reset_peak()
        began = time.perf_counter()
        value = work()
        result.seconds[name] = time.perf_counter() - began
        if traced:
            result.traced_peak_mb[name] = tracemalloc.get_traced_memory()[1] / 1024 / 1024
        result.rss_after_mb[name] = rss_mb()
        return value

    project = step("init", lambda: qf.init_project(project_dir, database_url=database_url))
    with project:
        report = step("import", lambda: qf.import_files(project, study.transcripts, case_from_filename=True))
        step("codebook", lambda: qf.import_codebook(project, study.codebook))
        step("cases", lambda: qf.import_cases(project, study.cases))
        added = step("codings", lambda: qf.import_codings(project, study.codings, default_coder=CODERS[0]))["added"]
        matrices = step("matrices", lambda: qf.build_matrices(project))
        xlsx = Path(project_dir) / "matrices.xlsx"
        step("xlsx", lambda: qf.export_matrices(matrices, xlsx))

        result.facts["xlsx_mb"] = xlsx.stat().st_size / 1024 / 1024
        if project.is_sqlite:
            result.facts["database_mb"] = (Path(project_dir) / "qualframe.sqlite").stat().st_size / 1024 / 1024
        else:
            with project.engine.connect() as connection:
                settings = [connection.exec_driver_sql(f"SHOW {name}").scalar()
                            for name in ("server_version", "fsync", "synchronous_commit")]
            where = project.engine.url.host or "a local socket"
            result.facts["server"] = (f"PostgreSQL {settings[0].split()[0]} at {where} "
                                      f"(fsync {settings[1]}, synchronous_commit {settings[2]})")
        result.problems = check(study, report, added, matrices)
    if traced:
        tracemalloc.stop()
    result.peak_rss_mb = rss_mb()
    return result


def check(study: Study, report: Any, added: int, matrices: list[Any]) -> list[str]:
    """What the library got wrong on data whose right answer we know."""
    problems = []
    for filename, reason in report.failed[:5]:
        problems.append(f"import refused {filename}: {reason}")
    if added != study.coding_rows:
        problems.append(f"import_codings reported {added} codings, the CSV has {study.coding_rows}")
    if len(matrices) != study.themes:
        problems.append(f"{len(matrices)} matrices, expected {study.themes} (one per theme)")
    quotes = 0
    wrong_speaker: dict[str, int] = {}
    for matrix in matrices:
        for row in matrix.rows:
            for cell in row.cells.values():
                for quote in cell.quotes:
                    quotes += 1
                    if quote.speaker != study.participants.get(quote.source):
                        wrong_speaker[str(quote.speaker)] = wrong_speaker.get(str(quote.speaker), 0) + 1
    if quotes != study.distinct_quotes:
        problems.append(f"matrices hold {quotes} quotes, expected {study.distinct_quotes}")
    for speaker, count in sorted(wrong_speaker.items()):
        problems.append(f"{count} quote(s) attributed to speaker {speaker!r} instead of the participant")
    return problems


def in_child(study: Study, backend: str, database_url: str | None, project_dir: Path, traced: bool) -> PassResult:
    """One pass in a fresh interpreter, so its peak memory is the pipeline's alone."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(run_pass, study, backend, database_url, str(project_dir), traced).result()


# --------------------------------------------------------------------------- reporting


def machine() -> dict[str, str]:
    """The facts a reader needs to compare our figures with theirs."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GB"
                break
    except OSError:
        pass
    import qualframe

    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{model}, {len(os.sched_getaffinity(0))} CPUs available (nproc)",
        "memory": memory,
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "sqlite": sqlite3.sqlite_version,
        "qualframe": f"{qualframe.__version__} ({git_revision()})",
    }


def speed_check(rounds: int = 5) -> float:
    """Milliseconds a fixed pure-Python loop takes (median of ``rounds``): how fast this
    machine was at the time. On a shared virtual machine it can double from one minute
    to the next, and every other figure with it, so runs are compared by this first."""
    spent = []
    for _ in range(rounds):
        began = time.perf_counter()
        total = 0
        for number in range(1_000_000):
            total += number * number
        spent.append((time.perf_counter() - began) * 1000)
    return statistics.median(spent)


def filesystem(path: Path) -> str:
    """The file system a path is on: SQLite's commit cost depends on it."""
    best, kind = "", "unknown"
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            fields = line.split()
            mount = fields[1]
            if str(path.resolve()).startswith(mount.rstrip("/") + "/") and len(mount) >= len(best):
                best, kind = mount, fields[2]
    except (OSError, IndexError):
        pass
    return kind


def git_revision() -> str:
    """The commit measured, and whether the working tree differed from it (read-only git)."""
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no", "src"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return f"commit {head}" + (", with uncommitted changes in src/" if dirty else "")


def verdict(value: float, target: float, full_size: bool) -> str:
    if not full_size:
        return "(scaled down)"
    return "met" if value < target else "**missed**"


def results_markdown(study: Study, passes: list[PassResult], facts: dict[str, str], full_size: bool,
                     generation_s: float) -> str:
    """The results as a Markdown section: the same text on screen and in the docs."""
    timed = [p for p in passes if not p.traced]
    traced = next((p for p in passes if p.traced), None)
    names = [p.backend for p in timed]
    servers = [p.facts["server"] for p in timed if "server" in p.facts]
    lines = [
        f"- Date: {facts['date']}",
        f"- Machine: {facts['cpu']}, {facts['memory']} RAM; {facts['os']}; "
        f"study files and SQLite project on {filesystem(study.folder)}",
        f"- Software: {facts['python']}; SQLite {facts['sqlite']}; "
        + "".join(f"{server}; " for server in servers)
        + f"qualframe {facts['qualframe']}",
        "",
        f"Study: {len(study.transcripts)} transcripts, {study.words:,} words in all; "
        f"codebook of {study.themes} themes × {study.codes // study.themes} codes; "
        f"{len(study.transcripts)} cases × 3 attributes; {study.coding_rows:,} codings by 2 coders "
        f"({study.distinct_quotes:,} distinct quotes). Generated in {generation_s:.1f} s (not timed below).",
        "",
    ]
    if not full_size:
        lines += ["**Scaled-down run: the targets apply to the full size (200 × 8,000 words, 20,000 codings).**", ""]
    lines += ["| Step | Target | " + " | ".join(names) + " |",
              "|---|---|" + "---|" * len(names)]

    def row(label: str, key: str, target: float | None) -> None:
        cells = []
        for p in timed:
            value = p.seconds[key]
            cells.append(f"{value:.2f} s" + (f" {verdict(value, target, full_size)}" if target else ""))
        target_text = f"< {target:g} s" if target else "report only"
        lines.append(f"| {label} | {target_text} | " + " | ".join(cells) + " |")

    row("create the project (schema migrations)", "init", None)
    row(f"(a) import {len(study.transcripts)} .txt files ({study.words / 1e6:.2f}M words)", "import", TARGET_IMPORT_S)
    row(f"(b) import codebook ({study.codes + study.themes} codes)", "codebook", None)
    row(f"(b) import cases ({len(study.transcripts)} × 3 attributes)", "cases", None)
    row(f"(b) import codings ({study.coding_rows:,})", "codings", None)
    lines.append("| (b) total | report only | " + " | ".join(
        f"{p.seconds['codebook'] + p.seconds['cases'] + p.seconds['codings']:.2f} s" for p in timed) + " |")
    row(f"(c) build all matrices ({study.themes})", "matrices", TARGET_MATRICES_S)
    row("(d) export all matrices to XLSX", "xlsx", TARGET_XLSX_S)
    lines.append("| peak memory of the process (ru_maxrss) | < 1 GB | " + " | ".join(
        f"{p.peak_rss_mb:.0f} MB {verdict(p.peak_rss_mb, TARGET_MEMORY_MB, full_size)}" for p in timed) + " |")
    lines.append("| ru_maxrss after create / (a) / (b) / (c) / (d) | — | " + " | ".join(
        " / ".join(f"{p.rss_after_mb[key]:.0f}" for key in ("init", "import", "codings", "matrices", "xlsx"))
        + " MB" for p in timed) + " |")
    lines.append("| XLSX file size | — | " + " | ".join(f"{p.facts['xlsx_mb']:.1f} MB" for p in timed) + " |")
    if any("database_mb" in p.facts for p in timed):
        lines.append("| SQLite database size | — | " + " | ".join(
            f"{p.facts['database_mb']:.0f} MB" if "database_mb" in p.facts else "—" for p in timed) + " |")
    lines.append("")
    if traced is not None:
        steps = ("import", "codebook", "cases", "codings", "matrices", "xlsx")
        lines += [
            f"Python heap peak per step (tracemalloc, separate {traced.backend} pass; "
            "tracemalloc slows the code, so these timings are not the ones above): "
            + ", ".join(f"{key} {traced.traced_peak_mb[key]:.0f} MB" for key in steps) + ".",
            "",
        ]
    problems = [f"{p.backend}: {problem}" for p in passes for problem in p.problems]
    if problems:
        lines += ["Checks **failed**:", ""] + [f"- {problem}" for problem in problems] + [""]
    else:
        lines += ["Checks passed on every backend: all files imported, every coding added, one matrix per "
                  "theme, every quote in its matrix and attributed to the participant's turn.", ""]
    return "\n".join(lines)


def write_docs_section(path: Path, start: str, end: str, body: str) -> None:
    """Replace the text between two markers, leaving the rest of the page as it is."""
    block = f"{start}\n{body.rstrip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if start in text and end in text and text.index(start) < text.index(end):
        before = text[: text.index(start)]
        after = text[text.index(end) + len(end):]
        text = before + block + after
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- main


def postgres_problem(url: str) -> str | None:
    """Why the PostgreSQL database cannot be used, found before minutes of generating."""
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    try:
        parsed = make_url(url)
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        engine = create_engine(parsed)
        try:
            with engine.connect() as connection:
                tables = inspect(connection).get_table_names()
        finally:
            engine.dispose()
    except (SQLAlchemyError, ValueError, ImportError) as exc:
        return f"cannot use {url}: {exc}"
    if tables:
        return f"the database {url} is not empty ({len(tables)} tables); give an empty one"
    return None


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Where a benchmark works, whether it keeps its files, whether it writes the docs."""
    parser.add_argument("--tmpdir", type=Path, help="where to build the study and projects (default: the system's)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files and projects")
    parser.add_argument("--write-docs", action="store_true", help=f"write the results into {DOCS.relative_to(REPO)}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=FULL_FILES, help="number of transcripts (200)")
    parser.add_argument("--words", type=int, default=FULL_WORDS, help="words per transcript (8000)")
    parser.add_argument("--codings", type=int, default=FULL_CODINGS, help="codings in all (20000)")
    parser.add_argument("--seed", type=int, default=1729, help="seed of the generator")
    parser.add_argument("--postgres", metavar="URL",
                        help="also run on this PostgreSQL database (it must be empty; "
                             "the run leaves the project's tables in it)")
    parser.add_argument("--no-tracemalloc", action="store_true",
                        help="skip the extra SQLite pass that measures Python heap peaks")
    add_run_options(parser)
    args = parser.parse_args(argv)
    if args.files < 1 or args.words < 50 or args.codings < 0:
        parser.error("--files must be at least 1, --words at least 50, --codings not negative")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    full_size = (args.files, args.words, args.codings) == (FULL_FILES, FULL_WORDS, FULL_CODINGS)
    if args.postgres:
        problem = postgres_problem(args.postgres)
        if problem:
            print(f"bench_core: {problem}", file=sys.stderr)
            return 2
    facts = machine()
    folder = Path(tempfile.mkdtemp(prefix="qualframe-bench-", dir=args.tmpdir))
    try:
        print(f"Generating {args.files} transcripts of ~{args.words:,} words and {args.codings:,} codings in {folder} ...",
              flush=True)
        began = time.perf_counter()
        study = generate(folder / "study", args.files, args.words, args.codings, args.seed)
        generation_s = time.perf_counter() - began

        passes = []
        print("Timing on SQLite ...", flush=True)
        passes.append(in_child(study, "SQLite", None, folder / "project-sqlite", traced=False))
        if args.postgres:
            print("Timing on PostgreSQL ...", flush=True)
            passes.append(in_child(study, "PostgreSQL", args.postgres, folder / "project-postgres", traced=False))
        if not args.no_tracemalloc:
            print("Measuring Python heap peaks (tracemalloc) on SQLite ...", flush=True)
            passes.append(in_child(study, "SQLite", None, folder / "project-traced", traced=True))

        body = results_markdown(study, passes, facts, full_size, generation_s)
        print()
        print(body)
        if args.write_docs:
            write_docs_section(DOCS, MARK_START, MARK_END, body)
            print(f"Wrote the results into {DOCS}")
        if args.keep:
            print(f"Kept the study and projects in {folder}")
        failed = any(p.problems for p in passes)
        return 1 if failed else 0
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
