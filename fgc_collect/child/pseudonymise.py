"""Pseudonymisation on arrival: the one module that sees a council's raw child_id and family_id.

Each identifier becomes HMAC-SHA256(key, "<LA code>|<child|family>|<identifier>") in hex, with a
32-byte key the research team holds (`fgc-collect keygen --key-file K`). The same child in the
same LA gets the same pseudonym in every return and every year the key is used; without the key
the pseudonym cannot be turned back into the identifier, nor tested against a guessed one.

Before hashing, the raw values are screened for what FGC302 (blank, too long) and FGC311 (an NHS
number, a name, a date of birth) need to know, and only the findings are kept: never the value.
Nothing here logs, prints or raises with an identifier in its text.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from functools import cache
from pathlib import Path

import polars as pl

KEY_BYTES = 32
ID_SEPARATOR = "|"

# FGC311 findings (kept in the `<column>_personal` column); FGC302 findings (`<column>_problem`).
NHS_NUMBER, NAME, DATE_OF_BIRTH = "nhs_number", "name", "date"
TOO_LONG = "too_long"

_NAME = r"^[A-Za-z][A-Za-z'\u2019.\-]*(?: [A-Za-z][A-Za-z'\u2019.\-]*)+$"  # "Jane Smith", "O'Neil Jones"
_DATE = (
    r"^(?:\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{2}|\d{4})"  # 03/04/2015, 3.4.15
    r"|\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"  # 2015-04-03, a date cell
    r"|\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]* \d{4})$"  # 3 April 2015
)


class KeyFileError(Exception):
    """The key file is missing, unreadable or not a key; the message is one plain sentence."""


# --------------------------------------------------------------------------- the key


def keygen(path: str | os.PathLike) -> Path:
    """Write a new random key (32 bytes, hex) to `path`, readable by its owner only (0600).

    Refuses to overwrite an existing file: with another key, the same child would get another
    pseudonym, and returns could no longer be linked."""
    path = Path(path)
    if path.exists():
        raise KeyFileError(
            f"{path} already exists; a new key would break the link between returns pseudonymised "
            "with the old one, so keygen never overwrites a key (choose another file name)."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        raise KeyFileError(f"the key file {path} could not be created ({error.strerror}).") from None
    with os.fdopen(handle, "w", encoding="ascii") as stream:
        stream.write(secrets.token_bytes(KEY_BYTES).hex() + "\n")
    os.chmod(path, 0o600)  # whatever the umask made of it
    if os.name == "posix" and not key_is_private(path):
        raise KeyFileError(
            f"the key was written to {path}, but that folder's file system lets other users read it "
            f"({stat.filemode(path.stat().st_mode)}); move the file to a private folder on a local disk."
        )
    return path


def load_key(path: str | os.PathLike | None) -> bytes:
    """The key in `path`, or KeyFileError with one sentence saying what to do. A key file others may
    read or change is refused: with the key, anyone could test a guessed child id against the
    pseudonyms."""
    if path is None:
        raise KeyFileError("no key file was given; pseudonymising child-level returns needs --key-file.")
    path = Path(path)
    if not path.is_file():
        raise KeyFileError(
            f"the key file {path} does not exist; create it once with `fgc-collect keygen --key-file {path}` "
            "and keep it safe (returns pseudonymised with another key cannot be linked)."
        )
    try:
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except (OSError, UnicodeDecodeError, ValueError):
        raise KeyFileError(f"{path} is not a key file written by `fgc-collect keygen` (64 hexadecimal characters).") from None
    if len(key) != KEY_BYTES:
        raise KeyFileError(f"{path} is not a key file written by `fgc-collect keygen` (64 hexadecimal characters).")
    if os.name == "posix" and not key_is_private(path):  # elsewhere the mode bits do not say who may read it
        raise KeyFileError(
            f"the key file {path} can be read or changed by other users ({stat.filemode(path.stat().st_mode)}), so it is "
            f"not used; make it private with `chmod 600 {path}` and run the command again."
        )
    return key


def key_is_private(path: str | os.PathLike) -> bool:
    """Whether only the owner may read or change the key file (what keygen makes)."""
    mode = Path(path).stat().st_mode
    return not mode & (stat.S_IRGRP | stat.S_IWGRP | stat.S_IROTH | stat.S_IWOTH)


def key_id(key: bytes) -> str:
    """A short, stable name for a key (not the key): stored with pseudonymised rows, so that rows
    made with different keys are never taken to be linkable."""
    return hmac.new(key, b"fgc-collect key id", hashlib.sha256).hexdigest()[:12]


@cache
def ephemeral_key() -> bytes:
    """A random key for this process only: `validate` without --key-file compares identifiers
    within the files it checks, and its pseudonyms mean nothing anywhere else."""
    return secrets.token_bytes(KEY_BYTES)


# --------------------------------------------------------------------------- identifiers


def normalise_ids(raw: pl.Expr) -> pl.Expr:
    """The identifier as compared and hashed: surrounding spaces removed, inner runs of spaces made
    one, upper case (so " ab12 " and "AB12" are one child); blank is null."""
    text = raw.str.strip_chars().str.replace_all(r"\s+", " ").str.to_uppercase()
    return pl.when(text.str.len_chars() > 0).then(text).otherwise(None)


def _ten_digits(ids: pl.Expr) -> pl.Expr:
    """The identifier as a number when it is ten digits (spaces or hyphens allowed), else null."""
    digits = ids.str.replace_all(r"[ \-]", "")
    candidate = digits.str.contains(r"^\d{10}$")
    # only ten-digit values reach the cast (a failing cast is slow); the rest are "0", then null
    return pl.when(candidate).then(pl.when(candidate).then(digits).otherwise(pl.lit("0")).cast(pl.Int64, strict=False))


def _valid_nhs_number(number: pl.Expr) -> pl.Expr:
    """A ten-digit number with a valid modulus 11 check digit (`number` a column: it is read 10 times)."""
    weighted = pl.sum_horizontal([(number // 10 ** (9 - i) % 10) * (10 - i) for i in range(9)])
    check = (11 - weighted % 11) % 11  # 11 -> 0; 10 can never be valid
    return ((check != 10) & (check == number % 10)).fill_null(False)


def screen_ids(frame: pl.DataFrame, column: str, max_chars: int | None) -> pl.DataFrame:
    """`<column>_problem` and `<column>_personal` for a column of normalised identifiers, without
    their values: problem is "too_long" or null (FGC302); personal is "nhs_number", "name",
    "date" or null (FGC311)."""
    ids = pl.col(column)
    if max_chars:
        problem = pl.when(ids.str.len_chars() > max_chars).then(pl.lit(TOO_LONG))
    else:
        problem = pl.lit(None, dtype=pl.String)
    number = frame.select(_ten_digits(ids)).to_series()
    if number.is_null().all():
        nhs = pl.lit(False)
    else:
        nhs = _valid_nhs_number(pl.lit(number))
    personal = (
        pl.when(nhs).then(pl.lit(NHS_NUMBER))
        .when(ids.str.contains(r"(?i)" + _DATE)).then(pl.lit(DATE_OF_BIRTH))
        .when(ids.str.contains(_NAME)).then(pl.lit(NAME))
    )
    return frame.with_columns(
        problem.cast(pl.String).alias(f"{column}_problem"), personal.cast(pl.String).alias(f"{column}_personal")
    )


def hmac_sha256_hex(key: bytes):
    """A function message -> HMAC-SHA256(key, message) in hex (RFC 2104, as `hmac.new(key,
    message, "sha256").hexdigest()`), with the keyed inner and outer states computed once: about
    three times as fast as `hmac.digest` over many short messages (a test holds it to `hmac`)."""
    sha256 = _fast_sha256()
    block = 64
    if len(key) > block:
        key = sha256(key).digest()
    key = key.ljust(block, b"\0")
    inner = sha256(bytes(byte ^ 0x36 for byte in key))
    outer = sha256(bytes(byte ^ 0x5C for byte in key))

    def digest(message: bytes) -> str:
        state = inner.copy()
        state.update(message)
        result = outer.copy()
        result.update(state.digest())
        return result.hexdigest()

    return digest


def _fast_sha256():
    """CPython's built-in SHA-256 (copying its state is cheaper than OpenSSL's), else hashlib's."""
    for module in ("_sha2", "_sha256"):
        try:
            return __import__(module).sha256
        except (ImportError, AttributeError):
            continue
    return hashlib.sha256


