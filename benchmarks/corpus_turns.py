"""How speaker turns come out when qualframe imports real, public transcripts.

Synthetic data only show that the happy path works; these corpora (hearing
transcripts of two UK public inquiries and a podcast, see each corpus's
PROVENANCE.md) have the mess real files have: several labels for one person,
headings and stage directions between turns, inline time stamps. The script
imports each corpus into a throwaway project and reports, per corpus, files
imported or refused, words, turns, distinct speakers, the share of words inside
turns, the commonest speaker labels and labels that look wrong. It also counts
the labelled paragraphs that each corpus's documented label convention predicts,
so a missed or invented turn shows up as a difference.

Run from the repository root (the corpora live beside the repository, in
../shared/corpora, which a plain clone does not have)::

    .venv/bin/python benchmarks/corpus_turns.py
    .venv/bin/python benchmarks/corpus_turns.py --write-docs
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_core import DOCS, REPO, machine, write_docs_section  # also puts the checkout's src on sys.path

MARK_START = "<!-- corpus_turns:start -->"
MARK_END = "<!-- corpus_turns:end -->"
DEFAULT_CORPORA = REPO.parent / "shared" / "corpora"
LONG_LABEL = 40  # characters: longer than any plain label the detector accepts
SAMPLE = 8

# Lines that are not speech but that a turn runs over when they sit between two
# labelled paragraphs: reStructuredText heading underlines, stage directions in
# italics such as *(10.00 am)*, and the raw HTML block at the top of a day.
NON_SPEECH_RES = {
    "heading underline": re.compile(r"^(?:={3,}|-{3,}|\^{3,})[ \t]*$"),
    "stage direction": re.compile(r"^\*[^*\n].*[^*\n]\*[ \t]*$"),
    "raw HTML / directive": re.compile(r"^(?:\.\. [a-z-]+::|[ \t]+<|<)"),
}


@dataclass
class Corpus:
    """One corpus: where its files are and how its PROVENANCE.md says speakers are labelled."""

    name: str
    pattern: str  # glob under the corpus folder
    convention: re.Pattern[str]  # a labelled paragraph, per PROVENANCE.md; group "name"
    convention_text: str


CORPORA = (
    Corpus("uk-covid19-inquiry", "module-*/*.rst",
           re.compile(r"^\*\*(?P<name>[^*\n]+?)\*\*[ \t]*:", re.MULTILINE), "`**Name**: text`"),
    Corpus("lampard-inquiry", "*/*.rst",
           re.compile(r"^\*\*(?P<name>[^*\n]+?)\*\*[ \t]*:", re.MULTILINE), "`**Name**: text`"),
    Corpus("changelog-brainscience", "brainscience/*.md",
           re.compile(r"^\*\*(?P<name>[^*\n]+?):\*\*", re.MULTILINE), "`**Name:** text`"),
)


@dataclass
class Outcome:
    """What one corpus's import produced."""

    corpus: Corpus
    files: int = 0
    copied_as: str = ""  # suffix the .rst files were copied with, or ""
    refused: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    words: int = 0
    words_in_turns: int = 0
    turns: int = 0
    convention_labels: int = 0  # labelled paragraphs the documented convention predicts
    convention_names: Counter[str] = field(default_factory=Counter)
    speakers: Counter[str] = field(default_factory=Counter)  # label -> turns
    first_source: dict[str, str] = field(default_factory=dict)  # label -> a source it is in
    non_speech: Counter[str] = field(default_factory=Counter)  # kind -> lines inside turns
    turns_with_non_speech: int = 0

    @property
    def imported(self) -> int:
        return self.files - len(self.refused)

    @property
    def share_in_turns(self) -> float:
        return self.words_in_turns / self.words if self.words else 0.0

    def used_once(self) -> list[str]:
        return sorted(label for label, count in self.speakers.items() if count == 1)

    def long_labels(self) -> list[str]:
        return sorted(label for label in self.speakers if len(label) > LONG_LABEL)

    def with_digits(self) -> list[str]:
        """Document references and role numbers end up as labels in converted transcripts."""
        return sorted(label for label in self.speakers if any(char.isdigit() for char in label))

    def missed_names(self) -> list[str]:
        """Names the convention labels but that never became a speaker."""
        return sorted(name for name in self.convention_names if name not in self.speakers)

    def extra_speakers(self) -> list[str]:
        """Speakers that the convention does not label (labels found some other way)."""
        return sorted(label for label in self.speakers if label not in self.convention_names)


