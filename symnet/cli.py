"""The ``symnet`` command.

Exit codes: 0 success, 2 bad input (every problem printed as ``file:row:column:
message``, no traceback), 1 internal error. Errors go to stderr.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer
from rich.console import Console
from rich.table import Table

from symnet import __version__
from symnet.errors import InputError, SymnetError

app = typer.Typer(
    name="symnet",
    help="Find and optimise industrial symbiosis in a region: residual streams, real road "
    "distances, optimal allocation, GIS outputs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2


def report_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn InputError into exit status 2 and other failures into 1, without tracebacks
    (set SYMNET_DEBUG=1 to see them)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import os

        try:
            return func(*args, **kwargs)
        except InputError as exc:
            for problem in exc.problems:
                err.print(str(problem), markup=False, highlight=False, soft_wrap=True)
            n = len(exc.problems)
            err.print(f"{n} problem{'s' if n != 1 else ''} found; nothing was written.", markup=False)
            raise typer.Exit(EXIT_INPUT) from None
        except SymnetError as exc:
            err.print(f"error: {exc}", markup=False, soft_wrap=True)
            raise typer.Exit(EXIT_INPUT) from None
        except typer.Exit:
            raise
        except KeyboardInterrupt:
            err.print("interrupted")
            raise typer.Exit(130) from None
        except Exception as exc:  # noqa: BLE001 - last-resort handler for the CLI
            if os.environ.get("SYMNET_DEBUG"):
                raise
            err.print(f"internal error: {type(exc).__name__}: {exc}\n"
                      "This is a bug in symnet; run again with SYMNET_DEBUG=1 for the traceback.", markup=False)
            raise typer.Exit(EXIT_INTERNAL) from None

    return wrapper


def _version_callback(value: bool) -> None:
    if value:
        out.print(f"symnet {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version_callback, is_eager=True,
                                                    help="Show the version and exit.")] = None,
) -> None:
    """symnet: regional industrial symbiosis network analyser."""


ScenarioArg = Annotated[Path, typer.Argument(help="Scenario folder (scenario.yaml + CSV files).")]


def print_warnings(warnings: list[Any]) -> None:
    for w in warnings:
        err.print(f"warning: {w}", markup=False, highlight=False, soft_wrap=True)


@app.command()
@report_errors
def validate(scenario_dir: ScenarioArg) -> None:
    """Check a scenario folder and print a summary (exit 2 listing every problem if invalid)."""
    from symnet.scenario import load_scenario

    scenario = load_scenario(scenario_dir)
    print_warnings(scenario.warnings)
    s = scenario.summary()
    out.print(f"[bold]{s['name']}[/bold]: valid")
    out.print(f"  {s['actors']} actors, {s['supplies']} supplies, {s['demands']} demands, "
              f"{s['sites']} candidate sites ({s['site_options']} facility options), periods: {', '.join(s['periods'])}")
    table = Table("resource", "unit", "supply / yr", "demand / yr", box=None, pad_edge=False)
    for res, row in s["resources"].items():
        table.add_row(res, row["unit"], f"{row['supply']:,.1f}", f"{row['demand']:,.1f}")
    out.print(table)
    out.print(f"  {s['assumptions']} numbers rest on assumptions (see the scenario's source columns)")


@app.command()
@report_errors
def resources() -> None:
    """List the resource catalogue: resources, classes, units, modes and default fates."""
    from symnet.resources import load_catalogue

    cat = load_catalogue()
    table = Table("resource", "unit", "classes", "modes (max km)", "default fate")
    for rid, r in sorted(cat.resources.items()):
        modes = ", ".join(f"{m} ({spec.max_km:g})" for m, spec in r.modes.items()) or "-"
        table.add_row(rid, r.unit, ", ".join(r.classes), modes, r.default_fate)
    out.print(table)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except SystemExit as exc:
        sys.exit(exc.code)
