"""The encrypted key file of anonymisation (qualframe.anonymise.keyfile).

All content is invented. Tests write with a low scrypt n (fast); one test checks that
the default is the strong one and that reading uses the n recorded in the header.
"""

from __future__ import annotations

import base64
import json
import os
import stat
import struct
import zlib
from pathlib import Path

import pytest

from qualframe.anonymise import keyfile as kf
from qualframe.anonymise.keyfile import (
    KeyFileError,
    check_outside,
    key_file_info,
    read_key_file,
    write_key_file,
)
from qualframe.errors import QualframeError

GUID = "7b0c1e2a-0000-4000-8000-000000000001"
OTHER_GUID = "7b0c1e2a-0000-4000-8000-000000000002"
PASS = "correct horse battery staple 42"
FAST_N = 2**10
SECRET_NAME = "Zebulon Quixotewright-Fairweather"  # distinctive, invented
SECRET_BYTES = b"%PDF-1.7 invented original file bytes \x00\x01\xff" * 50


def _payload() -> dict:
    return {
        "register": {SECRET_NAME: "P01", "Ottoline Brackenbury": "P02"},
        "originals": {
            "interview-01": f"Interviewer: Hello.\n{SECRET_NAME}: I live on Pemberley Lane.",
            "interview-02": "Ünïcödé text — naïve café, 日本語, emoji \U0001f600",
        },
        "files": {"interview-01.docx": SECRET_BYTES, "empty.bin": b""},
        "speakers": [["P01", SECRET_NAME], ["P02", "Ottoline Brackenbury"]],
        "nested": {"a": [1, 2.5, True, False, None, {"b": [b"\x00bytes-in-a-list"]}]},
        "tuple": (1, "two"),
        "tag_lookalike": {"$qf.bytes": "not really bytes", "other": 1},
        "tag_lookalike_alone": {"$qf.bytes": "QUJD"},
        "bytearray": bytearray(b"mutable"),
    }


def _expected() -> dict:
    expected = _payload()
    expected["tuple"] = [1, "two"]
    expected["bytearray"] = b"mutable"
    return expected


def _write(path: Path, **kwargs) -> None:
    kwargs.setdefault("scrypt_n", FAST_N)
    passphrase = kwargs.pop("passphrase", PASS)
    guid = kwargs.pop("guid", GUID)
    payload = kwargs.pop("payload", _payload())
    write_key_file(path, passphrase, guid, payload, **kwargs)


def _split(data: bytes) -> tuple[int, int]:
    """(start of header, start of encrypted part)."""
    lead = len(kf.MAGIC) + 4
    (length,) = struct.unpack(">I", data[len(kf.MAGIC) : lead])
    return lead, lead + length


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "study.qfkey"
    path.parent.mkdir()
    _write(path)
    return path


# --- round trip -------------------------------------------------------------------


def test_round_trip_restores_str_bytes_and_nested_values(key: Path) -> None:
    result = read_key_file(key, PASS, GUID)
    assert result == _expected()
    assert type(result["files"]["interview-01.docx"]) is bytes
    assert type(result["bytearray"]) is bytes
    assert result["tag_lookalike"] == {"$qf.bytes": "not really bytes", "other": 1}
    assert result["tag_lookalike_alone"] == {"$qf.bytes": "QUJD"}  # a dict, not b"ABC"


def test_read_without_project_guid_skips_the_project_check(key: Path) -> None:
    assert read_key_file(key, PASS, None)["register"][SECRET_NAME] == "P01"


def test_passphrase_is_unicode_normalised(tmp_path: Path) -> None:
    path = tmp_path / "k.qfkey"
    _write(path, passphrase="caf\u00e9 passphrase")  # precomposed é
    assert read_key_file(path, "cafe\u0301 passphrase", GUID) == _expected()  # e + accent


