"""``qualframe demo``: build a complete fictional study, end to end, through the library API.

The study is modelled on interviews with commissioners about parent-infant relationship
services. Every text in ``data/`` was written for qualframe; every person, place and
organisation in it is invented. The builder writes the transcripts out in the formats
researchers receive (Word, Teams WebVTT, SRT, text, Markdown) and then takes them
through the same steps a researcher would, so the demo also exercises the importers.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console

from .. import anonymise, cases, chart, codebook, coding, importing, mapping, memos, sources
from ..agreement import coder_agreement
from ..errors import QualframeError
from ..project import MARKER, init_project
from ..tabular import write_csv
from .render import render_transcript

DEMO_MARKER = "DEMO.md"
DEMO_PASSPHRASE = "qualframe demo - not a secret"
DATA = resources.files(__package__) / "data"


def _data_text(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def _data_yaml(name: str) -> Any:
    return yaml.safe_load(_data_text(name))


@dataclass
class DemoReport:
    folder: Path
    project: Path | None = None
    key_file: Path | None = None
    transcripts: list[Path] = field(default_factory=list)
    outputs: list[Path] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def _prepare_folder(out: Path) -> None:
    """Use an empty or new folder; replace an earlier demo; refuse anything else."""
    if out.exists() and not out.is_dir():
        raise QualframeError(f"{out} is a file; choose another --out folder")
    if out.exists() and any(out.iterdir()):
        if (out / DEMO_MARKER).is_file() and (out / "project" / MARKER).is_file():
            shutil.rmtree(out)
        else:
            raise QualframeError(f"{out} is not empty and is not an earlier demo; choose another --out folder")
    out.mkdir(parents=True, exist_ok=True)


def build_demo(out: Path | str = "qualframe-demo", console: Console | None = None) -> DemoReport:
    """Build the demo study in ``out``: project, transcripts, codebook, codings, matrices."""
    out = Path(out).resolve()
    say = console.print if console else (lambda *a, **k: None)
    _prepare_folder(out)
    report = DemoReport(out)

    # Materials as the research team would have them, kept apart from the project.
    materials, project_dir, outputs, keys = (out / name for name in ("materials", "project", "outputs", "keys"))
    for folder in (materials, outputs, keys):
        folder.mkdir()
    guide = materials / "topic_guide.md"
    guide.write_text(_data_text("topic_guide.md"), encoding="utf-8")
    (materials / "codebook.yaml").write_text(_data_text("codebook.yaml"), encoding="utf-8")
    (materials / "cases.csv").write_text(_data_text("cases.csv"), encoding="utf-8")
    transcripts = materials / "transcripts"
    transcripts.mkdir()
    manifest = _data_yaml("interviews.yaml")["interviews"]
    for entry in manifest:
        text = (DATA / "interviews" / entry["file"]).read_text(encoding="utf-8")
        path = render_transcript(
            text, entry["render_as"], transcripts / Path(entry["file"]).stem,
            date=str(entry.get("date") or ""), duration_minutes=entry.get("duration_minutes"),
        )
        report.transcripts.append(path)

    # The analysis, step by step: import, anonymise, then code and chart.
    project = init_project(project_dir, name="Who commissions for infants? (fictional demo)")
    report.project = project_dir
    report.key_file = keys / "demo-study.key"
    with project:
        for entry, path in zip(manifest, report.transcripts):
            importing.import_file(project, path, case=entry["case"])
        cases.import_cases(project, materials / "cases.csv")
        report.counts["identifiers replaced"] = _anonymise(project, report.key_file)
        codebook.codes_from_guide(project, guide)
        codebook.import_codebook(project, materials / "codebook.yaml")
        source_of_case = {entry["case"]: path.stem for entry, path in zip(manifest, report.transcripts)}
        codings = _data_yaml("codings.yaml")["codings"]
        for item in codings:
            coding.code_text(
                project, source_of_case[item["case"]], item["code"], quote=item["quote"],
                coder=item.get("coder", "researcher_a"), memo=item.get("memo"),
            )
        summaries = _data_yaml("summaries.yaml")["summaries"]
        for item in summaries:
            chart.summarise(project, item["case"], item["code"], item["text"], author="researcher_a")
        factors = _data_yaml("factors.yaml")
        _add_factors(project, factors, source_of_case)
        memos.add_memo(
            project,
            "Fictional demo study built by 'qualframe demo'. Nine commissioner interviews, "
            "analysed with the Framework Method.",
            author="researcher_a",
        )

        matrices = chart.build_matrices(project)
        report.outputs += chart.export_matrices(matrices, outputs / "framework-matrix.xlsx")
        report.outputs += chart.export_matrices(matrices, outputs / "framework-matrix.html")
        by_type = chart.crosstab(project, matrices[0].theme, "organisation_type")
        crosstab_path = outputs / "crosstab-organisation-type.csv"
        write_csv(crosstab_path, *by_type.table())
        report.outputs.append(crosstab_path)
        coding.export_codings(project, outputs / "codings.csv")
        report.outputs.append(outputs / "codings.csv")
        agreement_path = outputs / "agreement-researcher_a-researcher_b.csv"
        write_csv(
            agreement_path,
            ["code", "characters", "coded_by_a", "coded_by_b", "coded_by_both", "percent_agreement", "kappa"],
            (list(row.as_dict().values()) for row in coder_agreement(project, "researcher_a", "researcher_b")),
        )
        report.outputs.append(agreement_path)
        report.outputs += mapping.export_mapping_table(project, outputs / "bcw-mapping.docx")
        report.outputs += mapping.export_mapping_table(project, outputs / "bcw-mapping.xlsx")
        report.counts = report.counts | {
            "sources": len(report.transcripts),
            "cases": len(cases.list_cases(project)),
            "codes": len(codebook.list_codes(project)),
            "codings": len(codings),
            "summaries": len(summaries),
            "themes": len(matrices),
            "factors": len(factors["factors"]),
        }
    (out / DEMO_MARKER).write_text(_readme(report), encoding="utf-8")

    say(f"Demo study built in [bold]{out}[/]", highlight=False)
    say(", ".join(f"{n} {what}" for what, n in report.counts.items()), highlight=False)
    say("Transcripts: " + ", ".join(p.name for p in report.transcripts), highlight=False)
    for path in report.outputs:
        say(f"  wrote {path}", highlight=False)
    say(f"Key file (outside the project): {report.key_file}; its passphrase is '{DEMO_PASSPHRASE}'", highlight=False)
    say(f"Explore it: cd {report.project} && qualframe sources && qualframe codes", highlight=False)
    return report


def _anonymise(project: Any, key_file: Path) -> int:
    """Detect identifiers, review them as the demo's researcher did, and apply."""
    decisions = _data_yaml("anonymisation.yaml")
    anonymise.detect_in_project(project)
    retype = {item["text"]: item["type"] for item in decisions.get("change_type", [])}
    stem = decisions.get("participant_label")
    for entity in anonymise.list_entities(project, examples=0):
        if entity["text"] in retype:
            anonymise.decide(project, entity["id"], type_=retype[entity["text"]])
        elif stem and entity["label"].startswith("[Participant "):
            anonymise.decide(project, entity["id"], label=entity["label"].replace("Participant", stem))
    anonymise.accept_all(project)
    return anonymise.apply_anonymisation(project, key_file, DEMO_PASSPHRASE)["replacements"]


