"""Fixtures for the register's tests: a folder of real returns (built once), a quick validator,
and stores of both kinds (SQLite in a folder; PostgreSQL on the test server)."""

from __future__ import annotations

import functools
import shutil

import pytest

from tests.register import helpers

# Three LAs, two versions of Durham (the second corrects A10 and D2), and a Darlington return
# made on Hartlepool's prefilled template with Darlington's name typed over A1.
DURHAM, DARLINGTON, HARTLEPOOL, GATESHEAD = "E06000047", "E06000005", "E06000001", "E08000037"


@pytest.fixture(scope="session")
def returns_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("returns")
    helpers.write_return(folder / "Durham FGC return.xlsx", DURHAM, seed=1)
    helpers.write_return(folder / "Durham FGC return v2.xlsx", DURHAM, seed=1, A10=3.5, D2=40)
    helpers.write_return(folder / "Darlington return.xlsx", DARLINGTON, seed=2)
    helpers.write_return(folder / "Gateshead return.xlsx", GATESHEAD, seed=3, B3_5TO9="<5")  # FGC002
    helpers.write_return(folder / "Hartlepool template from Darlington.xlsx", DARLINGTON, template_la=HARTLEPOOL,
                         seed=4, A2=helpers.la(HARTLEPOOL).code)
    return folder


@pytest.fixture
def returns(returns_dir, tmp_path):
    """A private copy of the returns (tests may add files beside them)."""
    copy = tmp_path / "returns"
    shutil.copytree(returns_dir, copy)
    return copy


@pytest.fixture(scope="session")
def quick_validator():
    """The real validator without the Great Expectations suites (seconds per call saved): cell
    rules, and the rules against other returns (FGC201-FGC204)."""
    from fgc_collect.validate import validate_returns

    return functools.partial(validate_returns, scopes=("cell", "batch"))


@pytest.fixture
def sqlite_store(tmp_path):
    return str(tmp_path / "store")


@pytest.fixture
def postgres_store():
    server = helpers.postgres_server_url()
    url, name = helpers.fresh_postgres_database(server)
    yield url
    helpers.drop_postgres_database(server, name)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """Each test that takes `store` runs on both kinds of register."""
    if request.param == "sqlite":
        yield str(tmp_path / "store")
        return
    yield request.getfixturevalue("postgres_store")
