from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def demo_publication(tmp_path_factory):
    """The demo published once for the session: (folder, tables)."""
    from fgc_collect.aggregate import build_tables
    from fgc_collect.publish import publish
    from fgc_collect.publish.sources import demo_inputs

    folder = tmp_path_factory.mktemp("published")
    tables = build_tables(demo_inputs())
    publish(tables, folder)
    return folder, tables


@pytest.fixture(scope="session")
def handbuilt_publication(tmp_path_factory):
    from fgc_collect.aggregate import build_tables
    from fgc_collect.publish import publish

    from tests.aggregate.handbuilt import handbuilt_inputs

    folder = tmp_path_factory.mktemp("handbuilt")
    tables = build_tables(handbuilt_inputs())
    publish(tables, folder)
    return folder, tables
