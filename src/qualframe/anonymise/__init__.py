"""Anonymisation: pseudonymised transcripts, with the real identifiers kept only in an encrypted key file.

detect (recognisers) → review (entities, labels, decisions) → apply (replace, remap,
lock the originals in the key file) → restore (with the key, when ethics allow).
"""

from .apply import apply_anonymisation, labels_from_key, restore_anonymisation
from .detect import Candidate, detect, recogniser_names
from .keyfile import KeyFileError, key_file_info
from .review import (
    accept_all,
    add_register_entry,
    decide,
    detect_in_project,
    export_decisions,
    import_decisions,
    import_register,
    list_entities,
    list_register,
    status,
)

__all__ = [
    "Candidate", "KeyFileError", "accept_all", "add_register_entry", "apply_anonymisation", "decide", "detect",
    "detect_in_project", "export_decisions", "import_decisions", "import_register", "key_file_info", "labels_from_key",
    "list_entities", "list_register", "recogniser_names", "restore_anonymisation", "status",
]
