"""report.md and report.html show hostile names as text: no HTML, link or table syntax
from an input value survives (the templates escape every value, symnet.outputs.templating)."""

from __future__ import annotations

import re

from export_data import make_result, make_scenario

from symnet.outputs.report import write_report
from symnet.outputs.templating import escape_markdown, render

SVG = "<svg onload=alert(1)>"
LINK = "[click](javascript:alert(1))"


def _hostile_report(tmp_path):
    hostile = f"{SVG} {LINK} | *x*"
    scenario = make_scenario()
    scenario.actors = [a.model_copy(update={"name": hostile}) if a.id == "sveg_brew" else a for a in scenario.actors]
    result = make_result()
    result.nodes.loc[result.nodes["node"] == "sveg_brew", "name"] = hostile
    write_report(result, scenario, tmp_path)
    return (tmp_path / "report.md").read_text("utf-8"), (tmp_path / "report.html").read_text("utf-8")


def test_hostile_actor_name_is_text_in_markdown(tmp_path):
    md, _ = _hostile_report(tmp_path)
    assert "&lt;svg onload=alert(1)>" in md
    assert "<svg" not in md
    assert "[click\\](javascript:alert(1))" in md
    assert not re.search(r"(?<!\\)\]\(javascript:", md)
    # the pipe inside the name is escaped, so the exchange row keeps its 9 columns
    row = next(ln for ln in md.splitlines() if "svg onload" in ln and "Hede Gård" in ln)
    assert len(re.split(r"(?<!\\)\|", row.strip().strip("|"))) == 9


def test_hostile_actor_name_is_text_in_html(tmp_path):
    _, html = _hostile_report(tmp_path)
    assert "&lt;svg onload=alert(1)&gt;" in html
    assert "<svg" not in html and "<script" not in html


def test_markdown_template_escapes_every_value_and_keeps_its_own_syntax():
    text = render(
        "report.md.j2",
        title="<b>t</b>",
        status="ok",
        notes=[],
        summary="_all_ `code`",
        honesty="",
        sections=[{"heading": "H", "header": ["a|b"], "rows": [["<i>"]], "note": "", "css": ""}],
        charts_after=99,
        charts=[],
    )
    assert text.startswith("# &lt;b>t&lt;/b>\n")
    assert "\\_all\\_ \\`code\\`" in text
    assert "| a\\|b |\n|---|\n| &lt;i> |\n" in text


def test_escape_markdown_neutralises_line_breaks_and_headings():
    assert escape_markdown("# big\n## heading") == "\\# big ## heading"