def _add_factors(project: Any, data: dict[str, Any], source_of_case: dict[str, str]) -> None:
    """The study's barriers and enablers, diagnosed and mapped as the researcher did."""
    mapping.set_factor_levels(project, data["levels"])
    for item in data["factors"]:
        quotes = []
        for evidence in item.get("quotes", []):
            source = source_of_case[evidence["case"]]
            text = sources.get_source(project, source)["text"]
            start, end = coding.locate_quote(text, evidence["quote"], source)
            quotes.append(f"{source}:{start}-{end}")
        factor = mapping.add_factor(
            project, item["label"], polarity=item["polarity"], level=item["level"],
            description=item.get("description", ""), amenable=item.get("amenable", True),
            codes=item.get("codes", []), quotes=quotes, tdf=item.get("tdf", []), comb=item.get("comb", []),
            author="researcher_a",
        )
        chosen = item.get("select") or {}
        if chosen:
            mapping.select_items(
                project, factor["id"], functions=chosen.get("functions", []), policies=chosen.get("policies", []),
                techniques=chosen.get("techniques", []), justification=chosen.get("justification"),
                author="researcher_a",
            )
        for judgement in item.get("apease", []):
            mapping.set_apease(
                project, factor["id"], judgement["function"], judgement["criterion"], judgement["judgement"],
                note=judgement.get("note", ""), author="researcher_a",
            )


def _readme(report: DemoReport) -> str:
    lines = [
        "# qualframe demo study (fictional)",
        "",
        "Built by `qualframe demo`. Every person, place and organisation here is invented.",
        "",
        "- `materials/`: the nine interviews as researchers receive them (.docx, Teams .vtt, .srt, .txt, .md),",
        "  with real-looking (invented) names, and the topic guide, codebook and case table",
        "- `project/`: the qualframe project, anonymised before coding; run `qualframe --help` there",
        f"- `keys/demo-study.key`: the encrypted key file with the originals (passphrase: `{DEMO_PASSPHRASE}`)",
        "- `outputs/`: framework matrices, codings, crosstab, coder agreement, Behaviour Change Wheel mapping",
        "- barriers and enablers mapped onto the Behaviour Change Wheel: `qualframe factor list`, `qualframe bcw map`",
        "",
        "Outputs:",
        "",
        *(f"- `{p.name}`" for p in report.outputs),
        "",
    ]
    return "\n".join(lines)
