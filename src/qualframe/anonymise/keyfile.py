"""The encrypted key file of anonymisation.

After anonymisation the project keeps only pseudonymised text. Everything that could
re-identify a participant (the original texts, the register of real identifiers, the
original file bytes, real speaker names) is written to ONE key file, kept outside the
project folder and encrypted with a passphrase that only the research team knows.

File format (version 1)::

    MAGIC (6 bytes: b"QFKEY\\x00")
    header length (4 bytes, unsigned big-endian)
    header (UTF-8 JSON, not encrypted: format version, project guid, created time,
            scrypt parameters and salt, AES-GCM nonce, length of the encrypted part)
    encrypted part (AES-256-GCM ciphertext of the zlib-compressed JSON payload,
                    followed by the 16-byte GCM tag)

The key is derived from the passphrase (Unicode NFC-normalised, UTF-8) with scrypt;
the parameters actually used are recorded in the header, so a file written with other
parameters can still be read. Everything before the encrypted part (magic, length and
header bytes) is passed to AES-GCM as associated data: changing any byte of the file,
header included, makes decryption fail.

GCM cannot tell a wrong passphrase from an altered file, and the messages say so.
No message of this module contains the passphrase or any part of the payload, and the
module logs nothing.

The payload is a JSON-like dict: str keys; str, int, float, bool, None, lists, tuples
(read back as lists), dicts, and bytes (also bytearray/memoryview, read back as bytes),
which are stored in a tagged base64 form.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import os
import secrets
import struct
import tempfile
import unicodedata
import zlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from ..errors import QualframeError

__all__ = [
    "KeyFileError",
    "FORMAT_VERSION",
    "DEFAULT_SCRYPT_N",
    "check_outside",
    "key_file_info",
    "read_key_file",
    "write_key_file",
]

MAGIC = b"QFKEY\x00"
FORMAT_VERSION = 1
FORMAT_NAME = "qualframe-key-file"

#: scrypt cost. 2**17 with r=8 uses 128 MiB and took about 0.2 s on the 2-core
#: development machine (2**15: 0.05 s): slow enough to make guessing passphrases
#: expensive, fast enough to open the key file without waiting.
DEFAULT_SCRYPT_N = 2**17
SCRYPT_R = 8
SCRYPT_P = 1
#: Lowest n accepted when writing or reading; only tests should go below the default.
MIN_SCRYPT_N = 2**10
#: A header asking for more scrypt memory than this (128 * n * r bytes) is refused,
#: so a damaged or hostile header cannot make reading exhaust the machine's memory.
MAX_SCRYPT_MEMORY = 1 << 30

KEY_LENGTH = 32  # AES-256
SALT_LENGTH = 16
NONCE_LENGTH = 12
TAG_LENGTH = 16
MAX_HEADER_LENGTH = 64 * 1024
#: AESGCM encrypts at most 2**31 - 1 bytes in one call (after compression).
MAX_ENCRYPTED_LENGTH = 2**31 - 1 - TAG_LENGTH

_PREFIX = struct.Struct(">I")
_LEAD = len(MAGIC) + _PREFIX.size

# Tags of the payload encoding. A dict of the caller's own that has a key starting
# with the prefix is wrapped in a DICT_TAG, so it is never mistaken for a tag.
_TAG_PREFIX = "$qf."
_BYTES_TAG = "$qf.bytes"
_DICT_TAG = "$qf.dict"


class KeyFileError(QualframeError):
    """A key file that cannot be written or read; names the file, never a secret."""


# ---------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------


def check_outside(path: Path, folder: Path) -> None:
    """Raise KeyFileError if ``path`` is (or would be) inside ``folder``.

    Symbolic links are resolved on both sides, so a link outside the folder that
    points into it is caught. The file need not exist yet.
    """
    path = Path(path)
    folder = Path(folder)
    real_path = Path(os.path.realpath(path))
    real_folder = Path(os.path.realpath(folder))
    inside = real_path == real_folder or real_folder in real_path.parents
    if not inside and real_folder.exists():
        # Also catch case-insensitive file systems and other aliases of the folder.
        for candidate in (real_path, *real_path.parents):
            try:
                if candidate.exists() and os.path.samefile(candidate, real_folder):
                    inside = True
                    break
            except OSError:
                continue
    if inside:
        via = ""
        if real_path != Path(os.path.abspath(path)):
            via = f" (through a symbolic link it is {real_path})"
        raise KeyFileError(
            f"the key file {path} would be inside the project folder {folder}{via}; "
            "keep the key file outside the project folder, because it holds the real "
            "identifiers"
        )


def write_key_file(
    path: Path,
    passphrase: str,
    project_guid: str,
    payload: dict,
    *,
    overwrite: bool = False,
    project_folder: Path | None = None,
    scrypt_n: int = DEFAULT_SCRYPT_N,
) -> None:
    """Encrypt ``payload`` with ``passphrase`` into the key file at ``path``.

    The file is written atomically (a temporary file in the same folder, fsync, then
    moved into place) with mode 0600. An existing file is refused unless ``overwrite``
    is true. With ``project_folder``, a path inside that folder is refused. ``scrypt_n``
    lowers the key-derivation cost for tests only; it is recorded in the header.
    On any error nothing is changed on disk.
    """
    path = Path(path)
    name = str(path)
    _check_passphrase(passphrase, name)
    if not isinstance(project_guid, str) or not project_guid.strip():
        raise KeyFileError(f"cannot write {name}: the project guid is empty")
    if not isinstance(payload, dict):
        raise KeyFileError(
            f"cannot write {name}: the payload must be a dict, not {type(payload).__name__}"
        )
    _check_scrypt_params(scrypt_n, SCRYPT_R, SCRYPT_P, name, reading=False)
    if project_folder is not None:
        check_outside(path, Path(project_folder))

    parent = path.parent
    if not parent.is_dir():
        raise KeyFileError(f"cannot write {name}: the folder {parent} does not exist")
    if path.is_dir():
        raise KeyFileError(f"cannot write {name}: it is a folder")
    if path.exists() and not overwrite:
        raise _exists_error(name)

    compressed = _serialise(payload, name)
    if len(compressed) > MAX_ENCRYPTED_LENGTH:
        raise KeyFileError(
            f"cannot write {name}: the compressed payload is {len(compressed)} bytes, "
            f"more than the {MAX_ENCRYPTED_LENGTH} bytes one key file can hold"
        )

    salt = secrets.token_bytes(SALT_LENGTH)
    nonce = secrets.token_bytes(NONCE_LENGTH)
    header = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "project_guid": project_guid,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "kdf": {
            "name": "scrypt",
            "n": scrypt_n,
            "r": SCRYPT_R,
            "p": SCRYPT_P,
            "length": KEY_LENGTH,
            "salt": _b64(salt),
        },
        "cipher": {"name": "AES-256-GCM", "nonce": _b64(nonce)},
        "compression": "zlib",
        "encoding": "json",
        "encrypted_length": len(compressed) + TAG_LENGTH,
    }
    header_bytes = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("ascii")
    associated = MAGIC + _PREFIX.pack(len(header_bytes)) + header_bytes

    key = _derive_key(passphrase, salt, scrypt_n, SCRYPT_R, SCRYPT_P)
    ciphertext = AESGCM(key).encrypt(nonce, compressed, associated)
    del compressed
    _atomic_write(path, (associated, ciphertext), overwrite=overwrite)


def read_key_file(path: Path, passphrase: str, project_guid: str | None) -> dict:
    """Decrypt the key file at ``path`` and return its payload.

    With ``project_guid``, a key file written for another project is refused before
    any decryption is tried. Raises KeyFileError for a wrong passphrase or an altered
    file (AES-GCM cannot tell these apart), a damaged file or a newer format.
    """
    path = Path(path)
    name = str(path)
    _check_passphrase(passphrase, name)
    data = _read_bytes(path)
    header, associated, encrypted_length = _parse_header(data, len(data), name)
    if project_guid is not None and header["project_guid"] != project_guid:
        raise KeyFileError(
            f"{name} is the key file of another project (guid {header['project_guid']}), "
            f"not of this project (guid {project_guid}); use this project's key file"
        )
    kdf = header["kdf"]
    key = _derive_key(passphrase, kdf["salt"], kdf["n"], kdf["r"], kdf["p"])
    ciphertext = data[len(associated) :]
    del data
    try:
        compressed = AESGCM(key).decrypt(header["cipher"]["nonce"], ciphertext, associated)
    except InvalidTag:
        raise KeyFileError(
            f"could not decrypt {name}: wrong passphrase, or the file was altered "
            "(the encryption cannot tell these two apart)"
        ) from None
    del ciphertext
    try:
        text = zlib.decompress(compressed).decode("utf-8")
        encoded = json.loads(text)
    except (zlib.error, UnicodeDecodeError, ValueError):
        # Only possible if the file was written wrongly: the content is authenticated.
        raise KeyFileError(f"{name} is damaged: its decrypted content cannot be read") from None
    del compressed, text
    if not isinstance(encoded, dict):
        raise KeyFileError(f"{name} is damaged: its decrypted content is not a dictionary")
    try:
        return _decode(encoded)
    except (ValueError, binascii.Error):
        raise KeyFileError(f"{name} is damaged: its decrypted content cannot be read") from None


def key_file_info(path: Path) -> dict:
    """The unencrypted header of a key file, without reading or decrypting the payload.

    Returns the format version, project guid, creation time (ISO 8601, UTC), the
    key-derivation and cipher parameters, and sizes. Never any payload.
    """
    path = Path(path)
    name = str(path)
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            lead = fh.read(_LEAD + MAX_HEADER_LENGTH)
    except OSError as exc:
        raise _os_error("read", name, exc) from None
    header, _, encrypted_length = _parse_header(lead, size, name)
    kdf = header["kdf"]
    return {
        "path": name,
        "format_version": header["version"],
        "project_guid": header["project_guid"],
        "created": header["created"],
        "kdf": {"name": "scrypt", "n": kdf["n"], "r": kdf["r"], "p": kdf["p"], "length": KEY_LENGTH},
        "cipher": header["cipher"]["name"],
        "compression": header["compression"],
        "encrypted_bytes": encrypted_length,
        "size_bytes": size,
    }


# ---------------------------------------------------------------------------------
# Key derivation and checks
# ---------------------------------------------------------------------------------


def _check_passphrase(passphrase: str, name: str) -> None:
    if not isinstance(passphrase, str):
        raise KeyFileError(f"the passphrase for {name} must be text")
    if not passphrase.strip():
        raise KeyFileError(f"the passphrase for {name} is empty; give a passphrase")


def _derive_key(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    secret = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    return Scrypt(salt=salt, length=KEY_LENGTH, n=n, r=r, p=p).derive(secret)


def _check_scrypt_params(n: Any, r: Any, p: Any, name: str, *, reading: bool) -> None:
    ok = (
        type(n) is int
        and type(r) is int
        and type(p) is int
        and n >= MIN_SCRYPT_N
        and n & (n - 1) == 0
        and 1 <= r <= 32
        and 1 <= p <= 16
        and 128 * n * r <= MAX_SCRYPT_MEMORY
    )
    if not ok:
        if reading:
            raise KeyFileError(f"{name} is damaged: its key-derivation parameters are invalid")
        raise KeyFileError(
            f"cannot write {name}: scrypt n must be a power of two from {MIN_SCRYPT_N} "
            f"up to {MAX_SCRYPT_MEMORY // (128 * SCRYPT_R)}"
        )


# ---------------------------------------------------------------------------------
# Header
# ---------------------------------------------------------------------------------


def _parse_header(data: bytes, total_size: int, name: str) -> tuple[dict, bytes, int]:
    """Check magic, length and header of a key file whose first bytes are ``data``.

    Returns the checked header (salt and nonce decoded to bytes), the associated data
    (all bytes before the encrypted part) and the length of the encrypted part.
    """
    if len(data) < len(MAGIC) and MAGIC.startswith(data):
        raise KeyFileError(f"{name} is damaged: it is too short to be a key file")
    if data[: len(MAGIC)] != MAGIC:
        raise KeyFileError(
            f"{name} is not a qualframe key file (it does not start with the key-file marker)"
        )
    if len(data) < _LEAD:
        raise KeyFileError(f"{name} is damaged: it ends before its header")
    (header_length,) = _PREFIX.unpack_from(data, len(MAGIC))
    if header_length == 0 or header_length > MAX_HEADER_LENGTH:
        raise KeyFileError(f"{name} is damaged: its header length is invalid")
    if len(data) < _LEAD + header_length:
        raise KeyFileError(f"{name} is damaged: it ends inside its header (truncated)")
    header_bytes = data[_LEAD : _LEAD + header_length]
    try:
        header = json.loads(header_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise KeyFileError(f"{name} is damaged: its header is not valid JSON") from None
    if not isinstance(header, dict):
        raise KeyFileError(f"{name} is damaged: its header is not a JSON object")

    version = header.get("version")
    if header.get("format") != FORMAT_NAME or type(version) is not int:
        raise KeyFileError(f"{name} is damaged: its header does not name the key-file format and version")
    if version != FORMAT_VERSION:
        newer = " (written by a newer qualframe: upgrade qualframe to read it)" if version > FORMAT_VERSION else ""
        raise KeyFileError(
            f"{name} has key-file format version {version}, but this qualframe reads "
            f"version {FORMAT_VERSION} only{newer}"
        )

    def bad(field: str) -> KeyFileError:
        return KeyFileError(f"{name} is damaged: its header field '{field}' is missing or invalid")

    guid = header.get("project_guid")
    if not isinstance(guid, str) or not guid:
        raise bad("project_guid")
    if not isinstance(header.get("created"), str):
        raise bad("created")
    if header.get("compression") != "zlib" or header.get("encoding") != "json":
        raise bad("compression")
    kdf = header.get("kdf")
    if not isinstance(kdf, dict) or kdf.get("name") != "scrypt" or kdf.get("length") != KEY_LENGTH:
        raise bad("kdf")
    _check_scrypt_params(kdf.get("n"), kdf.get("r"), kdf.get("p"), name, reading=True)
    kdf["salt"] = _unb64(kdf.get("salt"), SALT_LENGTH)
    if kdf["salt"] is None:
        raise bad("kdf.salt")
    cipher = header.get("cipher")
    if not isinstance(cipher, dict) or cipher.get("name") != "AES-256-GCM":
        raise bad("cipher")
    cipher["nonce"] = _unb64(cipher.get("nonce"), NONCE_LENGTH)
    if cipher["nonce"] is None:
        raise bad("cipher.nonce")
    recorded = header.get("encrypted_length")
    if type(recorded) is not int or recorded < TAG_LENGTH:
        raise bad("encrypted_length")

    actual = total_size - _LEAD - header_length
    if actual < recorded:
        raise KeyFileError(
            f"{name} is damaged: it is truncated ({actual} of {recorded} bytes of "
            "encrypted content present)"
        )
    if actual > recorded:
        raise KeyFileError(f"{name} is damaged: it has {actual - recorded} unexpected bytes at the end")
    return header, data[: _LEAD + header_length], recorded


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: Any, length: int) -> bytes | None:
    if not isinstance(text, str):
        return None
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, binascii.Error):
        return None
    return raw if len(raw) == length else None


# ---------------------------------------------------------------------------------
# Payload encoding
# ---------------------------------------------------------------------------------


class _Unstorable(Exception):
    pass


def _serialise(payload: dict, name: str) -> bytes:
    """Payload -> zlib-compressed UTF-8 JSON, compressed chunk by chunk."""
    try:
        encoded = _encode(payload)
    except RecursionError:
        raise KeyFileError(
            f"cannot write {name}: the payload refers to itself or is nested too deeply"
        ) from None
    except _Unstorable as exc:
        raise KeyFileError(f"cannot write {name}: the payload contains {exc}, which cannot be stored") from None
    encoder = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    compressor = zlib.compressobj(6)
    out: list[bytes] = []
    pending: list[str] = []
    pending_size = 0
    for chunk in encoder.iterencode(encoded):
        pending.append(chunk)
        pending_size += len(chunk)
        if pending_size >= 1 << 20:
            out.append(compressor.compress("".join(pending).encode("utf-8")))
            pending, pending_size = [], 0
    out.append(compressor.compress("".join(pending).encode("utf-8")))
    out.append(compressor.flush())
    return b"".join(out)


def _encode(value: Any) -> Any:
    if isinstance(value, str) or value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Unstorable("a number that is not finite (NaN or infinity)")
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {_BYTES_TAG: base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        out = {}
        tagged = False
        for key, item in value.items():
            if not isinstance(key, str):
                raise _Unstorable(f"a dictionary key of type {type(key).__name__} (keys must be text)")
            tagged = tagged or key.startswith(_TAG_PREFIX)
            out[key] = _encode(item)
        return {_DICT_TAG: out} if tagged else out
    if isinstance(value, (list, tuple)):
        return [_encode(item) for item in value]
    raise _Unstorable(f"a value of type {type(value).__name__}")


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1:
            if isinstance(value.get(_BYTES_TAG), str):
                return base64.b64decode(value[_BYTES_TAG].encode("ascii"), validate=True)
            if isinstance(value.get(_DICT_TAG), dict):
                return {key: _decode(item) for key, item in value[_DICT_TAG].items()}
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


# ---------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------


def _exists_error(name: str) -> KeyFileError:
    return KeyFileError(
        f"{name} already exists; it was not changed (to replace it, ask for overwriting "
        "explicitly)"
    )


def _os_error(action: str, name: str, exc: OSError) -> KeyFileError:
    if isinstance(exc, FileNotFoundError):
        return KeyFileError(f"cannot {action} {name}: no such file")
    if isinstance(exc, IsADirectoryError):
        return KeyFileError(f"cannot {action} {name}: it is a folder")
    if isinstance(exc, PermissionError):
        return KeyFileError(f"cannot {action} {name}: permission denied")
    reason = exc.strerror or type(exc).__name__
    return KeyFileError(f"cannot {action} {name}: {reason}")


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _os_error("read", str(path), exc) from None


def _atomic_write(path: Path, parts: tuple[bytes, ...], *, overwrite: bool) -> None:
    name = str(path)
    parent = path.parent
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise _os_error("write", name, exc) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            if hasattr(os, "fchmod"):
                os.fchmod(fh.fileno(), 0o600)
            for part in parts:
                fh.write(part)
            fh.flush()
            os.fsync(fh.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                # A hard link never replaces an existing file: no race with a
                # key file created meanwhile.
                os.link(tmp, path)
            except FileExistsError:
                raise _exists_error(name) from None
            except OSError:
                # File systems without hard links.
                if path.exists():
                    raise _exists_error(name) from None
                os.replace(tmp, path)
    except KeyFileError:
        _remove_quietly(tmp)
        raise
    except OSError as exc:
        _remove_quietly(tmp)
        raise KeyFileError(f"{_os_error('write', name, exc)}; nothing was changed") from None
    except BaseException:
        _remove_quietly(tmp)
        raise
    _remove_quietly(tmp)  # still there after os.link
    _fsync_folder(parent)


def _remove_quietly(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError:
        pass


def _fsync_folder(folder: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
