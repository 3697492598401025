"""Saving uploaded files where the library can read them, safely.

Every page that imports a file (transcripts, a codebook, a case table) goes through
here, so that one piece of code refuses names that try to reach outside a folder,
types the import cannot read, and files over the size limit, before the library sees
anything. The library then reads the file from a temporary folder under its own name,
so its messages name the file the person chose.
"""

from __future__ import annotations

import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from starlette.datastructures import UploadFile

from ..errors import ImportRefused, InvalidInput
from .routing import Visit, megabytes

CHUNK = 1024 * 1024


def upload_name(filename: str | None, suffixes: Iterable[str]) -> str:
    """The uploaded file's own name, or a refusal if it tries to reach outside one folder
    or is not one of the types (``suffixes``, lower case with the dot) the import reads."""
    name = filename or ""
    problems = (
        not name.strip(),
        name in (".", ".."),
        name.startswith("."),
        any(ch in name for ch in '/\\:\x00'),
        any(unicodedata.category(ch).startswith("C") for ch in name),
        len(name) > 255,
    )
    if any(problems):
        raise ImportRefused(repr(name)[1:-1][:80] or "(no name)", "the file name is not a plain file name; rename the file and upload it again")
    allowed = sorted(suffixes)
    if Path(name).suffix.lower() not in allowed:
        raise ImportRefused(name, f"this type of file cannot be imported (use {', '.join(allowed)})")
    return name


def save_upload(upload: UploadFile, folder: Path, *, suffixes: Iterable[str], max_bytes: int) -> Path:
    """Write ``upload`` into ``folder`` under its own (checked) name, stopping at ``max_bytes``.

    The request's stated length is checked before the form is read (routing), but a
    multipart body can hold several files, so each one is counted again as it is written.
    """
    name = upload_name(upload.filename, suffixes)
    target = folder / name
    if target.exists():
        raise ImportRefused(name, "the same file name was uploaded twice")
    size = 0
    with open(target, "wb") as out:
        while chunk := upload.file.read(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise ImportRefused(name, f"the file is larger than the limit of {megabytes(max_bytes)} MB")
            out.write(chunk)
    return target


@contextmanager
def one_uploaded_file(visit: Visit, field: str, *, suffixes: Iterable[str], what: str) -> Iterator[Path]:
    """The single file sent in ``field``, saved in a temporary folder that is removed afterwards.

    ``what`` names the kind of file in the refusal when none (or more than one) was sent.
    """
    uploads = visit.files_named(field)
    if len(uploads) != 1:
        raise InvalidInput(f"choose one {what} file to import" if not uploads else f"choose only one {what} file at a time")
    with tempfile.TemporaryDirectory(prefix="qualframe-upload-") as folder:
        yield save_upload(uploads[0], Path(folder), suffixes=suffixes,
                          max_bytes=visit.request.app.state.max_upload_bytes)
