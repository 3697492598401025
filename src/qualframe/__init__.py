"""qualframe: from interview transcripts to a Framework Method matrix.

The library API mirrors the CLI command for command::

    import qualframe as qf
    project = qf.init_project("study")                 # qualframe init study
    qf.import_files(project, ["P01.docx"], case_from_filename=True)
    qf.import_codebook(project, "codebook.yaml")
    qf.code_text(project, "P01", "Funding/Short-term", quote="only ever a year", coder="ana")
    qf.export_matrices(qf.build_matrices(project), "matrix.xlsx")
"""

from .agreement import coder_agreement
from .cases import add_case, import_cases, list_attributes, list_cases, set_attribute
from .chart import (
    build_matrices,
    crosstab,
    export_matrices,
    import_summaries,
    list_summaries,
    matrices_html,
    summarise,
    themes,
)
from .codebook import (
    add_code,
    codes_from_guide,
    delete_code,
    export_codebook,
    import_codebook,
    list_codes,
    merge_codes,
    parse_topic_guide,
    update_code,
)
from .coding import code_text, export_codings, find_quote, import_codings, list_codings, uncode
from .demo import build_demo
from .errors import ImportRefused, InvalidInput, NotFound, ProjectNotFound, QualframeError
from .importing import ImportReport, import_file, import_files, read_transcript
from .mapping import (
    add_factor,
    candidate_map,
    delete_factor,
    deleted_factors,
    edit_factor,
    export_mapping_table,
    factor_history,
    factor_trail,
    factor_levels,
    get_factor,
    list_factors,
    mapping_rows,
    select_items,
    set_apease,
    set_factor_levels,
)
from .memos import add_memo, list_memos
from .project import Project, find_project_root, init_project, migrate_project, open_project
from . import vocabularies
from .sources import delete_source, get_source, link_case, list_sources, original_bytes

__version__ = "0.1.0"

__all__ = [name for name in dir() if not name.startswith("_")]
