"""Jinja2 rendering of the text outputs (``report.html``, ``report.md``) from the
templates in ``symnet/templates/``.

Every value a template prints is escaped for the target format unless the template
marks it safe: HTML through jinja2's autoescaping (with :func:`symnet.outputs._format.escape_html`), Markdown through
:func:`escape_markdown` (applied by the environment's ``finalize`` hook to every
``{{ ... }}``), so a company name such as ``<svg onload=alert(1)>`` or
``[x](javascript:alert(1))`` is shown as text, never run. Undefined names are errors
(``StrictUndefined``): a template typo fails the test suite instead of printing nothing.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup

from symnet.outputs._format import escape_html

__all__ = ["escape_markdown", "render"]

_MD_BACKSLASHED = re.compile(r"([\\`*|~])")
_MD_LINK_CLOSE = re.compile(r"\](?=[(\[:])")
_MD_TAG_START = re.compile(r"<(?=[A-Za-z!/?])")
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")
_MD_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def escape_markdown(value: Any) -> str:
    """``str(value)`` as literal Markdown text: inline HTML, links (a ``]`` before ``(``, ``[`` or ``:``), emphasis, code and
    table pipes are neutralised; newlines become spaces (values sit in table cells).

    >>> escape_markdown("<svg onload=alert(1)>")
    '&lt;svg onload=alert(1)>'
    >>> escape_markdown("[x](javascript:alert(1))")
    '[x\\\\](javascript:alert(1))'
    >>> escape_markdown("outputs[0] = [0.3, 0.7]")
    'outputs[0] = [0.3, 0.7]'
    >>> escape_markdown("a | b *c* _d_ snake_case")
    'a \\\\| b \\\\*c\\\\* \\\\_d\\\\_ snake_case'
    >>> escape_markdown("# 5 < 7 &amp; 2 > 1")
    '\\\\# 5 < 7 &amp;amp; 2 > 1'
    """
    text = str(value).replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    text = _MD_ENTITY.sub("&amp;", text)
    text = _MD_TAG_START.sub("&lt;", text)
    text = _MD_BACKSLASHED.sub(r"\\\1", text)
    text = _MD_UNDERSCORE.sub(r"\\_", text)
    text = _MD_LINK_CLOSE.sub(r"\\]", text)
    if text.startswith("#"):
        text = "\\" + text
    return text


def _finalize_html(value: Any) -> Markup:
    """Escape every printed value of an HTML template (quotes included) unless marked safe."""
    return value if isinstance(value, Markup) else Markup(escape_html(value))


_BETWEEN_TAGS = re.compile(r">\n\s*<")


def _finalize_markdown(value: Any) -> Any:
    """Escape every printed value of a Markdown template unless marked safe."""
    if isinstance(value, Markup):
        return str(value)
    return escape_markdown(value)


@cache
def _environment(kind: str) -> jinja2.Environment:
    """The jinja2 environment for ``kind`` ("html" or "md"), loading ``symnet/templates``."""
    options: dict[str, Any] = {
        "loader": jinja2.PackageLoader("symnet", "templates"),
        "undefined": jinja2.StrictUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "keep_trailing_newline": True,
    }
    if kind == "html":
        env = jinja2.Environment(autoescape=True, finalize=_finalize_html, **options)
    else:
        env = jinja2.Environment(autoescape=False, finalize=_finalize_markdown, **options)
    return env


def render(template: str, **context: Any) -> str:
    """Render ``symnet/templates/<template>`` with ``context``; the escaping follows
    the template's suffix (``.html.j2`` HTML, ``.md.j2`` Markdown)."""
    kind = "html" if template.endswith(".html.j2") else "md"
    text = _environment(kind).get_template(template).render(**context)
    if kind == "html":
        # the template is laid out one element per line; the document is not. Escaped
        # values cannot hold a "<", so only the template's own line breaks match.
        text = _BETWEEN_TAGS.sub("><", text).rstrip("\n") + "\n"
    return text
