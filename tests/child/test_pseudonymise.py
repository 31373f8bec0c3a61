"""The key and the keyed hash: what the research team holds, and what the register sees."""

from __future__ import annotations

import hmac
import os
import stat

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fgc_collect.child.pseudonymise import (
    KeyFileError,
    hmac_sha256_hex,
    key_id,
    key_is_private,
    keygen,
    load_key,
    pseudonyms,
)
from fgc_collect.child.read import read_child_return
from tests.child.rows import row, write_csv


def test_keygen_writes_32_random_bytes_in_hex_readable_by_the_owner_only(tmp_path):
    path = keygen(tmp_path / "keys" / "fgc.key")
    text = path.read_text()
    assert len(text.strip()) == 64 and bytes.fromhex(text.strip())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and key_is_private(path)
    assert load_key(path) == bytes.fromhex(text.strip())
    assert load_key(keygen(tmp_path / "other.key")) != load_key(path)


def test_keygen_never_overwrites_a_key(tmp_path):
    path = keygen(tmp_path / "fgc.key")
    before = path.read_bytes()
    with pytest.raises(KeyFileError, match="already exists; a new key would break the link"):
        keygen(path)
    assert path.read_bytes() == before


def test_a_missing_key_file_is_one_sentence_saying_what_to_do(tmp_path):
    with pytest.raises(KeyFileError) as caught:
        load_key(tmp_path / "fgc.key")
    message = str(caught.value)
    assert message.startswith(f"the key file {tmp_path / 'fgc.key'} does not exist; create it once with "
                              f"`fgc-collect keygen --key-file {tmp_path / 'fgc.key'}`")
    assert "\n" not in message and message.endswith("cannot be linked).")


@pytest.mark.parametrize("content", ["not a key", "00" * 16, ""])
def test_a_file_that_is_not_a_key_is_refused(tmp_path, content):
    path = tmp_path / "fgc.key"
    path.write_text(content)
    with pytest.raises(KeyFileError, match="is not a key file written by `fgc-collect keygen`"):
        load_key(path)


@settings(max_examples=200, deadline=None)
@given(key=st.binary(min_size=1, max_size=100), message=st.binary(max_size=200))
def test_the_fast_hmac_is_hmac_sha256(key, message):
    assert hmac_sha256_hex(key)(message) == hmac.new(key, message, "sha256").hexdigest()


def test_the_same_identifier_written_differently_is_one_child():
    key = os.urandom(32)
    from fgc_collect.child.pseudonymise import normalise_ids

    ids = pl.DataFrame({"id": [" ab12 ", "AB12", "ab  12", "AB 12", None, "  "]}).select(normalise_ids(pl.col("id"))).to_series()
    hashed = pseudonyms(ids, key, "E06000047", "child").to_list()
    assert hashed[0] == hashed[1] and hashed[2] == hashed[3] and hashed[0] != hashed[2]
    assert hashed[4] is None and hashed[5] is None
    assert all(len(value) == 64 for value in hashed[:4])


def test_pseudonyms_depend_on_the_key_the_la_and_the_kind_of_id():
    ids = pl.Series(["C100"])
    key = bytes(32)
    base = pseudonyms(ids, key, "E06000047", "child")[0]
    assert base == hmac.new(key, b"E06000047|child|C100", "sha256").hexdigest()
    assert pseudonyms(ids, bytes([1]) * 32, "E06000047", "child")[0] != base
    assert pseudonyms(ids, key, "E08000021", "child")[0] != base  # another LA's C100 is another child
    assert pseudonyms(ids, key, "E06000047", "family")[0] != base


def test_a_child_links_across_returns_and_years_with_the_same_key(tmp_path):
    key = bytes(range(32))
    first = read_child_return(write_csv(tmp_path / "2023.csv", [row(child_id="C777")]), key=key)
    second = read_child_return(write_csv(tmp_path / "2024.xlsx.csv", [row(child_id=" c777 ", family_id="F9")]), key=key)
    assert first.rows["child_id"][0] == second.rows["child_id"][0]
    assert first.key_id == second.key_id == key_id(key)
    without_key = read_child_return(write_csv(tmp_path / "again.csv", [row(child_id="C777")]))
    assert without_key.rows["child_id"][0] != first.rows["child_id"][0]  # a key of this process only
    assert without_key.key_id != first.key_id


def test_the_key_id_names_a_key_without_revealing_it():
    key = bytes(range(32))
    assert key_id(key) == key_id(key) and len(key_id(key)) == 12
    assert key_id(key) not in key.hex()