def test_large_payload_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "big.qfkey"
    payload = {f"t{i:03}": (f"Speaker {i}: " + "invented sentence. " * 2000) for i in range(200)}
    payload["blob"] = os.urandom(2_000_000)
    _write(path, payload=payload)
    assert read_key_file(path, PASS, GUID) == payload
    assert path.stat().st_size < 2_000_000 + 1_000_000  # text compressed, blob not inflated


# --- crypto parameters ------------------------------------------------------------


def test_default_kdf_is_strong_and_reading_uses_the_recorded_n(tmp_path: Path) -> None:
    assert kf.DEFAULT_SCRYPT_N >= 2**15 and kf.SCRYPT_R == 8 and kf.SCRYPT_P == 1
    strong = tmp_path / "strong.qfkey"
    write_key_file(strong, PASS, GUID, {"x": "y"})
    assert key_file_info(strong)["kdf"]["n"] == kf.DEFAULT_SCRYPT_N
    weak = tmp_path / "weak.qfkey"
    _write(weak, payload={"x": "z"}, scrypt_n=2**11)
    assert key_file_info(weak)["kdf"]["n"] == 2**11
    assert read_key_file(weak, PASS, GUID) == {"x": "z"}
    assert read_key_file(strong, PASS, GUID) == {"x": "y"}


def test_salt_and_nonce_are_fresh_each_time(tmp_path: Path) -> None:
    a, b = tmp_path / "a.qfkey", tmp_path / "b.qfkey"
    _write(a, payload={"x": "same"})
    _write(b, payload={"x": "same"})
    da, db = a.read_bytes(), b.read_bytes()
    ha = json.loads(da[_split(da)[0] : _split(da)[1]])
    hb = json.loads(db[_split(db)[0] : _split(db)[1]])
    assert len(base64.b64decode(ha["kdf"]["salt"])) == 16
    assert len(base64.b64decode(ha["cipher"]["nonce"])) == 12
    assert ha["kdf"]["salt"] != hb["kdf"]["salt"]
    assert ha["cipher"]["nonce"] != hb["cipher"]["nonce"]
    assert da[_split(da)[1] :] != db[_split(db)[1] :]


def test_scrypt_n_below_minimum_or_not_power_of_two_refused(tmp_path: Path) -> None:
    for n in (2**9, 3000):
        with pytest.raises(KeyFileError, match="scrypt n"):
            _write(tmp_path / "k.qfkey", scrypt_n=n)
    assert list(tmp_path.iterdir()) == []


# --- wrong passphrase, damage, tampering ------------------------------------------


def test_wrong_passphrase(key: Path) -> None:
    before = key.read_bytes()
    with pytest.raises(KeyFileError) as info:
        read_key_file(key, "correct horse battery staple 43", GUID)
    message = str(info.value)
    assert message.startswith(f"could not decrypt {key}: wrong passphrase, or the file was altered")
    assert "cannot tell" in message
    assert PASS not in message and "staple" not in message
    assert isinstance(info.value, QualframeError)
    assert key.read_bytes() == before


def test_empty_passphrase_refused_on_read(key: Path) -> None:
    with pytest.raises(KeyFileError, match="passphrase .* is empty"):
        read_key_file(key, "", GUID)


@pytest.mark.parametrize("keep", [0, 3, 8, 20, "header", "half", "tag"])
def test_truncated_file(key: Path, keep) -> None:
    data = key.read_bytes()
    header_start, body_start = _split(data)
    cut = {
        "header": (header_start + body_start) // 2,
        "half": (body_start + len(data)) // 2,
        "tag": len(data) - 1,
    }.get(keep, keep)
    key.write_bytes(data[:cut])
    with pytest.raises(KeyFileError, match="damaged") as info:
        read_key_file(key, PASS, GUID)
    assert str(key) in str(info.value)
    with pytest.raises(KeyFileError, match="damaged"):
        key_file_info(key)


