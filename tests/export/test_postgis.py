"""PostGIS export against a real PostgreSQL 15 + PostGIS 3 server started for the session
(private data directory, unix socket only, no TCP), stopped at teardown."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import geopandas as gpd
import pytest
import sqlalchemy as sa

from symnet.errors import SymnetError
from symnet.outputs import LAYERS, build_layers, export_postgis, mask_url

pytestmark = pytest.mark.postgis

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PORT = 54329


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="session")
def pg_url() -> str:
    if not (PG_BIN / "initdb").exists():
        pytest.fail("PostgreSQL 15 is not installed; run tools/system-deps.sh (make test does)")
    root = Path(tempfile.mkdtemp(prefix="symnet-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
        os.chmod(root, 0o755)
    user = "postgres" if os.geteuid() == 0 else os.environ.get("USER", "postgres")
    subprocess.run(
        _as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", user, "--no-sync"]),
        check=True,
        capture_output=True,
    )
    opts = f"-k {sock} -p {PORT} -c listen_addresses='' -c fsync=off"
    subprocess.run(
        _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", opts, "-w", "-l", str(root / "log"), "start"]),
        check=True,
        capture_output=True,
    )
    try:
        psql = ["psql", "-h", str(sock), "-p", str(PORT), "-U", user, "-v", "ON_ERROR_STOP=1"]
        subprocess.run([*psql, "-d", "postgres", "-c", "CREATE DATABASE symnet_test"], check=True, capture_output=True)
        subprocess.run([*psql, "-d", "symnet_test", "-c", "CREATE EXTENSION postgis"], check=True, capture_output=True)
        yield f"postgresql://{user}@/symnet_test?host={sock}&port={PORT}"
    finally:
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]), capture_output=True
        )
        shutil.rmtree(root, ignore_errors=True)


def _engine(url: str) -> sa.Engine:
    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


def test_round_trip_with_gist_indexes(pg_url, result, scenario):
    layers = build_layers(result, scenario)
    written = export_postgis(layers, pg_url, schema="symnet")
    assert written == [f"symnet.{n}" for n in LAYERS]
    engine = _engine(pg_url)
    with engine.connect() as conn:
        for name in LAYERS:
            back = gpd.read_postgis(f'SELECT * FROM symnet."{name}"', conn, geom_col="geometry")
            want = layers[name]
            assert back.crs.to_epsg() == 3006
            assert len(back) == len(want)
            for a, b in zip(back.geometry, want.geometry):
                assert a.equals_exact(b, 1e-6)
            for col in [c for c in want.columns if c != "geometry"]:
                if want[col].dtype.kind == "f":
                    assert back[col].tolist() == pytest.approx(want[col].tolist(), nan_ok=True), col
                else:  # empty text comes back as NULL
                    assert back[col].fillna("").tolist() == want[col].tolist(), col
            gist = conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_indexes WHERE schemaname='symnet' AND tablename=:t "
                    "AND indexdef ILIKE '%USING gist%'"
                ),
                {"t": name},
            ).scalar()
            assert gist == 1, f"{name} has no GIST index"
    engine.dispose()


def test_failed_export_leaves_previous_tables(pg_url, result, scenario):
    layers = build_layers(result, scenario)
    export_postgis(layers, pg_url, schema="txn")
    broken = dict(layers)
    # the third layer cannot be created (two column names equal after PostgreSQL's 63-character
    # truncation): actors and sites were already replaced, so the whole export must roll back
    bad = layers["exchanges"].iloc[:1].copy()
    bad["x" * 70 + "a"] = 1
    bad["x" * 70 + "b"] = 2
    broken["exchanges"] = bad
    broken["actors"] = layers["actors"].iloc[:1]
    with pytest.raises(SymnetError, match="nothing was changed"):
        export_postgis(broken, pg_url, schema="txn")
    engine = _engine(pg_url)
    with engine.connect() as conn:
        for name in LAYERS:
            n = conn.execute(sa.text(f'SELECT count(*) FROM txn."{name}"')).scalar()
            assert n == len(layers[name]), name
    engine.dispose()


def test_password_never_in_messages(result, scenario, tmp_path):
    url = f"postgresql://analyst:s3cretPW@/nodb?host={tmp_path}&port=1"
    with pytest.raises(SymnetError) as info:
        export_postgis(build_layers(result, scenario), url)
    assert "s3cretPW" not in str(info.value)
    assert "analyst:***@" in str(info.value)
    assert mask_url("postgresql://u:p%40ss@h:5432/db") == "postgresql://u:***@h:5432/db"
