"""Passwords given to ``symnet export --to`` are never printed, whatever the shape of the
connection string (issue #11, item 3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from symnet.cli import app
from symnet.outputs.postgis import _engine_url, _mask_text, mask_url

SECRET = "s3cretPW"
TINY = Path(__file__).parents[1] / "fixtures" / "tiny"
runner = CliRunner()


@pytest.fixture(scope="module")
def result_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pg") / "result"
    run = runner.invoke(app, ["run", str(TINY), "--out", str(out), "--basemap", "none"])
    assert run.exit_code == 0, run.output
    return out


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql://u:s3cretPW@h:5432/db", "postgresql://u:***@h:5432/db"),
        ("postgresql://u@h/db?password=s3cretPW", "postgresql://u@h/db?password=***"),
        ("postgresql://u@h/db?sslmode=require&PWD=s3cretPW&x=1", "postgresql://u@h/db?sslmode=require&PWD=***&x=1"),
        ("postgresql://u:s3c@retPW@h/db", "postgresql://u:***@h/db"),
        ("postgresql://u:s3c?ret/PW@h/db", "postgresql://u:***@h/db"),
        ("postgresql://u:s3c%40retPW@h/db", "postgresql://u:***@h/db"),
        ("u:s3cretPW@h/db", "u:***@h/db"),
        ("host=h password=s3cretPW dbname=db", "host=h password=*** dbname=db"),
        ("host=h password = 's3cret PW' dbname=db", "host=h password=*** dbname=db"),
        ("postgresql://u@h/db", "postgresql://u@h/db"),
    ],
)
def test_mask_url_shapes(url: str, masked: str) -> None:
    assert mask_url(url) == masked
    assert "s3c" not in _mask_text(f"could not connect to {url}: bad password {url.split('=')[-1]}", url)


def test_an_unencoded_at_reaches_the_driver_encoded() -> None:
    assert _engine_url("postgresql://u:s3c@ret@h/db") == "postgresql+psycopg://u:s3c%40ret@h/db"
    assert _engine_url("postgresql://u:s3c%40ret@h/db") == "postgresql+psycopg://u:s3c%40ret@h/db"


@pytest.mark.parametrize(
    "shape",
    [
        "postgresql://analyst:{pw}@/nodb?host={sock}&port=1",
        "postgresql://analyst@/nodb?host={sock}&port=1&password={pw}",
        "postgresql://analyst:s3c@retPW@/nodb?host={sock}&port=1",
        "analyst:{pw}@localhost/nodb",
        "host={sock} port=1 user=analyst password={pw} dbname=nodb",
    ],
)
def test_export_never_echoes_the_password(shape: str, result_dir: Path, tmp_path: Path) -> None:
    url = shape.format(pw=SECRET, sock=tmp_path)
    cli = runner.invoke(app, ["export", str(result_dir), "--format", "postgis", "--to", url])
    assert cli.exit_code in (1, 2), cli.output
    for piece in (SECRET, "s3c", "retPW"):
        assert piece not in cli.output
    assert "***" in cli.output
    assert "Traceback" not in cli.output