def test_extra_bytes_at_end(key: Path) -> None:
    key.write_bytes(key.read_bytes() + b"\x00")
    with pytest.raises(KeyFileError, match="unexpected bytes"):
        read_key_file(key, PASS, GUID)


@pytest.mark.parametrize("where", ["first", "middle", "tag"])
def test_flipped_byte_in_ciphertext(key: Path, where: str) -> None:
    data = bytearray(key.read_bytes())
    _, body_start = _split(bytes(data))
    index = {"first": body_start, "middle": (body_start + len(data)) // 2, "tag": len(data) - 1}[where]
    data[index] ^= 0x01
    key.write_bytes(bytes(data))
    with pytest.raises(KeyFileError, match="wrong passphrase, or the file was altered"):
        read_key_file(key, PASS, GUID)


def test_altered_header_value_is_detected_by_authentication(key: Path) -> None:
    """The header is associated data: a change that keeps it valid JSON still fails."""
    data = key.read_bytes()
    header_start, body_start = _split(data)
    header = json.loads(data[header_start:body_start])
    created = header["created"]
    altered_created = ("1" if created[0] != "1" else "2") + created[1:]
    new_header = data[header_start:body_start].replace(created.encode(), altered_created.encode())
    assert new_header != data[header_start:body_start] and len(new_header) == body_start - header_start
    key.write_bytes(data[:header_start] + new_header + data[body_start:])
    assert key_file_info(key)["created"] == altered_created  # still a well-formed header
    with pytest.raises(KeyFileError, match="wrong passphrase, or the file was altered"):
        read_key_file(key, PASS, GUID)


def test_altered_project_guid_in_header_is_detected(key: Path) -> None:
    data = key.read_bytes()
    forged = data.replace(GUID.encode(), OTHER_GUID.encode())
    assert forged != data
    key.write_bytes(forged)
    with pytest.raises(KeyFileError, match="wrong passphrase, or the file was altered"):
        read_key_file(key, PASS, OTHER_GUID)


def test_altered_header_length_prefix_is_detected(key: Path) -> None:
    """Re-framing: move one byte between header and body; caught as damage or by GCM."""
    data = key.read_bytes()
    header_start, body_start = _split(data)
    header = data[header_start:body_start] + b" "  # JSON still valid with trailing space
    reframed = kf.MAGIC + struct.pack(">I", len(header)) + header + data[body_start:]
    key.write_bytes(reframed)
    with pytest.raises(KeyFileError):
        read_key_file(key, PASS, GUID)


@pytest.mark.parametrize("offset", range(0, 60, 7))
def test_flipped_byte_anywhere_in_header(key: Path, offset: int) -> None:
    data = bytearray(key.read_bytes())
    _, body_start = _split(bytes(data))
    index = min(offset, body_start - 1)
    data[index] ^= 0x04
    key.write_bytes(bytes(data))
    with pytest.raises(KeyFileError):
        read_key_file(key, PASS, GUID)


def test_wrong_magic(key: Path) -> None:
    data = key.read_bytes()
    key.write_bytes(b"PK\x03\x04" + data[4:])
    with pytest.raises(KeyFileError, match="is not a qualframe key file"):
        read_key_file(key, PASS, GUID)
    with pytest.raises(KeyFileError, match="is not a qualframe key file"):
        key_file_info(key)


def test_not_a_key_file_at_all(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("just some notes\n")
    with pytest.raises(KeyFileError, match="is not a qualframe key file"):
        read_key_file(path, PASS, GUID)
    with pytest.raises(KeyFileError, match="no such file"):
        read_key_file(tmp_path / "missing.qfkey", PASS, GUID)


def _rewrite_header(path: Path, change) -> None:
    data = path.read_bytes()
    header_start, body_start = _split(data)
    header = json.loads(data[header_start:body_start])
    new = change(header)
    raw = new if isinstance(new, bytes) else json.dumps(header).encode()
    path.write_bytes(kf.MAGIC + struct.pack(">I", len(raw)) + raw + data[body_start:])


def test_bad_header_json(key: Path) -> None:
    _rewrite_header(key, lambda h: b"{not json")
    with pytest.raises(KeyFileError, match="header is not valid JSON"):
        read_key_file(key, PASS, GUID)


def test_newer_format_version(key: Path) -> None:
    _rewrite_header(key, lambda h: h.update(version=2))
    with pytest.raises(KeyFileError, match="format version 2.*newer qualframe"):
        read_key_file(key, PASS, GUID)
    with pytest.raises(KeyFileError, match="format version 2"):
        key_file_info(key)


def test_header_asking_for_huge_scrypt_memory_refused(key: Path) -> None:
    _rewrite_header(key, lambda h: h["kdf"].update(n=2**30))
    with pytest.raises(KeyFileError, match="key-derivation parameters are invalid"):
        read_key_file(key, PASS, GUID)


# --- project ----------------------------------------------------------------------


def test_key_file_of_another_project(key: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_derivation(*args, **kwargs):
        raise AssertionError("must not derive a key for another project's file")

    monkeypatch.setattr(kf, "_derive_key", no_derivation)
    with pytest.raises(KeyFileError) as info:
        read_key_file(key, PASS, OTHER_GUID)
    message = str(info.value)
    assert "another project" in message and "this project" in message
    assert GUID in message and OTHER_GUID in message
    assert SECRET_NAME not in message and PASS not in message


# --- writing ----------------------------------------------------------------------


def test_overwrite_refused_then_allowed(key: Path) -> None:
    before = key.read_bytes()
    with pytest.raises(KeyFileError, match="already exists"):
        _write(key, payload={"new": "content"})
    assert key.read_bytes() == before
    assert sorted(p.name for p in key.parent.iterdir()) == [key.name]  # no temp file left
    _write(key, payload={"new": "content"}, overwrite=True)
    assert read_key_file(key, PASS, GUID) == {"new": "content"}
    assert sorted(p.name for p in key.parent.iterdir()) == [key.name]


def test_empty_passphrase_refused_on_write(tmp_path: Path) -> None:
    for empty in ("", "   "):
        with pytest.raises(KeyFileError, match="passphrase .* is empty"):
            _write(tmp_path / "k.qfkey", passphrase=empty)
    assert list(tmp_path.iterdir()) == []


def test_file_mode_is_0600(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        path = tmp_path / "k.qfkey"
        _write(path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        path.chmod(0o644)
        _write(path, overwrite=True)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        os.umask(old_umask)


def test_plaintext_does_not_appear_in_the_file(key: Path) -> None:
    data = key.read_bytes()
    for secret in (SECRET_NAME, "Pemberley Lane", "Ottoline"):
        assert secret.encode("utf-8") not in data
        assert secret.encode("utf-16-le") not in data
    assert SECRET_BYTES[:20] not in data
    assert base64.b64encode(SECRET_BYTES)[:40] not in data
    # Not merely compressed: the encrypted part is not a zlib stream.
    body = data[_split(data)[1] : -16]
    with pytest.raises(zlib.error):
        zlib.decompress(body)


def test_unstorable_payload_refused_without_revealing_content(tmp_path: Path) -> None:
    path = tmp_path / "k.qfkey"
    for payload, expected in (
        ({SECRET_NAME: {1, 2}}, "type set"),
        ({SECRET_NAME: float("nan")}, "not finite"),
        ({"register": {7: SECRET_NAME}}, "key of type int"),
    ):
        with pytest.raises(KeyFileError, match=expected) as info:
            _write(path, payload=payload)
        assert SECRET_NAME not in str(info.value)
    loop: dict = {"a": SECRET_NAME}
    loop["self"] = loop
    with pytest.raises(KeyFileError, match="refers to itself"):
        _write(path, payload=loop)
    with pytest.raises(KeyFileError, match="must be a dict"):
        _write(path, payload=[SECRET_NAME])
    with pytest.raises(KeyFileError, match="project guid is empty"):
        _write(path, guid="")
    assert list(tmp_path.iterdir()) == []


def test_failed_write_changes_nothing(key: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = key.read_bytes()

    def failing_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(kf.os, "fsync", failing_fsync)
    with pytest.raises(KeyFileError, match="No space left on device; nothing was changed"):
        _write(key, payload={"new": "content"}, overwrite=True)
    monkeypatch.undo()
    assert key.read_bytes() == before
    assert sorted(p.name for p in key.parent.iterdir()) == [key.name]


def test_missing_folder_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="does not exist"):
        _write(tmp_path / "nowhere" / "k.qfkey")


# --- check_outside ----------------------------------------------------------------


def test_check_outside_inside_and_outside(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "sub").mkdir(parents=True)
    outside = tmp_path / "keys"
    outside.mkdir()
    with pytest.raises(KeyFileError, match="inside the project folder"):
        check_outside(project / "study.qfkey", project)
    with pytest.raises(KeyFileError, match="inside the project folder"):
        check_outside(project / "sub" / "new" / "study.qfkey", project)  # not existing yet
    with pytest.raises(KeyFileError, match="inside the project folder"):
        check_outside(outside / ".." / "project" / "study.qfkey", project)
    check_outside(outside / "study.qfkey", project)
    check_outside(tmp_path / "project-keys" / "study.qfkey", project)  # name prefix only


def test_check_outside_via_symlink(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    link_to_project = tmp_path / "looks-outside"
    link_to_project.symlink_to(project, target_is_directory=True)
    with pytest.raises(KeyFileError, match="through a symbolic link"):
        check_outside(link_to_project / "study.qfkey", project)
    # The project folder given through a link, the key file by its real path.
    with pytest.raises(KeyFileError, match="inside the project folder"):
        check_outside(project / "study.qfkey", link_to_project)
    # A link inside the project pointing outside is fine: the file lives outside.
    outside = tmp_path / "keys"
    outside.mkdir()
    (project / "keys-link").symlink_to(outside, target_is_directory=True)
    check_outside(project / "keys-link" / "study.qfkey", project)


def test_write_with_project_folder_refuses_inside(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    with pytest.raises(KeyFileError, match="inside the project folder"):
        _write(project / "study.qfkey", project_folder=project)
    assert list(project.iterdir()) == []
    _write(tmp_path / "study.qfkey", project_folder=project)


# --- key_file_info ----------------------------------------------------------------


def test_key_file_info_shows_header_only(key: Path) -> None:
    info = key_file_info(key)
    assert set(info) == {
        "path", "format_version", "project_guid", "created", "kdf", "cipher",
        "compression", "encrypted_bytes", "size_bytes",
    }
    assert info["format_version"] == 1
    assert info["project_guid"] == GUID
    assert info["created"].endswith("+00:00")
    assert info["kdf"] == {"name": "scrypt", "n": FAST_N, "r": 8, "p": 1, "length": 32}
    assert info["cipher"] == "AES-256-GCM"
    assert info["size_bytes"] == key.stat().st_size
    text = json.dumps(info)
    for secret in (SECRET_NAME, "Pemberley", "P01", "register", "originals"):
        assert secret not in text


def test_key_file_info_does_not_decrypt_or_read_the_payload(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.qfkey"
    _write(path, payload={"blob": os.urandom(300_000)})

    def forbidden(*args, **kwargs):
        raise AssertionError("key_file_info must not decrypt or read the whole file")

    monkeypatch.setattr(kf, "_derive_key", forbidden)
    monkeypatch.setattr(kf, "_read_bytes", forbidden)
    info = key_file_info(path)
    assert info["encrypted_bytes"] > 300_000
    assert info["size_bytes"] == path.stat().st_size
