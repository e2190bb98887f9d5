"""PostGIS export of the output layers, in one transaction; passwords never printed."""

from __future__ import annotations

import re

import geopandas as gpd

from symnet.errors import InputError, Problem, SymnetError
from symnet.outputs.tables import LAYERS


def mask_url(url: str) -> str:
    """The URL with its password replaced by ``***`` (for messages and logs)."""
    return re.sub(r"(://[^:/@?]*:)[^@]*@", r"\1***@", url)


def _mask_text(text: str, url: str) -> str:
    from sqlalchemy.engine import make_url

    text = text.replace(url, mask_url(url))
    try:
        password = make_url(url).password
    except Exception:
        password = None
    if password:
        text = text.replace(str(password), "***")
    return text


def _engine_url(url: str) -> str:
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def export_postgis(layers: dict[str, gpd.GeoDataFrame], url: str, schema: str = "symnet") -> list[str]:
    """Write the layers into ``schema`` of a PostGIS database in ONE transaction: the
    previous run's tables are dropped and recreated (with a GIST index on ``geometry``)
    and everything is committed together, or nothing is (the old tables stay).

    Parameters
    ----------
    url : str
        ``postgresql://USER[:PASSWORD]@HOST:PORT/DB`` (unix sockets:
        ``postgresql://USER@/DB?host=/socket/dir&port=5432``). The password is never
        printed: messages show it as ``***``.

    Returns
    -------
    list of str
        The qualified table names written.

    Raises
    ------
    InputError
        For a bad schema name or URL; SymnetError when the database refuses.
    """
    import sqlalchemy as sa

    if not _IDENT.match(schema):
        raise InputError(
            [
                Problem(
                    "--schema", None, None, f"'{schema}' is not a plain SQL identifier; expected letters, digits and _"
                )
            ]
        )
    if not re.match(r"^postgres(ql)?(\+psycopg)?://", url):
        raise InputError(
            [
                Problem(
                    "--to",
                    None,
                    None,
                    f"'{mask_url(url)}' is not a PostgreSQL URL; expected postgresql://USER@HOST:PORT/DB",
                )
            ]
        )
    written: list[str] = []
    try:
        engine = sa.create_engine(_engine_url(url))
        try:
            with engine.begin() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
                for name in LAYERS:
                    gdf = layers[name]
                    conn.execute(sa.text(f'DROP TABLE IF EXISTS "{schema}"."{name}" CASCADE'))
                    gdf.to_postgis(name, conn, schema=schema, if_exists="fail", index=False)
                    has_index = conn.execute(
                        sa.text(
                            "SELECT count(*) FROM pg_indexes WHERE schemaname = :s AND tablename = :t AND indexdef ILIKE '%USING gist%'"
                        ),
                        {"s": schema, "t": name},
                    ).scalar()
                    if not has_index:
                        conn.execute(
                            sa.text(f'CREATE INDEX "{name}_geometry_gist" ON "{schema}"."{name}" USING GIST (geometry)')
                        )
                    written.append(f"{schema}.{name}")
        finally:
            engine.dispose()
    except (InputError, SymnetError):
        raise
    except Exception as exc:
        message = _mask_text(f"{type(exc).__name__}: {exc}".splitlines()[0], url)
        raise SymnetError(f"PostGIS export to {mask_url(url)} failed, nothing was changed: {message}") from None
    return written
