"""PostGIS export of the output layers, in one transaction; passwords never printed."""

from __future__ import annotations

import re

import geopandas as gpd

from symnet.errors import InputError, Problem, SymnetError
from symnet.outputs.tables import LAYERS

_SECRET_KEYS = r"(?:password|passwd|pwd|pass|sslpassword|sslkey_password)"
_QUERY_SECRET = re.compile(rf"(?i)(^|[?&;]){_SECRET_KEYS}=[^&#;]*")
_KEYWORD_SECRET = re.compile(rf"(?i)(?<![\w])({_SECRET_KEYS})\s*=\s*('(?:[^'\\]|\\.)*'?|\S*)")


def _split_userinfo(url: str) -> tuple[str, str | None, str]:
    """(scheme:// or '', userinfo or None, the rest) of a URL or a bare
    ``user:pass@host/db``. The userinfo runs to the LAST ``@``, so an unencoded ``@``,
    ``/`` or ``?`` in a password stays inside it (an ``@`` in the query string makes the
    masked part longer, never shorter)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    else:
        scheme += sep
    if "@" not in rest:
        return scheme, None, rest
    at = rest.rfind("@")
    return scheme, rest[:at], rest[at:]


def mask_url(url: str) -> str:
    """``url`` with every password replaced by ``***`` (for messages and logs): the
    password of ``USER:PASSWORD@`` (also unencoded ``@`` in it, also without a scheme),
    ``password=`` (``passwd``, ``pwd``, ``sslpassword`` ...) in the query string, and
    libpq keyword strings (``host=h password=secret dbname=d``).

    >>> mask_url("postgresql://u:p@ss@h/db?password=x&sslmode=require")
    'postgresql://u:***@h/db?password=***&sslmode=require'
    """
    scheme, userinfo, rest = _split_userinfo(url)
    if userinfo is not None and ":" in userinfo and "=" not in userinfo.split(":", 1)[0]:
        rest = f"{userinfo.split(':', 1)[0]}:***{rest}"
    elif userinfo is not None:
        rest = userinfo + rest
    masked = scheme + rest
    if scheme or userinfo is not None:  # a URL: secrets in its query string
        return _QUERY_SECRET.sub(lambda m: m.group(0).split("=", 1)[0] + "=***", masked)
    return _KEYWORD_SECRET.sub(lambda m: f"{m.group(1)}=***", masked)  # libpq keyword=value


def _passwords(url: str) -> list[str]:
    """Every password ``url`` carries, as written and percent-decoded (longest first)."""
    from urllib.parse import unquote

    found: list[str] = []
    scheme, userinfo, _ = _split_userinfo(url)
    if userinfo is not None and ":" in userinfo:
        found.append(userinfo.split(":", 1)[1])
    if scheme or userinfo is not None:
        found += [m.group(0).split("=", 1)[1] for m in _QUERY_SECRET.finditer(url)]
    else:
        found += [m.group(2).strip("'") for m in _KEYWORD_SECRET.finditer(url)]
    found += [unquote(p) for p in found]
    return sorted({p for p in found if p}, key=len, reverse=True)


def _mask_text(text: str, url: str) -> str:
    """``text`` (e.g. a driver's error message) with ``url`` masked and every password in
    it replaced by ``***``."""
    text = text.replace(url, mask_url(url))
    for password in _passwords(url):
        text = text.replace(password, "***")
    return text


def _engine_url(url: str) -> str:
    """The SQLAlchemy URL: the psycopg driver, and the password percent-encoded (an
    unencoded ``@`` would otherwise split it, and the driver would echo the pieces as
    the host name)."""
    from urllib.parse import quote, unquote

    scheme, userinfo, rest = _split_userinfo(url)
    if userinfo is not None and ":" in userinfo:
        user, password = userinfo.split(":", 1)
        url = f"{scheme}{user}:{quote(unquote(password), safe='')}{rest}"
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
                    f"'{_mask_text(url, url)}' is not a PostgreSQL URL; expected postgresql://USER@HOST:PORT/DB",
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
        raise SymnetError(f"PostGIS export to {_mask_text(url, url)} failed, nothing was changed: {message}") from None
    return written
