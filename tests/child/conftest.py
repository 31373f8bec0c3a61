import pytest


@pytest.fixture(autouse=True, scope="package")
def a_2023_24_collection(tmp_path_factory):
    """The hand-built rows (rows.py) and the demo's are a 2023-24 collection's: a child-level CSV names
    no year, so it is read as the survey file's year (else the latest the project knows). The tests of
    2024-25 rows give their spec or year themselves."""
    survey = tmp_path_factory.mktemp("survey") / "fgc-survey.yaml"
    survey.write_text('year: "2023-24"\n', encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FGC_SURVEY", str(survey))
        yield survey
