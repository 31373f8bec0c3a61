"""Password-protected workbooks: councils encrypt returns for email and send the password apart.

`--password-file FILE` holds one password, or lines `LA_CODE,password` (9-character or 3-digit
code; a header line `la_code,password` is skipped). Files are decrypted in memory with
msoffcrypto-tool; nothing decrypted is written to disk.

Trying a password costs about a third of a second (Office derives the key with 100,000 rounds of
SHA-512, on purpose), so passwords are tried in the order most likely to fit: those of the LAs
the file's name or folder mentions, then the passwords given without an LA, then the rest, within
a time budget.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import time
from dataclasses import dataclass, field
from pathlib import Path

from fgc_collect.model import UnreadableReturn

# Office itself uses 100,000; a file asking for far more is built to waste time.
MAX_SPIN_COUNT = 200_000
PASSWORD_SECONDS = 30.0
_LA_LINE = re.compile(r"\s*(E\d{8}|\d{3})\s*,(.*)", re.I)
_BLOCK_VERIFIER_INPUT = bytes([0xFE, 0xA7, 0xD2, 0x76, 0x3B, 0x4B, 0x9E, 0x79])
_BLOCK_VERIFIER_VALUE = bytes([0xD7, 0xAA, 0x0F, 0x6D, 0x30, 0x61, 0x34, 0x4E])
_BLOCK_KEY_VALUE = bytes([0x14, 0x6E, 0x0B, 0xE7, 0xAB, 0xAC, 0xD0, 0xD6])
XLS_DEFAULT_PASSWORD = "VelvetSweatshop"  # Excel's own, for workbooks only protected against changes


class PasswordFileError(ValueError):
    """A password file that cannot be used: the message is one sentence for the user."""


@dataclass(frozen=True)
class Passwords:
    source: str  # the password file's name, for messages
    common: tuple[str, ...] = ()  # passwords given without an LA
    by_la: dict[str, str] = field(default_factory=dict)  # 9-character LA code -> password

    def __len__(self) -> int:
        return len(set(self.common) | set(self.by_la.values()))

    def candidates(self, hint: str) -> list[str]:
        """Every distinct password, the likeliest for a file called `hint` first."""
        from fgc_collect.read.filename import las_named_in

        named = [la.code for la in las_named_in(hint)]
        ordered = [self.by_la[code] for code in named if code in self.by_la]
        ordered += list(self.common)
        ordered += [password for code, password in sorted(self.by_la.items()) if code not in named]
        return list(dict.fromkeys(ordered))


def load_password_file(path: str | Path) -> Passwords:
    """The passwords in a file, or PasswordFileError saying why it cannot be used."""
    from fgc_collect.reference import find_la

    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise PasswordFileError(f"the password file {path.name} cannot be read ({error.strerror or error}).") from None
    if len(raw) > 1024 * 1024:
        raise PasswordFileError(f"the password file {path.name} is over 1 MB; it should hold one password or LA_CODE,password lines.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PasswordFileError(f"the password file {path.name} is not UTF-8 text; save it as plain text (UTF-8).") from None
    lines = [line.rstrip("\r\n") for line in text.splitlines()]
    lines = [line for line in lines if line.strip()]
    if not lines:
        raise PasswordFileError(f"the password file {path.name} is empty; put one password in it, or LA_CODE,password lines.")
    common: list[str] = []
    by_la: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        if number == 1 and line.replace(" ", "").lower().startswith(("la_code,", "lacode,", "la,", "code,")):
            continue
        match = _LA_LINE.fullmatch(line)
        if match and (len(lines) > 1 or find_la(match[1]) is not None):
            la = find_la(match[1])
            if la is None:
                raise PasswordFileError(
                    f"line {number} of the password file {path.name} starts with {match[1]!r}, which is not the "
                    "code of one of England's 153 local authorities."
                )
            password = match[2].strip()
            if not password:
                raise PasswordFileError(f"line {number} of the password file {path.name} has an LA code but no password.")
            by_la[la.code] = password
        else:
            common.append(line if len(lines) == 1 else line.strip())
    return Passwords(source=path.name, common=tuple(dict.fromkeys(common)), by_la=by_la)


def _stream(ole, name: str) -> bytes:
    with ole.openstream(name) as stream:
        return stream.read()


def _check_encryption_info(ole, name: str) -> None:
    """Refuse what no Office program writes before msoffcrypto parses it (its XML, its cost)."""
    info = _stream(ole, "EncryptionInfo")
    if len(info) > 64 * 1024:
        raise UnreadableReturn(f"{name} has encryption settings no Office program writes (too large), so it was not read.")
    if b"<!DOCTYPE" in info.upper() or b"<!ENTITY" in info.upper():
        raise UnreadableReturn(
            f"{name} contains an XML document type declaration in its encryption settings, which Office never "
            "writes and which is how entity-expansion attacks are built, so it was not read."
        )
    spin = re.search(rb'spinCount="(\d+)"', info)
    if spin and int(spin[1]) > MAX_SPIN_COUNT:
        raise UnreadableReturn(
            f"{name} asks for {int(spin[1]):,} rounds of password hashing (Office uses 100,000), a way to make "
            "opening it take hours, so it was not read."
        )


def _agile_secret_key(info: dict, password: str) -> bytes | None:
    """The package key for an agile-encrypted file (Excel 2010 and later), or None if the
    password is wrong. Same algorithm as msoffcrypto, with the costly hash chain run once."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    algorithm = info["passwordHashAlgorithm"].replace("-", "").lower()
    new = getattr(hashlib, algorithm)
    digest = new(info["passwordSalt"] + password.encode("utf-16-le")).digest()
    pack = struct.Struct("<I").pack
    for index in range(info["spinValue"]):
        digest = new(pack(index) + digest).digest()
    key_bytes = info["passwordKeyBits"] // 8

    def key_for(block: bytes) -> bytes:
        key = new(digest + block).digest()[:key_bytes]
        return key + b"\x36" * (key_bytes - len(key))

    def aes_decrypt(data: bytes, key: bytes) -> bytes:
        decryptor = Cipher(algorithms.AES(key), modes.CBC(info["passwordSalt"][:16])).decryptor()
        return decryptor.update(data) + decryptor.finalize()

    verifier_input = aes_decrypt(info["encryptedVerifierHashInput"], key_for(_BLOCK_VERIFIER_INPUT))
    expected = aes_decrypt(info["encryptedVerifierHashValue"], key_for(_BLOCK_VERIFIER_VALUE))
    actual = new(verifier_input).digest()
    if expected[: len(actual)] != actual:
        return None
    return aes_decrypt(info["encryptedKeyValue"], key_for(_BLOCK_KEY_VALUE))[:key_bytes]


