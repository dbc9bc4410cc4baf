"""The ``jobtrends`` command-line program.

Each command group lives in its own module exposing ``register(app)``. Exit codes scripts can
rely on are in :mod:`jobtrends.cli.common`.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from jobtrends import __version__
from jobtrends.cli import common, crawl, db, demo, enrich, report

EXIT_CODES_HELP = (
    f"Exit codes: {common.EXIT_OK} done; {common.EXIT_FAILURE} the command failed; "
    f"{common.EXIT_USAGE} bad arguments or input; {common.EXIT_DATABASE} the database is "
    f"unreachable, its URL malformed or its schema not current; {common.EXIT_PARTIAL} done, "
    "but some source did not crawl completely (crawl) or needs attention (sources status)."
)

def _flags_show_no_type() -> None:
    """Typer 0.2x labels a flag with its Python type in help (``--online <bool>``), as if it
    took a value; older releases did not. Flags lose the label; options keep theirs."""
    option = getattr(typer.core, "TyperOption", None)
    label = getattr(option, "display_type_rich", None)
    if option is None or label is None or getattr(label, "flags_unlabelled", False):
        return

    def display_type_rich(self: Any, ctx: Any) -> str | None:
        return None if getattr(self, "is_flag", False) else label(self, ctx)

    display_type_rich.flags_unlabelled = True  # type: ignore[attr-defined]
    option.display_type_rich = display_type_rich


_flags_show_no_type()

app = typer.Typer(
    name="jobtrends",
    help="Hiring-market intelligence from public job postings.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"jobtrends {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    db_url: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="URL",
            envvar=common.DATABASE_URL_ENV,
            help="Database URL (default: SQLite file jobtrends.db in the current directory).",
            show_envvar=True,
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    source = ctx.get_parameter_source("db_url")  # command line, environment or default
    ctx.obj = common.AppState(
        db_url=db_url, db_url_given=source is not None and source.name == "COMMANDLINE"
    )


for _module in (db, crawl, enrich, report, demo):
    _module.register(app)


def main() -> None:
    app()
