"""The workbench's pages, one module per stage of the method (each registers its routes)."""

from . import anonymise, bcw, cases, codebook, downloads, matrix, overview, reader, sources  # noqa: F401