def gather(corpus: Corpus, folder: Path, staging: Path, rst_suffix: str) -> tuple[list[Path], str]:
    """The files to import; .rst copies get an importable suffix (qualframe reads no .rst)."""
    sources = sorted(path for path in folder.glob(corpus.pattern) if path.name != "index.rst")
    if not any(path.suffix == ".rst" for path in sources):
        return sources, ""
    staging.mkdir(parents=True, exist_ok=True)
    copies = []
    for path in sources:
        # The folder goes into the name: two modules can have a hearing on the same day.
        target = staging / f"{path.parent.name}_{path.stem}{rst_suffix}"
        shutil.copyfile(path, target)
        copies.append(target)
    return copies, rst_suffix


def measure(corpus: Corpus, folder: Path, work: Path, rst_suffix: str) -> Outcome:
    """Import one corpus into a fresh project and tally what the turns look like."""
    import qualframe as qf

    outcome = Outcome(corpus)
    paths, outcome.copied_as = gather(corpus, folder, work / f"{corpus.name}-files", rst_suffix)
    outcome.files = len(paths)
    with qf.init_project(work / f"{corpus.name}-project") as project:
        began = time.perf_counter()
        report = qf.import_files(project, paths)
        outcome.seconds = time.perf_counter() - began
        outcome.refused = list(report.failed)
        for source in qf.list_sources(project, with_text=True):
            tally_source(outcome, source["name"], source["text"], source["turns"])
    return outcome


def tally_source(outcome: Outcome, name: str, text: str, turns: list[dict[str, Any]]) -> None:
    """Add one source's words, turns and labels to its corpus's tally."""
    outcome.words += len(text.split())
    for match in outcome.corpus.convention.finditer(text):
        outcome.convention_labels += 1
        outcome.convention_names[" ".join(match.group("name").split())] += 1
    for turn in turns:
        said = text[turn["start"] : turn["end"]]
        speaker = turn["speaker"]
        outcome.turns += 1
        outcome.words_in_turns += len(said.split())
        outcome.speakers[speaker] += 1
        outcome.first_source.setdefault(speaker, name)
        found = False
        for line in said.split("\n"):
            for kind, pattern in NON_SPEECH_RES.items():
                if pattern.match(line):
                    outcome.non_speech[kind] += 1
                    found = True
            if outcome.corpus.convention.match(line):
                # a labelled paragraph qualframe did not believe: it continues the turn
                outcome.non_speech["label not taken as a speaker"] += 1
                found = True
        outcome.turns_with_non_speech += found


# --------------------------------------------------------------------------- reporting


def _labels(labels: list[str], outcome: Outcome, limit: int = SAMPLE) -> str:
    if not labels:
        return "none"
    shown = ", ".join(f"`{label}` ({outcome.first_source.get(label, '?')})" for label in labels[:limit])
    more = f" and {len(labels) - limit} more" if len(labels) > limit else ""
    return shown + more


