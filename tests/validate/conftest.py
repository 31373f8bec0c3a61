import pytest

from fgc_collect.validate import validate_returns
from tests.validate.returns import CASES, build_case, make_return


@pytest.fixture(scope="session")
def validated():
    """Every registered case, validated in one batch (cell and return rules) by the default engine:
    name -> ReturnResult. The parity test validates them again with Great Expectations."""
    names = list(CASES)
    results = validate_returns([build_case(name) for name in names], scopes=("cell", "return"))
    return dict(zip(names, results))


@pytest.fixture(scope="session")
def clean_return():
    return make_return()