def pseudonyms(ids: pl.Series, key: bytes, la_code: str, kind: str) -> pl.Series:
    """HMAC-SHA256 of "<LA code>|<kind>|<identifier>" for each normalised identifier (hex); null
    stays null. Each distinct value is hashed once."""
    prefix = f"{la_code}{ID_SEPARATOR}{kind}{ID_SEPARATOR}".encode()
    digest = hmac_sha256_hex(key)
    distinct = ids.drop_nulls().unique()
    hashed = pl.Series([digest(prefix + value.encode("utf-8")) for value in distinct.to_list()], dtype=pl.String)
    lookup = pl.DataFrame({"_id": distinct, "_pseudonym": hashed})
    return ids.to_frame("_id").join(lookup, on="_id", how="left", maintain_order="left").get_column("_pseudonym")


def pseudonymise(raw: pl.DataFrame, key: bytes, la_code: str, max_chars: dict[str, int | None]) -> pl.DataFrame:
    """`raw` with each id column replaced by its pseudonym, and `<column>_problem` and
    `<column>_personal` findings beside it. The raw values do not survive this function."""
    from fgc_collect.child.spec import ID_COLUMNS

    frame = raw.with_columns(normalise_ids(pl.col(column)).alias(column) for column in ID_COLUMNS)
    for column in ID_COLUMNS:
        frame = screen_ids(frame, column, max_chars.get(column))
    kinds = {"child_id": "child", "family_id": "family"}
    return frame.with_columns(
        pseudonyms(frame.get_column(column), key, la_code, kinds[column]).alias(column) for column in ID_COLUMNS
    )