def results_markdown(
    outcomes: list[Outcome], total_seconds: float, facts: dict[str, str], with_names: bool = True
) -> str:
    """The summary table and, per corpus, the labels worth a look.

    Without ``with_names`` (what goes into the repository's docs) speaker labels are
    counted but not listed: the inquiries name witnesses and bereaved families, and
    the project keeps no real person's name in its files.
    """
    lines = [
        f"- Date: {facts['date']}",
        f"- Machine: {facts['cpu']}, {facts['memory']} RAM; {facts['os']}",
        f"- Software: {facts['python']}; qualframe {facts['qualframe']}",
        f"- Whole import, all corpora ({sum(o.files for o in outcomes)} files, "
        f"{sum(o.words for o in outcomes):,} words; timed around `import_files` only): {total_seconds:.2f} s",
        "",
        "| Corpus | Files imported / refused | Words | Turns | Labelled paragraphs (convention) "
        "| Distinct speakers | Words inside turns | Turns holding non-speech lines | Import time |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        lines.append(
            f"| {o.corpus.name} | {o.imported} / {len(o.refused)} | {o.words:,} | {o.turns:,} | "
            f"{o.convention_labels:,} | {len(o.speakers)} | {o.share_in_turns:.1%} | "
            f"{o.turns_with_non_speech:,} | {o.seconds:.2f} s |"
        )
    lines.append("")
    if not with_names:
        lines.append("Per corpus, labels used only once / longer than 40 characters / containing digits / "
                     "labelled by the convention but never a speaker / speakers outside the convention: "
                     + "; ".join(
                         f"{o.corpus.name} {len(o.used_once())} / {len(o.long_labels())} / {len(o.with_digits())} / "
                         f"{len(o.missed_names())} / {len(o.extra_speakers())}"
                         for o in outcomes
                     )
                     + ". Run the script to see the labels themselves (they are printed, not written here).")
        return "\n".join(lines)
    for o in outcomes:
        top = ", ".join(f"`{label}` {count}" for label, count in o.speakers.most_common(SAMPLE))
        lines += [f"**{o.corpus.name}** (labels {o.corpus.convention_text}"
                  + (f"; the .rst files were imported as {o.copied_as} copies" if o.copied_as else "")
                  + ")", ""]
        lines.append(f"- Top speaker labels (turns): {top or 'none'}")
        once = o.used_once()
        lines.append(f"- Labels used only once ({len(once)}): {_labels(once, o)}")
        long = o.long_labels()
        lines.append(f"- Labels longer than {LONG_LABEL} characters ({len(long)}): {_labels(long, o)}")
        digits = o.with_digits()
        lines.append(f"- Labels containing digits ({len(digits)}): "
                     + (", ".join(f"`{s}` ({o.speakers[s]}×)" for s in digits[:SAMPLE]) or "none"))
        missed = o.missed_names()
        lines.append(f"- Labelled by the convention but never a speaker ({len(missed)}): "
                     + (", ".join(f"`{n}` ({o.convention_names[n]}×)" for n in missed[:SAMPLE]) or "none"))
        extra = o.extra_speakers()
        lines.append(f"- Speakers not labelled by the convention ({len(extra)}): "
                     + (", ".join(f"`{s}` ({o.speakers[s]}×)" for s in extra[:SAMPLE]) or "none"))
        if o.non_speech:
            lines.append("- Non-speech lines inside turns: "
                         + ", ".join(f"{kind} {count:,}" for kind, count in o.non_speech.most_common()))
        for filename, reason in o.refused[:SAMPLE]:
            lines.append(f"- Refused `{filename}`: {reason}")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA,
                        help=f"folder holding the corpora (default: {DEFAULT_CORPORA})")
    parser.add_argument("--rst-as", choices=("md", "txt"), default="md",
                        help="suffix the .rst day files are copied with before import (default: md)")
    parser.add_argument("--write-docs", action="store_true", help=f"write the results into {DOCS.relative_to(REPO)}")
    args = parser.parse_args(argv)

    if not args.corpora.is_dir():
        print(f"corpus_turns: no corpora folder at {args.corpora}.\n"
              "The public transcripts this script reads are not part of the repository; they sit beside it "
              "in ../shared/corpora on the project's build machine. Give another place with --corpora.",
              file=sys.stderr)
        return 2
    present = [c for c in CORPORA if (args.corpora / c.name).is_dir()]
    for corpus in CORPORA:
        if corpus not in present:
            print(f"corpus_turns: skipping {corpus.name}: no folder {args.corpora / corpus.name}", file=sys.stderr)
    if not present:
        print("corpus_turns: none of the expected corpora is there; nothing to do", file=sys.stderr)
        return 2

    facts = machine()
    work = Path(tempfile.mkdtemp(prefix="qualframe-corpus-turns-"))
    try:
        print(f".rst is not an import format: the inquiry day files are copied to {work} "
              f"with the suffix .{args.rst_as} (same bytes) and imported from there.", flush=True)
        outcomes = []
        for corpus in present:
            print(f"Importing {corpus.name} ...", flush=True)
            outcomes.append(measure(corpus, args.corpora / corpus.name, work, f".{args.rst_as}"))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    body = results_markdown(outcomes, sum(o.seconds for o in outcomes), facts)
    print()
    print(body)
    if args.write_docs:
        write_docs_section(DOCS, MARK_START, MARK_END,
                           results_markdown(outcomes, sum(o.seconds for o in outcomes), facts, with_names=False))
        print(f"Wrote the results into {DOCS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