def decrypt(data: bytes, name: str, hint: str, passwords: Passwords | None, kind: str) -> bytes:
    """The decrypted file (an .xlsx zip, or .xls bytes), or UnreadableReturn saying what to do.
    kind is "ooxml" (an encrypted .xlsx) or "xls"."""
    import msoffcrypto
    import olefile
    from msoffcrypto import exceptions as crypto_errors

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
        if kind == "ooxml":
            _check_encryption_info(ole, name)
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
    except UnreadableReturn:
        raise
    except Exception as error:  # noqa: BLE001 - olefile and msoffcrypto raise many kinds
        raise UnreadableReturn(
            f"{name} is password-protected but its encryption could not be read ({type(error).__name__}); "
            "ask the council to send it again."
        ) from None
    tried: list[str] = []
    candidates = list(passwords.candidates(hint)) if passwords else []
    if kind == "xls":
        candidates.insert(0, XLS_DEFAULT_PASSWORD)
    started = time.monotonic()
    for password in candidates:
        if time.monotonic() - started > PASSWORD_SECONDS:
            break
        tried.append(password)
        try:
            if getattr(office, "type", None) == "agile" and isinstance(getattr(office, "info", None), dict):
                secret = _agile_secret_key(office.info, password)
                if secret is None:
                    continue
                office.load_key(secret_key=secret)
            else:
                office.load_key(password=password, verify_password=True)
            out = io.BytesIO()
            office.decrypt(out)
            return out.getvalue()
        except (crypto_errors.InvalidKeyError, crypto_errors.DecryptionError):
            continue
        except Exception as error:  # noqa: BLE001 - a damaged encrypted file
            raise UnreadableReturn(
                f"{name} is password-protected but could not be decrypted ({type(error).__name__}); "
                "ask the council to save it again and resend it."
            ) from None
    if passwords is None:
        raise UnreadableReturn(
            f"{name} is password-protected: ask the council for the password (sent separately from the file) "
            "and give it with --password-file FILE (one password, or LA_CODE,password lines)."
        )
    real = [password for password in tried if password != XLS_DEFAULT_PASSWORD]
    if len(real) < len(passwords):
        raise UnreadableReturn(
            f"{name} is password-protected and none of the {len(real)} passwords from {passwords.source} tried in "
            f"{PASSWORD_SECONDS:g} seconds opened it: put the council's code or name in the file name so its own "
            "password is tried first."
        )
    which = "the password" if len(real) == 1 else f"none of the {len(real)} passwords"
    verb = "does not open it" if len(real) == 1 else "opens it"
    raise UnreadableReturn(
        f"{name} is password-protected and {which} in {passwords.source} {verb}: ask the council for its "
        f"password and add a line LA_CODE,password to {passwords.source}."
    )
