"""Real returns, emails and zips for the register's tests, and a PostgreSQL database per test."""

from __future__ import annotations

import io
import os
import uuid
import zipfile
from email.message import EmailMessage
from email.utils import format_datetime
from datetime import datetime, timezone
from pathlib import Path

import pytest

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
POSTGRES_ENV = "FGC_TEST_POSTGRES_URL"


def la(code: str):
    from fgc_collect.reference import find_la

    return find_la(code)


def return_values(la_code: str, seed: int = 1, **changes) -> dict:
    """A complete, consistent return for the LA (the demo's generator), with `changes` applied."""
    import numpy as np

    from fgc_collect.demo.synthetic import clean_return
    from fgc_collect.spec import load_spec

    values = clean_return(la(la_code), np.random.default_rng(seed), load_spec())
    values.update(changes)
    return values


def write_return(path: Path, la_code: str, template_la: str | None = None, seed: int = 1, **changes) -> Path:
    """A real .xlsx return: the template prefilled for `template_la` (default: the LA itself),
    filled in through its defined names."""
    from fgc_collect.template import fill_template

    path.parent.mkdir(parents=True, exist_ok=True)
    return fill_template(return_values(la_code, seed, **changes), path, la=la(template_la or la_code))


def email_with(
    attachments: list[tuple[str, bytes, tuple[str, str]]],
    sender: str = "fgc.lead@durham.gov.uk",
    date: datetime = datetime(2025, 3, 20, 9, 30, tzinfo=timezone.utc),
    subject: str = "FGC survey return",
    inline_image: bool = False,
    forwarded: EmailMessage | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"FGC Lead <{sender}>"
    message["To"] = "fgc.survey@example.org"
    message["Subject"] = subject
    message["Date"] = format_datetime(date)
    message.set_content("Please find our return attached.\n")
    if inline_image:
        message.add_alternative('<p>Return attached.</p><img src="cid:logo@council">', subtype="html")
        message.get_payload()[1].add_related(b"\x89PNG\r\n\x1a\n fake logo", "image", "png", cid="<logo@council>")
    for name, data, (maintype, subtype) in attachments:
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    if forwarded is not None:
        message.add_attachment(forwarded)  # message/rfc822, as mail programs forward "as attachment"
    return message


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def postgres_server_url() -> str:
    """The test server's URL; without it the PostgreSQL tests skip locally and FAIL in CI."""
    url = os.environ.get(POSTGRES_ENV)
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(f"{POSTGRES_ENV} is not set: scripts/test.sh starts PostgreSQL with scripts/start-postgres.sh.")
    pytest.skip(f"no PostgreSQL server ({POSTGRES_ENV} not set; run scripts/start-postgres.sh)")


def fresh_postgres_database(server_url: str) -> tuple[str, str]:
    """(URL of a new empty database on the test server, its name)."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    name = f"fgc_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    parts = conninfo_to_dict(server_url)
    parts["dbname"] = name
    user = parts.get("user", "")
    password = f":{parts['password']}" if parts.get("password") else ""
    url = f"postgresql://{user}{password}@{parts.get('host', '127.0.0.1')}:{parts.get('port', 5432)}/{name}"
    return url, name


def drop_postgres_database(server_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
