"""The ``qualframe`` command: a thin layer over the library API, one command per function.

Commands print for people by default and JSON with ``--json``; errors go to stderr
as one line naming the file or field and the problem, with exit status 1.
"""

from __future__ import annotations

import functools
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.tree import Tree

from . import agreement as agreement_api
from . import cases as cases_api
from . import chart as chart_api
from . import codebook as codebook_api
from . import coding as coding_api
from . import anonymise, importing, mapping, memos, sources, vocabularies
from .errors import QualframeError
from .tabular import display_value, write_csv
from .project import Project, init_project, migrate_project, open_project

app = typer.Typer(
    help="qualframe: qualitative research workbench (import, code, chart with the Framework Method).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
sources_app = typer.Typer(help="The imported transcripts. Without a subcommand: list them.")
cases_app = typer.Typer(help="Cases (participants) and their attributes. Without a subcommand: list them.")
codebook_app = typer.Typer(help="Import, export and edit the codebook.", no_args_is_help=True)
codings_app = typer.Typer(help="Codings: list (default), import, export.")
chart_app = typer.Typer(help="Framework matrix: write it (default), or set cell summaries.")
app.add_typer(sources_app, name="sources")
app.add_typer(cases_app, name="cases")
app.add_typer(codebook_app, name="codebook")
app.add_typer(codings_app, name="codings")
app.add_typer(chart_app, name="chart")
factor_app = typer.Typer(help="Barriers and enablers found in the analysis (factors).", no_args_is_help=True)
bcw_app = typer.Typer(help="Behaviour Change Wheel: reference tables, candidates, APEASE, selections, mapping table.", no_args_is_help=True)
app.add_typer(factor_app, name="factor")
app.add_typer(bcw_app, name="bcw")
anonymise_app = typer.Typer(
    help="Anonymisation: detect identifiers, review them, apply labels, keep the originals in an encrypted key file.",
    no_args_is_help=True,
)
register_app = typer.Typer(help="The project's register of known identifiers (participants, their organisations).")
app.add_typer(anonymise_app, name="anonymise")
users_app = typer.Typer(help="Team accounts for the web workbench (team mode). Without a subcommand: list them.")
app.add_typer(users_app, name="users")
anonymise_app.add_typer(register_app, name="register")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

ProjectOpt = Annotated[
    Optional[Path],
    typer.Option("--project", "-p", help="Project folder (default: found from the current folder upwards)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
CoderOpt = Annotated[
    Optional[str],
    typer.Option("--coder", help="Who is coding (default: $QUALFRAME_CODER, else your login name)."),
]

AuthorOpt = Annotated[
    Optional[str],
    typer.Option("--author", help="Who writes this (default: $QUALFRAME_CODER, else your login name)."),
]


def default_coder(coder: str | None) -> str:
    return coder or os.environ.get("QUALFRAME_CODER") or getpass.getuser()


def fail(message: str) -> None:
    err.print(f"[bold red]Error:[/] {message}", markup=True, highlight=False)
    raise typer.Exit(1)


def handles_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a QualframeError into a one-line message and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except QualframeError as exc:
            fail(_escape(str(exc)))

    return wrapper


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def opened(project: Path | None) -> Project:
    return open_project(project)


def print_rows(
    rows: list[dict[str, Any]], as_json: bool, columns: list[tuple[str, Callable[[dict[str, Any]], Any]]], title: str | None = None
) -> None:
    """A listing: JSON for scripts, or a table of the given (heading, value) columns."""
    if as_json:
        print_json(rows)
        return
    table = Table(*(heading for heading, _ in columns), title=title)
    for row in rows:
        table.add_row(*(_show(value(row)) for _, value in columns))
    out.print(table)


# --- project --------------------------------------------------------------------------


@app.command()
@handles_errors
def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the project (created if needed).")] = Path("."),
    db: Annotated[Optional[str], typer.Option("--db", help="postgresql://… URL to keep the data on a server.")] = None,
    name: Annotated[Optional[str], typer.Option(help="Project name (default: the folder's name).")] = None,
) -> None:
    """Create a project: a folder with its SQLite database, or linked to PostgreSQL."""
    with init_project(directory, db, name) as project:
        where = "PostgreSQL" if not project.is_sqlite else "SQLite"
        out.print(f"Created project in {project.root} ({where})", highlight=False)


@app.command()
@handles_errors
def migrate(project: ProjectOpt = None) -> None:
    """Bring the project database up to this version's schema (SQLite is backed up first)."""
    before, after = migrate_project(project)
    out.print("Already up to date." if before == after else f"Migrated from {before or 'empty'} to {after}.")


# --- import and sources -----------------------------------------------------------


@app.command("import")
@handles_errors
def import_(
    files: Annotated[list[Path], typer.Argument(help="Transcripts: .txt .md .docx .vtt .srt")],
    case: Annotated[Optional[str], typer.Option("--case", help="Link the imported sources to this case.")] = None,
    case_from_filename: Annotated[
        bool, typer.Option("--case-from-filename", help="Link each source to a case named after its file.")
    ] = False,
    max_mb: Annotated[float, typer.Option("--max-mb", help="Refuse files larger than this.")] = 50,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import transcripts; bad files are reported and skipped, and the exit status is 1."""
    with opened(project) as proj, Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=err, transient=True, disable=as_json or len(files) < 2,
    ) as progress:
        task = progress.add_task("Importing", total=len(files))
        report = importing.import_files(
            proj, files, case=case, case_from_filename=case_from_filename,
            max_bytes=int(max_mb * 1024 * 1024), on_progress=lambda _p: progress.advance(task),
        )
    if as_json:
        print_json({"imported": report.imported, "failed": [{"file": f, "reason": r} for f, r in report.failed]})
    else:
        for name in report.imported:
            out.print(f"imported {name}", highlight=False)
        for filename, reason in report.failed:
            err.print(f"[red]refused[/] {_escape(filename)}: {_escape(reason)}", highlight=False)
        out.print(f"{len(report.imported)} imported, {len(report.failed)} refused", highlight=False)
    if report.failed:
        raise typer.Exit(1)


@sources_app.callback(invoke_without_command=True)
@handles_errors
def sources_(ctx: typer.Context, project: ProjectOpt = None, as_json: JsonOpt = False) -> None:
    """List the sources (with --json: each with its full text and speaker turns)."""
    if ctx.invoked_subcommand:
        return
    with opened(project) as proj:
        rows = sources.list_sources(proj, with_text=as_json)
    print_rows(rows, as_json, [
        ("Source", lambda r: r["name"]), ("Case", lambda r: r["case"]), ("Format", lambda r: r["format"]),
        ("Words", lambda r: r["words"]), ("Speakers", lambda r: ", ".join(r["speakers"]) or None),
    ])


@sources_app.command("delete")
@handles_errors
def sources_delete(
    name: str,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    project: ProjectOpt = None,
) -> None:
    """Remove a source with its speaker turns and codings."""
    with opened(project) as proj:
        sources.get_source(proj, name)  # fails clearly if there is no such source
        if not yes and not typer.confirm(f"Delete source {name} and all its codings?"):
            raise typer.Exit(1)
        sources.delete_source(proj, name)
    out.print(f"deleted {name}", highlight=False)


# --- cases ------------------------------------------------------------------------


@cases_app.callback(invoke_without_command=True)
@handles_errors
def cases_list(ctx: typer.Context, project: ProjectOpt = None, as_json: JsonOpt = False) -> None:
    """List cases with their attributes."""
    if ctx.invoked_subcommand:
        return
    with opened(project) as proj:
        rows = cases_api.list_cases(proj)
        attributes = [a["name"] for a in cases_api.list_attributes(proj)]
    print_rows(rows, as_json, [
        ("Case", lambda r: r["name"]),
        *((a, lambda r, a=a: r["attributes"][a]) for a in attributes),
        ("Sources", lambda r: ", ".join(r["sources"])),
    ])


def _show(value: Any) -> str:
    return str(display_value(value)) or "—"


def _pairs(items: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        if "=" not in item:
            fail(f"{option} {item!r}: write it as NAME=VALUE")
        key, value = item.split("=", 1)
        pairs[key.strip()] = value.strip()
    return pairs


@cases_app.command("import")
@handles_errors
def cases_import(
    file: Annotated[Path, typer.Argument(help=".csv or .xlsx: first column the case name, others attributes.")],
    type_: Annotated[
        list[str],
        typer.Option(
            "--type",
            help="Override an inferred type: COLUMN=text|integer|float|boolean|date "
            "(repeatable; or several in one, separated by commas).",
        ),
    ] = [],
    project: ProjectOpt = None,
) -> None:
    """Create or update cases and their attributes from a table."""
    types = cases_api.parse_column_types(type_, "--type")
    with opened(project) as proj:
        result = cases_api.import_cases(proj, file, types, types_field="--type")
    out.print(f"{result['created']} case(s) created, {result['updated']} updated, {result['attributes']} attribute(s)")


@cases_app.command("add")
@handles_errors
def cases_add(
    name: str,
    attr: Annotated[list[str], typer.Option("--attr", help="ATTRIBUTE=VALUE (repeatable).")] = [],
    description: str = "",
    project: ProjectOpt = None,
) -> None:
    """Add a case."""
    with opened(project) as proj:
        cases_api.add_case(proj, name, description, _pairs(attr, "--attr"))
    out.print(f"added case {name}", highlight=False)


@cases_app.command("set")
@handles_errors
def cases_set(case: str, attribute: str, value: str, project: ProjectOpt = None) -> None:
    """Set one attribute of one case."""
    with opened(project) as proj:
        cases_api.set_attribute(proj, case, attribute, value)
    out.print(f"{case}: {attribute} = {value}", highlight=False)


@app.command("link")
@handles_errors
def link(
    source: str,
    case: Annotated[Optional[str], typer.Argument(help="Case name; omit to unlink.")] = None,
    project: ProjectOpt = None,
) -> None:
    """Link a source to a case (created if needed)."""
    with opened(project) as proj:
        sources.link_case(proj, source, case)
    out.print(f"{source} → {case or 'no case'}", highlight=False)


# --- codebook ---------------------------------------------------------------------


@app.command("codes")
@handles_errors
def codes(project: ProjectOpt = None, as_json: JsonOpt = False) -> None:
    """Show the codebook as a tree, with the number of codings of each code."""
    with opened(project) as proj:
        rows = codebook_api.list_codes(proj)
    if as_json:
        print_json(rows)
        return
    tree = Tree("Codebook")
    nodes: dict[str, Tree] = {}
    for r in rows:
        parent = nodes[r["parent"]] if r["parent"] else tree
        colour = r["colour"] or "white"
        label = f"[{colour}]■[/] {_escape(r['name'])} [dim]({r['codings']}, {r['origin']})[/]"
        nodes[r["path"]] = parent.add(label)
    out.print(tree)


@codebook_app.command("import")
@handles_errors
def codebook_import(file: Path, project: ProjectOpt = None) -> None:
    """Add or update codes from a .yaml, .yml, .csv or .xlsx codebook."""
    with opened(project) as proj:
        result = codebook_api.import_codebook(proj, file)
    out.print(f"{result['created']} code(s) created, {result['updated']} updated")


@codebook_app.command("export")
@handles_errors
def codebook_export(file: Path, project: ProjectOpt = None) -> None:
    """Write the codebook as .yaml or .csv."""
    with opened(project) as proj:
        codebook_api.export_codebook(proj, file)
    out.print(f"wrote {file}", highlight=False)


@codebook_app.command("from-guide")
@handles_errors
def codebook_from_guide(guide: Path, project: ProjectOpt = None) -> None:
    """Make a deductive top-level code for each topic of an interview topic guide."""
    with opened(project) as proj:
        created = codebook_api.codes_from_guide(proj, guide)
    for name in created:
        out.print(f"added {name}", highlight=False)
    out.print(f"{len(created)} code(s) created from {guide.name}", highlight=False)


def _code_fields(**fields: Optional[str]) -> dict[str, str]:
    return {k: v for k, v in fields.items() if v is not None}


@codebook_app.command("add")
@handles_errors
def codebook_add(
    path: Annotated[str, typer.Argument(help="Code path, e.g. 'Funding/Short-term'.")],
    definition: Optional[str] = None,
    inclusion: Optional[str] = None,
    exclusion: Optional[str] = None,
    example: Optional[str] = None,
    colour: Optional[str] = None,
    origin: Annotated[Optional[str], typer.Option(help="deductive or inductive (default inductive).")] = None,
    parents: Annotated[bool, typer.Option("--parents", help="Create missing parent codes.")] = False,
    project: ProjectOpt = None,
) -> None:
    """Add a code."""
    with opened(project) as proj:
        codebook_api.add_code(
            proj, path, create_parents=parents,
            **_code_fields(definition=definition, inclusion=inclusion, exclusion=exclusion,
                           example=example, colour=colour, origin=origin),
        )
    out.print(f"added {path}", highlight=False)


@codebook_app.command("edit")
@handles_errors
def codebook_edit(
    path: str,
    rename: Annotated[Optional[str], typer.Option(help="New name (not a path).")] = None,
    move_to: Annotated[Optional[str], typer.Option("--move-to", help="New parent path ('' for top level).")] = None,
    definition: Optional[str] = None,
    inclusion: Optional[str] = None,
    exclusion: Optional[str] = None,
    example: Optional[str] = None,
    colour: Optional[str] = None,
    origin: Optional[str] = None,
    project: ProjectOpt = None,
) -> None:
    """Edit, rename or move a code."""
    with opened(project) as proj:
        new_path = codebook_api.update_code(
            proj, path, rename=rename, move_to=move_to,
            **_code_fields(definition=definition, inclusion=inclusion, exclusion=exclusion,
                           example=example, colour=colour, origin=origin),
        )
    out.print(f"updated {new_path}", highlight=False)


@codebook_app.command("delete")
@handles_errors
def codebook_delete(
    path: str,
    force: Annotated[bool, typer.Option("--force", help="Also delete the codings of the code.")] = False,
    project: ProjectOpt = None,
) -> None:
    """Delete a code and its children."""
    with opened(project) as proj:
        codebook_api.delete_code(proj, path, force=force)
    out.print(f"deleted {path}", highlight=False)


@codebook_app.command("merge")
@handles_errors
def codebook_merge(path: str, into: str, project: ProjectOpt = None) -> None:
    """Move every coding of one code to another, then delete the first."""
    with opened(project) as proj:
        moved = codebook_api.merge_codes(proj, path, into)
    out.print(f"merged {path} into {into} ({moved} coding(s) moved)", highlight=False)


# --- coding -----------------------------------------------------------------------


@app.command("code")
@handles_errors
def code(
    source: Annotated[str, typer.Option("--source", help="Source name.")],
    code_path: Annotated[str, typer.Option("--code", help="Code path, e.g. 'Funding/Short-term'.")],
    quote: Annotated[Optional[str], typer.Option("--quote", help="Exact words that occur once in the source.")] = None,
    start: Annotated[Optional[int], typer.Option(help="Start offset (code points, 0-based).")] = None,
    end: Annotated[Optional[int], typer.Option(help="End offset (exclusive).")] = None,
    memo: Annotated[Optional[str], typer.Option(help="A memo on this coding.")] = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Code a quote (or a start/end span) of a source."""
    with opened(project) as proj:
        result = coding_api.code_text(
            proj, source, code_path, quote=quote, start=start, end=end, coder=default_coder(coder), memo=memo
        )
    if as_json:
        print_json(result)
    else:
        out.print(f"coded {source} {result['start']}-{result['end']} as {result['code']}", highlight=False)


@app.command("uncode")
@handles_errors
def uncode(
    source: Annotated[str, typer.Option("--source")],
    start: Annotated[int, typer.Option()],
    end: Annotated[int, typer.Option()],
    code_path: Annotated[str, typer.Option("--code")],
    coder: Annotated[Optional[str], typer.Option(help="Only this coder's coding (default: all).")] = None,
    project: ProjectOpt = None,
) -> None:
    """Remove the coding of a code on a span."""
    with opened(project) as proj:
        removed = coding_api.uncode(proj, source, start, end, code_path, coder)
    out.print(f"removed {removed} coding(s)")


@codings_app.callback(invoke_without_command=True)
@handles_errors
def codings_list(
    ctx: typer.Context,
    source: Optional[str] = None,
    code_path: Annotated[Optional[str], typer.Option("--code")] = None,
    coder: Optional[str] = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List codings (filter with --source, --code, --coder)."""
    if ctx.invoked_subcommand:
        return
    with opened(project) as proj:
        rows = coding_api.list_codings(proj, source=source, code=code_path, coder=coder)
    print_rows(rows, as_json, [
        ("Source", lambda r: r["source"]), ("Span", lambda r: f"{r['start']}-{r['end']}"),
        ("Code", lambda r: r["code"]), ("Coder", lambda r: r["coder"]), ("Speaker", lambda r: r["speaker"]),
        ("Text", lambda r: r["text"] if len(r["text"]) <= 80 else r["text"][:77] + "…"),
    ])


@app.command("agreement")
@handles_errors
def agreement(
    coders: Annotated[str, typer.Option("--coders", help="Two coders, comma-separated: ana,bea.")],
    code_path: Annotated[Optional[str], typer.Option("--code", help="One code (default: every code used).")] = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Agreement of two coders per code (percentage and Cohen's kappa, by character)."""
    names = [name.strip() for name in coders.split(",") if name.strip()]
    if len(names) != 2:
        fail("--coders takes two names separated by a comma, e.g. --coders ana,bea")
    with opened(project) as proj:
        rows = [r.as_dict() for r in agreement_api.coder_agreement(proj, names[0], names[1], code_path)]
    print_rows(rows, as_json, [
        ("Code", lambda r: r["code"]), (f"{names[0]} chars", lambda r: r["coded_by_a"]),
        (f"{names[1]} chars", lambda r: r["coded_by_b"]), ("Both", lambda r: r["coded_by_both"]),
        ("Agreement %", lambda r: r["percent_agreement"]), ("Kappa", lambda r: r["kappa"]),
    ], title=f"Agreement of {names[0]} and {names[1]} (characters of the sources both coded)")


@codings_app.command("import")
@handles_errors
def codings_import(file: Path, coder: CoderOpt = None, project: ProjectOpt = None) -> None:
    """Add codings from CSV/XLSX with columns source,start,end,code,coder,memo."""
    with opened(project) as proj:
        result = coding_api.import_codings(proj, file, default_coder=default_coder(coder))
    out.print(f"{result['added']} coding(s) imported, {result['skipped']} already in the project")


@codings_app.command("export")
@handles_errors
def codings_export(file: Path, project: ProjectOpt = None) -> None:
    """Write every coding as CSV (source,start,end,code,coder,memo plus case, speaker, text)."""
    with opened(project) as proj:
        count = coding_api.export_codings(proj, file)
    out.print(f"wrote {count} coding(s) to {file}", highlight=False)


# --- memos ------------------------------------------------------------------------


@app.command("memo")
@handles_errors
def memo(
    text: str,
    source: Optional[str] = None,
    case: Optional[str] = None,
    code_path: Annotated[Optional[str], typer.Option("--code")] = None,
    author: AuthorOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Write a memo on a source, a case, a code, or (none named) the project."""
    with opened(project) as proj:
        result = memos.add_memo(proj, text, author=default_coder(author), source=source, case=case, code=code_path)
    out.print(f"memo on {result['on']} {result['target']}".rstrip(), highlight=False)


@app.command("memos")
@handles_errors
def memos_list(project: ProjectOpt = None, as_json: JsonOpt = False) -> None:
    """List memos."""
    with opened(project) as proj:
        rows = memos.list_memos(proj)
    print_rows(rows, as_json, [
        ("On", lambda r: r["on"]), ("Target", lambda r: r["target"]), ("Author", lambda r: r["author"]),
        ("When", lambda r: r["created_at"]), ("Memo", lambda r: r["text"]),
    ])


# --- chart ------------------------------------------------------------------------


@chart_app.callback(invoke_without_command=True)
@handles_errors
def chart(
    ctx: typer.Context,
    theme: Annotated[Optional[str], typer.Option(help="Theme (a code with children); default: every theme.")] = None,
    out_file: Annotated[Optional[Path], typer.Option("--out", help="Write .xlsx, .docx, .csv or .html.")] = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Build the framework matrix of a theme (or every theme) and write it."""
    if ctx.invoked_subcommand:
        return
    if out_file is None and not as_json:
        fail("say where to write the matrix with --out FILE.xlsx|.csv|.html (or use --json)")
    with opened(project) as proj:
        matrices = chart_api.build_matrices(proj, theme)
    if as_json:
        print_json([m.as_dict() for m in matrices])
        return
    assert out_file is not None
    for path in chart_api.export_matrices(matrices, out_file):
        out.print(f"wrote {path}", highlight=False)
    out.print(f"{len(matrices)} theme(s): {', '.join(m.theme for m in matrices)}", highlight=False)


@chart_app.command("summarise")
@handles_errors
def chart_summarise(
    case: Annotated[Optional[str], typer.Option(help="Case (matrix row).")] = None,
    code_path: Annotated[Optional[str], typer.Option("--code", help="Code (matrix column).")] = None,
    text: Annotated[Optional[str], typer.Option(help="The summary; empty clears it.")] = None,
    from_file: Annotated[Optional[Path], typer.Option("--from", help="CSV/XLSX with columns case, code, summary.")] = None,
    author: AuthorOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Write the researcher's summary for a matrix cell, or import many from a table."""
    with opened(project) as proj:
        if from_file is not None:
            count = chart_api.import_summaries(proj, from_file, author=default_coder(author))
            out.print(f"{count} summary row(s) imported")
            return
        if case is None or code_path is None or text is None:
            fail("give --case, --code and --text (or --from FILE)")
        chart_api.summarise(proj, case, code_path, text, author=default_coder(author))  # type: ignore[arg-type]
    out.print(f"summary set for {case} × {code_path}", highlight=False)


@chart_app.command("summaries")
@handles_errors
def chart_summaries(project: ProjectOpt = None, as_json: JsonOpt = False) -> None:
    """List the cell summaries."""
    with opened(project) as proj:
        rows = chart_api.list_summaries(proj)
    print_rows(rows, as_json, [("Case", lambda r: r["case"]), ("Code", lambda r: r["code"]), ("Summary", lambda r: r["summary"])])


@app.command("crosstab")
@handles_errors
def crosstab(
    theme: Annotated[str, typer.Option(help="Theme (a code with children).")],
    by: Annotated[str, typer.Option("--by", help="Case attribute to compare across.")],
    out_file: Annotated[Optional[Path], typer.Option("--out", help="Also write a .csv.")] = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Count the cases (not quotes) with each code of a theme, by a case attribute."""
    with opened(project) as proj:
        result = chart_api.crosstab(proj, theme, by)
    header, body = result.table()
    if out_file is not None:
        write_csv(out_file, header, body)
    if as_json:
        print_json(result.as_dict())
        return
    table = Table(*header, title=f"{result.theme} by {result.attribute} (number of cases)")
    for row in body:
        table.add_row(*(str(x) for x in row))
    out.print(table)


# --- factors and the Behaviour Change Wheel -------------------------------------------


def _ids(value: str | None) -> list[str]:
    """'a, b,c' -> ['a', 'b', 'c'] (identifiers given as one comma-separated option)."""
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _show_factor(f: dict[str, Any]) -> None:
    comb, tdf = vocabularies.labels("comb"), vocabularies.labels("tdf")
    out.print(f"[bold]{f['id']} {_escape(f['label'])}[/] — {f['polarity']}, {f['level']}, "
              f"{'amenable to change' if f['amenable'] else 'not amenable to change'}", highlight=False)
    if f["description"]:
        out.print(_escape(f["description"]), highlight=False)
    out.print(f"TDF: {', '.join(tdf[t] for t in f['tdf']) or '—'}; COM-B: {', '.join(comb[c] for c in f['comb']) or '—'}",
              highlight=False)
    out.print(f"Evidence: codes {', '.join(f['codes']) or '—'}; {len(f['quotes'])} quote(s)", highlight=False)
    for q in f["quotes"][:3]:
        out.print(f"  “{_escape(q['text'])}” ({q['case'] or q['source']}, {q['source']}:{q['start']}-{q['end']})", highlight=False)
    for kind in ("functions", "policies", "techniques"):
        chosen = f["selected"][kind]
        if chosen:
            items = [f"{c['id'] if kind == 'techniques' else ''} {c['label']}{'' if c['candidate'] else ' †'}".strip() for c in chosen]
            out.print(f"Selected {kind}: {'; '.join(items)}", highlight=False)


@factor_app.command("add")
@handles_errors
def factor_add(
    label: str,
    polarity: Annotated[str, typer.Option(help="barrier or enabler.")],
    level: Annotated[str, typer.Option(help="A project level (default: general, service_specific, context).")] = "general",
    description: str = "",
    amenable: Annotated[bool, typer.Option("--amenable/--not-amenable", help="Amenable to change?")] = True,
    code_path: Annotated[list[str], typer.Option("--code", help="Evidence: a code (repeatable).")] = [],
    quote: Annotated[list[str], typer.Option("--quote", help="Evidence: a coded quote SOURCE:START-END (repeatable).")] = [],
    tdf: Annotated[Optional[str], typer.Option(help="TDF domains, comma-separated ids.")] = None,
    comb: Annotated[Optional[str], typer.Option(help="COM-B components set directly, comma-separated ids.")] = None,
    author: AuthorOpt = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a barrier or enabler with its evidence and diagnosis."""
    with opened(project) as proj:
        f = mapping.add_factor(
            proj, label, polarity=polarity, level=level, description=description, amenable=amenable,
            codes=code_path, quotes=quote, tdf=_ids(tdf), comb=_ids(comb), author=default_coder(author),
        )
    if as_json:
        print_json(f)
    else:
        out.print(f"added {f['id']} {f['label']}", highlight=False)


@factor_app.command("edit")
@handles_errors
def factor_edit(
    factor: Annotated[str, typer.Argument(help="F3 or the factor's label.")],
    label: Optional[str] = None,
    description: Optional[str] = None,
    polarity: Optional[str] = None,
    level: Optional[str] = None,
    amenable: Annotated[Optional[bool], typer.Option("--amenable/--not-amenable")] = None,
    add_code: Annotated[list[str], typer.Option("--add-code")] = [],
    remove_code: Annotated[list[str], typer.Option("--remove-code")] = [],
    add_quote: Annotated[list[str], typer.Option("--add-quote", help="SOURCE:START-END")] = [],
    remove_quote: Annotated[list[str], typer.Option("--remove-quote", help="SOURCE:START-END")] = [],
    tdf: Annotated[Optional[str], typer.Option(help="Replace the TDF domains ('' for none).")] = None,
    comb: Annotated[Optional[str], typer.Option(help="Replace the directly set COM-B components ('' for none).")] = None,
    author: AuthorOpt = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a factor: label, description, polarity, level, evidence or diagnosis."""
    with opened(project) as proj:
        f = mapping.edit_factor(
            proj, factor, author=default_coder(author), label=label, description=description, polarity=polarity,
            level=level, amenable=amenable, add_codes=add_code, remove_codes=remove_code, add_quotes=add_quote,
            remove_quotes=remove_quote, tdf=None if tdf is None else _ids(tdf), comb=None if comb is None else _ids(comb),
        )
    if as_json:
        print_json(f)
    else:
        out.print(f"updated {f['id']} {f['label']}", highlight=False)


@factor_app.command("list")
@handles_errors
def factor_list(
    deleted: Annotated[bool, typer.Option("--deleted", help="List the deleted factors instead (their history is kept).")] = False,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List factors with their diagnosis and selections (or, with --deleted, the deleted ones)."""
    with opened(project) as proj:
        rows = mapping.deleted_factors(proj) if deleted else mapping.list_factors(proj)
    if deleted:
        print_rows(rows, as_json, [
            ("Factor", lambda r: r["id"]), ("Label", lambda r: r["label"]), ("Deleted", lambda r: r["deleted_at"]),
            ("By", lambda r: r["deleted_by"]), ("GUID", lambda r: r["guid"]),
        ], title="Deleted factors (see one with 'qualframe factor history GUID')")
        return
    print_rows(rows, as_json, [
        ("Factor", lambda r: r["id"]), ("Label", lambda r: r["label"]), ("Polarity", lambda r: r["polarity"]),
        ("Level", lambda r: r["level"]), ("Amenable", lambda r: r["amenable"]),
        ("COM-B", lambda r: ", ".join(r["comb"])), ("TDF", lambda r: ", ".join(r["tdf"])),
        ("Functions", lambda r: ", ".join(x["id"] for x in r["selected"]["functions"])),
        ("Quotes", lambda r: len(r["quotes"])),
    ])


@factor_app.command("show")
@handles_errors
def factor_show(factor: str, project: ProjectOpt = None, as_json: JsonOpt = False) -> None:
    """Show one factor: evidence, diagnosis, candidates, APEASE and selections."""
    with opened(project) as proj:
        f = mapping.get_factor(proj, factor)
    if as_json:
        print_json(f)
    else:
        _show_factor(f)


@factor_app.command("history")
@handles_errors
def factor_history(
    factor: Annotated[str, typer.Argument(help="F3, the factor's label, or its GUID; also of a deleted factor.")],
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Every change to a factor and its mapping: who, when, what; also of a deleted factor.

    A live factor wins over deleted ones with the same number or label (numbers are
    reused); see those with 'factor list --deleted' and give their GUID.
    """
    with opened(project) as proj:
        trail = mapping.factor_trail(proj, factor)
    rows = trail["history"]
    if not as_json:
        name = f"{trail['id'] or 'factor'} “{_escape(trail['label'])}”"
        if trail["deleted"]:
            out.print(f"{name} was deleted on {trail['deleted']['at']} by {trail['deleted']['by'] or 'unknown'}; "
                      "its history:", highlight=False)
        if trail["deleted_namesakes"]:
            count = len(trail["deleted_namesakes"])
            out.print(f"This is the live {name}; {count} deleted factor{'' if count == 1 else 's'} also went by "
                      f"'{_escape(factor)}': see 'qualframe factor list --deleted' and give the GUID.", highlight=False)
    print_rows(rows, as_json, [
        ("When", lambda r: r["at"]), ("Who", lambda r: r["author"]), ("Action", lambda r: r["action"]),
        ("Detail", lambda r: json.dumps(r["detail"], ensure_ascii=False)),
    ])


@factor_app.command("delete")
@handles_errors
def factor_delete(
    factor: str,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    author: AuthorOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Delete a factor (its history is kept)."""
    with opened(project) as proj:
        f = mapping.get_factor(proj, factor)
        if not yes and not typer.confirm(f"Delete {f['id']} {f['label']}?"):
            raise typer.Exit(1)
        mapping.delete_factor(proj, factor, author=default_coder(author))
    out.print(f"deleted {f['id']} {f['label']}", highlight=False)


@factor_app.command("levels")
@handles_errors
def factor_levels(
    set_: Annotated[Optional[str], typer.Option("--set", help="New levels, comma-separated.")] = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show (or set) the project's factor levels."""
    with opened(project) as proj:
        levels = mapping.set_factor_levels(proj, _ids(set_)) if set_ is not None else mapping.factor_levels(proj)
    if as_json:
        print_json(levels)
    else:
        out.print(", ".join(levels), highlight=False)


@bcw_app.command("tables")
@handles_errors
def bcw_tables(as_json: JsonOpt = False) -> None:
    """The Behaviour Change Wheel's link tables (needs no project)."""
    tables = vocabularies.tables()
    if as_json:
        print_json(tables)
        return
    functions, policies = vocabularies.labels("function"), vocabularies.labels("policy")
    table = Table("COM-B component", "Intervention functions likely to be effective", title="COM-B → intervention functions")
    for component, label in vocabularies.labels("comb").items():
        table.add_row(label, ", ".join(functions[f] for f in tables["comb_to_functions"][component]))
    out.print(table)
    table = Table("Intervention function", "Policy categories that can deliver it", "Techniques most used",
                  title="Intervention functions → policies and techniques")
    for function, label in functions.items():
        table.add_row(label, ", ".join(policies[p] for p in tables["functions_to_policies"][function]),
                      ", ".join(tables["functions_to_bcts"].get(function, [])) or "—")
    out.print(table)
    out.print("Sources (each table's file in data/bcw/ says which published table every link comes from):", highlight=False)
    for name, citation in vocabularies.citations().items():
        out.print(f"  {name}: {' '.join(citation.split())}", highlight=False)
    for name, rows in vocabularies.unverified().items():
        err.print(f"[yellow]Not yet transcribed from a published table[/] ({name}): {', '.join(rows)}", highlight=False)


def _print_candidates(entries: list[dict[str, Any]]) -> None:
    functions, policies, comb = vocabularies.labels("function"), vocabularies.labels("policy"), vocabularies.labels("comb")
    missing = vocabularies.unverified()
    if missing:
        err.print("[yellow]Some link rows are not yet transcribed from a published table[/]: "
                  + "; ".join(f"{name}: {', '.join(rows)}" for name, rows in missing.items()), highlight=False)
    for entry in entries:
        title = entry.get("factor", "Diagnosis")
        if "label" in entry:
            title += f" {entry['label']}"
        table = Table("Rank", "Intervention function", "Addresses", "Policy categories", "Techniques",
                      title=f"{title}: COM-B {', '.join(comb[c] for c in entry['comb']) or '—'}")
        for rank, f in enumerate(entry["functions"], start=1):
            table.add_row(str(rank), functions[f["id"]], ", ".join(comb[c] for c in f["addresses"]),
                          ", ".join(policies[p] for p in f["policies"]), ", ".join(f["techniques"]) or "—")
        out.print(table)


@bcw_app.command("recommend")
@handles_errors
def bcw_recommend(
    comb: Annotated[Optional[str], typer.Option(help="COM-B components, comma-separated ids.")] = None,
    tdf: Annotated[Optional[str], typer.Option(help="TDF domains, comma-separated ids.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Candidate functions, policies and techniques for a diagnosis (needs no project)."""
    if not comb and not tdf:
        fail("give --comb and/or --tdf")
    result = vocabularies.recommend(comb=_ids(comb), tdf=_ids(tdf))
    if as_json:
        print_json(result)
    else:
        _print_candidates([result])


@bcw_app.command("map")
@handles_errors
def bcw_map(
    factor: Annotated[Optional[str], typer.Argument(help="F3 or a label (default: every factor amenable to change).")] = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print the candidate functions, policies and techniques for one factor or all."""
    with opened(project) as proj:
        entries = mapping.candidate_map(proj, factor)
    if as_json:
        print_json(entries)
    else:
        _print_candidates(entries)


@bcw_app.command("select")
@handles_errors
def bcw_select(
    factor: str,
    function: Annotated[Optional[str], typer.Option(help="Intervention functions, comma-separated ids.")] = None,
    policy: Annotated[Optional[str], typer.Option(help="Policy categories, comma-separated ids.")] = None,
    technique: Annotated[Optional[str], typer.Option("--technique", "--bct", help="Techniques by number, e.g. 1.1,2.2.")] = None,
    justification: Annotated[Optional[str], typer.Option(help="Required for a choice outside the candidates.")] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Deselect instead.")] = False,
    author: AuthorOpt = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Select (or --remove) functions, policies and techniques for a factor."""
    with opened(project) as proj:
        f = mapping.select_items(
            proj, factor, functions=_ids(function), policies=_ids(policy), techniques=_ids(technique),
            justification=justification, remove=remove, author=default_coder(author),
        )
    if as_json:
        print_json(f)
    else:
        _show_factor(f)


@bcw_app.command("apease")
@handles_errors
def bcw_apease(
    factor: str,
    function: Annotated[str, typer.Option(help="The candidate function judged.")],
    criterion: Annotated[str, typer.Option(help="affordability, practicability, effectiveness_cost_effectiveness, acceptability, side_effects_safety or equity.")],
    judgement: Annotated[str, typer.Option(help="yes, no or unsure.")],
    note: str = "",
    author: AuthorOpt = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record an APEASE judgement of a candidate function for a factor."""
    with opened(project) as proj:
        f = mapping.set_apease(proj, factor, function, criterion, judgement, note=note, author=default_coder(author))
    if as_json:
        print_json(f["apease"])
    else:
        out.print(f"{f['id']}: {function} — {criterion}: {judgement}", highlight=False)


@bcw_app.command("table")
@handles_errors
def bcw_table(
    out_file: Annotated[Path, typer.Option("--out", help="Write .xlsx, .docx, .csv or .html.")],
    project: ProjectOpt = None,
) -> None:
    """Write the mapping table: one row per factor, from diagnosis to techniques, with evidence."""
    with opened(project) as proj:
        written = mapping.export_mapping_table(proj, out_file)
    for path in written:
        out.print(f"wrote {path}", highlight=False)


# --- anonymisation --------------------------------------------------------------------

PASSPHRASE_ENV = "QUALFRAME_KEY_PASSPHRASE"


def _passphrase(confirm: bool) -> str:
    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        return value
    if not sys.stdin.isatty():
        fail(f"give the key file's passphrase in the environment variable {PASSPHRASE_ENV}")
    return typer.prompt("Passphrase for the key file", hide_input=True, confirmation_prompt=confirm)


@anonymise_app.command("detect")
@handles_errors
def anonymise_detect(
    files: Annotated[Optional[list[Path]], typer.Argument(help="Transcripts to scan without a project.")] = None,
    source: Annotated[list[str], typer.Option("--source", help="Only these sources (in a project).")] = [],
    earlier_key: Annotated[list[Path], typer.Option("--earlier-key", help="Key file of an earlier round: reuse its labels.")] = [],
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Find identifiers: in files (no project needed), or in every source of the project not yet anonymised."""
    if files:
        results = []
        for path in files:
            transcript, _ = importing.read_transcript(path)
            for c in anonymise.detect(transcript.text, speakers=sorted({t.speaker for t in transcript.turns if t.speaker})):
                results.append({"file": str(path), "start": c.start, "end": c.end, "text": c.text,
                                "type": c.type, "recogniser": c.recogniser, "score": c.score})
        print_rows(results, as_json, [
            ("File", lambda r: Path(r["file"]).name), ("Span", lambda r: f"{r['start']}-{r['end']}"),
            ("Text", lambda r: r["text"]), ("Type", lambda r: r["type"]), ("Recogniser", lambda r: r["recogniser"]),
            ("Score", lambda r: f"{r['score']:.2f}"),
        ])
        return
    with opened(project) as proj:
        labels: dict[str, str] = {}
        for key in earlier_key:
            labels.update(anonymise.labels_from_key(proj, key, _passphrase(confirm=False)))
        result = anonymise.detect_in_project(proj, sources=source or None, earlier_labels=labels)
    if as_json:
        print_json(result)
    else:
        out.print(f"{result['candidates']} candidate(s) in {result['sources']} source(s); "
                  f"{result['new_mentions']} new; {result['entities']} entities to review", highlight=False)


def _print_entity(e: dict[str, Any]) -> None:
    out.print(f"\n[bold]{e['id']}[/] {e['type']} [bold]{_escape(e['text'])}[/] → {_escape(e['label'])} "
              f"({e['mentions']} mention(s) in {', '.join(e['sources'])}; {e['decision']})", highlight=False)
    if len(e["forms"]) > 1:
        out.print(f"  forms: {_escape('; '.join(e['forms']))}", highlight=False)
    for m in e["examples"][:3]:
        out.print(f"  {m['source']}: {_escape(m['context'])}", highlight=False)


def _interactive_review(proj: Project) -> None:
    entities = anonymise.list_entities(proj, decision="pending")
    if not entities:
        out.print("Nothing pending.")
        return
    out.print("a accept · r reject · t change type · l rename label · s skip · q quit", highlight=False)
    for done, e in enumerate(entities, start=1):
        _print_entity(e)
        while True:
            key = typer.getchar().lower()
            if key == "a":
                anonymise.decide(proj, e["id"], decision="accept")
            elif key == "r":
                anonymise.decide(proj, e["id"], decision="reject")
            elif key == "t":
                anonymise.decide(proj, e["id"], type_=typer.prompt("Type"))
                continue
            elif key == "l":
                anonymise.decide(proj, e["id"], label=typer.prompt("Label"))
                continue
            elif key == "s":
                pass
            elif key == "q":
                out.print(f"Stopped after {done - 1} of {len(entities)}.")
                return
            else:
                out.print("a, r, t, l, s or q", highlight=False)
                continue
            break
    out.print(f"Reviewed {len(entities)} entities.")


@anonymise_app.command("review")
@handles_errors
def anonymise_review(
    decisions: Annotated[Optional[Path], typer.Option("--decisions", help="Apply a reviewed decisions file (.csv/.yaml).")] = None,
    export: Annotated[Optional[Path], typer.Option("--export", help="Write a decisions file for offline review (outside the project).")] = None,
    accept_all: Annotated[bool, typer.Option("--accept-all", help="Accept every pending entity (for scripts).")] = False,
    list_: Annotated[bool, typer.Option("--list", help="List entities instead of reviewing.")] = False,
    interactive: Annotated[bool, typer.Option("--interactive", help="Review at the terminal even when input is piped.")] = False,
    entity: Annotated[Optional[str], typer.Option("--entity", help="Decide on one entity (E12) or mention (M345).")] = None,
    decision: Annotated[Optional[str], typer.Option(help="With --entity: accept, reject or pending.")] = None,
    type_: Annotated[Optional[str], typer.Option("--type", help="With --entity: a new type.")] = None,
    label: Annotated[Optional[str], typer.Option(help="With --entity: a new label, e.g. 'Commissioner 2'.")] = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Review detected identifiers: at the terminal, one entity at a time, or by file or option."""
    with opened(project) as proj:
        if decisions is not None:
            out.print(f"{anonymise.import_decisions(proj, decisions)} decision(s) applied", highlight=False)
        elif export is not None:
            out.print(f"wrote {anonymise.export_decisions(proj, export)} row(s) to {export}", highlight=False)
        elif accept_all:
            out.print(f"accepted {anonymise.accept_all(proj)} entities", highlight=False)
        elif entity is not None:
            result = anonymise.decide(proj, entity, decision=decision, type_=type_, label=label)
            print_json(result) if as_json else out.print(", ".join(f"{k}: {v}" for k, v in result.items()), highlight=False)
        elif list_ or as_json or not (interactive or sys.stdin.isatty()):
            rows = anonymise.list_entities(proj)
            print_rows(rows, as_json, [
                ("Entity", lambda r: r["id"]), ("Type", lambda r: r["type"]), ("Text", lambda r: r["text"]),
                # the state, not the entity's own decision: "by mention" is decided, mention by mention
                ("Label", lambda r: r["label"]), ("Decision", lambda r: r["state"].replace("_", " ")),
                ("Mentions", lambda r: r["mentions"]),
            ])
        else:
            _interactive_review(proj)


@anonymise_app.command("status")
@handles_errors
def anonymise_status(project: ProjectOpt = None, as_json: JsonOpt = False) -> None:
    """What is left to decide, per source, and whether the project is anonymised."""
    with opened(project) as proj:
        result = anonymise.status(proj)
    if as_json:
        print_json(result)
        return
    out.print(f"{result['sources_anonymised']} source(s) anonymised, {result['sources_not_anonymised']} not; "
              f"{result['pending_entities']} entities await a decision", highlight=False)
    print_rows(result["sources"], False, [
        ("Source", lambda r: r["source"]), ("Anonymised", lambda r: r["anonymised_at"]),
        ("Mentions", lambda r: r["mentions"]), ("Pending", lambda r: r["pending"]),
        ("Accepted", lambda r: r["accepted"]), ("Rejected", lambda r: r["rejected"]),
    ])


@anonymise_app.command("apply")
@handles_errors
def anonymise_apply(
    key: Annotated[Path, typer.Option("--key", help="Key file to write, outside the project folder.")],
    accept_all: Annotated[bool, typer.Option("--accept-all", help="Accept every pending entity first.")] = False,
    project: ProjectOpt = None,
) -> None:
    """Replace the accepted identifiers everywhere and lock the originals in the key file."""
    with opened(project) as proj:
        if accept_all:
            anonymise.accept_all(proj)
        result = anonymise.apply_anonymisation(proj, key, _passphrase(confirm=True))
    out.print(f"anonymised {result['sources']} source(s): {result['replacements']} replacement(s), "
              f"{result['cells']} other field(s); originals are in {result['key_file']}", highlight=False)
    if result["backups_removed"]:
        out.print(f"removed {result['backups_removed']} backup(s) made before anonymisation", highlight=False)
    out.print("Keep the key file and its passphrase safe and apart: without both, the originals are gone.")


@anonymise_app.command("restore")
@handles_errors
def anonymise_restore(
    key: Annotated[Path, typer.Option("--key", help="The key file written by 'anonymise apply'.")],
    project: ProjectOpt = None,
) -> None:
    """Put the original texts back (when an ethics-approved need arises)."""
    with opened(project) as proj:
        result = anonymise.restore_anonymisation(proj, key, _passphrase(confirm=False))
    out.print(f"restored {result['sources']} source(s) and {result['cells']} other field(s)", highlight=False)


@register_app.command("add")
@handles_errors
def register_add(
    text: str,
    type_: Annotated[str, typer.Option("--type", help="PERSON, ORGANISATION, PLACE, …")] = "PERSON",
    variant: Annotated[list[str], typer.Option("--variant", help="Another spelling (repeatable).")] = [],
    project: ProjectOpt = None,
) -> None:
    """Add a known identifier to the register."""
    with opened(project) as proj:
        anonymise.add_register_entry(proj, text, type_, variant)
    out.print("added to the register")


@register_app.command("import")
@handles_errors
def register_import(file: Path, project: ProjectOpt = None) -> None:
    """Add register entries from CSV/XLSX: text, type[, variants separated by ';']."""
    with opened(project) as proj:
        out.print(f"{anonymise.import_register(proj, file)} entries added")


@register_app.command("list")
@handles_errors
def register_list(project: ProjectOpt = None, as_json: JsonOpt = False) -> None:
    """List the register."""
    with opened(project) as proj:
        rows = anonymise.list_register(proj)
    print_rows(rows, as_json, [("Text", lambda r: r["text"]), ("Type", lambda r: r["type"]),
                               ("Variants", lambda r: "; ".join(r["variants"]))])


# --- demo -------------------------------------------------------------------------


@app.command()
@handles_errors
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the demo study.")] = Path("qualframe-demo"),
) -> None:
    """Build a complete fictional example study and write its framework matrices."""
    from .demo import build_demo

    build_demo(out_dir, console=out)


@app.command()
@handles_errors
def serve(
    project: ProjectOpt = None,
    host: Annotated[str, typer.Option(help="Address to listen on (single-user mode: this computer only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (default: a free one).")] = 0,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open a browser.")] = False,
    team: Annotated[bool, typer.Option("--team", help="Team mode: accounts and roles (PostgreSQL projects).")] = False,
    workers: Annotated[int, typer.Option(
        "--workers", help="Team mode: processes answering at once (about one per core), so many coders "
                          "are served together. Each opens its own database connections.")] = 1,
    coder: CoderOpt = None,
) -> None:
    """Open the web workbench: read and code transcripts, chart the matrix, review, map."""
    from .web.serve import check_workers, serve as run

    check_workers(workers, team)  # before opening the project
    with opened(project) as proj:
        run(proj, host=host, port=port, team=team, user=default_coder(coder), open_browser=not no_browser,
            announce=lambda line: print(line, flush=True), workers=workers)


def _new_password(password: str | None) -> str:
    if password is not None:
        return password
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.callback(invoke_without_command=True)
@handles_errors
def users_list(ctx: typer.Context, project: ProjectOpt = None, as_json: JsonOpt = False) -> None:
    """List the team's accounts."""
    if ctx.invoked_subcommand:
        return
    from . import accounts

    with opened(project) as proj:
        rows = accounts.list_accounts(proj)
    print_rows(rows, as_json, [("Name", lambda r: r["name"]), ("Role", lambda r: r["role"]),
                               ("Active", lambda r: "yes" if r["active"] else "no")], title="Accounts")


PasswordOpt = Annotated[
    Optional[str],
    typer.Option("--password", help="The password (default: asked for, not echoed); at least 10 characters."),
]


@users_app.command("add")
@handles_errors
def users_add(
    name: str,
    role: Annotated[str, typer.Option(help="owner, coder or viewer.")] = "coder",
    password: PasswordOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Add an account (owner: everything; coder: code and edit; viewer: read and download)."""
    from . import accounts

    accounts.check_role(role)
    with opened(project) as proj:
        accounts.add_account(proj, name, _new_password(password), role)
    out.print(f"Added {name} ({role}).")


@users_app.command("role")
@handles_errors
def users_role(name: str, role: str, project: ProjectOpt = None) -> None:
    """Change an account's role; it applies from the account's next request."""
    from . import accounts

    with opened(project) as proj:
        accounts.set_role(proj, name, role)
    out.print(f"{name} is now {role}.")


@users_app.command("password")
@handles_errors
def users_password(name: str, password: PasswordOpt = None, project: ProjectOpt = None) -> None:
    """Set a new password (signs the account out everywhere)."""
    from . import accounts

    with opened(project) as proj:
        accounts.set_password(proj, name, _new_password(password))
    out.print(f"Password of {name} changed.")


@users_app.command("deactivate")
@handles_errors
def users_deactivate(name: str, project: ProjectOpt = None) -> None:
    """Stop an account signing in (its codings keep its name)."""
    from . import accounts

    with opened(project) as proj:
        accounts.deactivate(proj, name)
    out.print(f"{name} can no longer sign in.")


def main() -> None:
    app()
