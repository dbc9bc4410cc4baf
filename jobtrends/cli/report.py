"""`jobtrends report` and `jobtrends import companies|talent-pool`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from jobtrends.cli.common import EXIT_USAGE, AppState, console, fail
from jobtrends.cli.db import database_errors, require_current_schema

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from jobtrends.imports import ImportStats
    from storage.trends import TrendFilter


class ReportFormat(StrEnum):
    html = "html"
    md = "md"
    json = "json"


# ``--output -``: the report goes to standard output (to a pipe, a pager, another program)
STDOUT = Path("-")


def write_report(session: Session, flt: TrendFilter, weeks: int, fmt: str, out: Path) -> Path:
    """Build and write one report (to standard output when ``out`` is :data:`STDOUT`); raises
    InvalidFilterError on unknown filter values."""
    from jobtrends.report import build_report, render

    text = render(build_report(session, flt, weeks), fmt)
    if out == STDOUT:
        sys.stdout.write(text)
        sys.stdout.flush()
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out


def register(app: typer.Typer) -> None:
    """Add ``report`` and the ``import`` group to ``app``."""

    @app.command("report")
    def report(
        ctx: typer.Context,
        country: Annotated[str | None, typer.Option(
            metavar="CODE", help="ISO country code, e.g. BE (default: all countries).")] = None,
        role: Annotated[str | None, typer.Option(
            metavar="FAMILY", help="Role family, e.g. ml-engineer (default: all roles).")] = None,
        company: Annotated[str | None, typer.Option(
            metavar="NAME", help="One company, matched on its normalized name.")] = None,
        weeks: Annotated[int, typer.Option(metavar="N", min=1, max=260,
                                           help="ISO weeks shown, up to --until.")] = 12,
        until: Annotated[datetime | None, typer.Option(
            metavar="DATE", formats=["%Y-%m-%d"], help="Last day covered, YYYY-MM-DD (default: "
            "the day of the latest crawl): the report as it read then.")] = None,
        fmt: Annotated[ReportFormat, typer.Option("--format", "-f",
                                                  help="Output format.")] = ReportFormat.html,
        output: Annotated[Path | None, typer.Option(
            "--output", "-o", metavar="PATH",
            help="Output file, - = stdout (default: report.html / .md / .json).")] = None,
    ) -> None:
        """Render the hiring-trends report from the database."""
        from sqlalchemy.orm import Session

        from storage.trends import InvalidFilterError, TrendFilter

        state: AppState = ctx.obj
        out = output or Path(f"report.{fmt.value}")
        flt = TrendFilter(country=country, role_family=role, company=company,
                          until=until.date() if until is not None else None)
        with database_errors(state):
            engine = state.engine()
            require_current_schema(engine, state)
            with Session(engine) as session:
                try:
                    write_report(session, flt, weeks, fmt.value, out)
                except InvalidFilterError as exc:
                    raise fail(str(exc), EXIT_USAGE) from None
                except OSError as exc:
                    raise fail(f"cannot write {out}: {exc.strerror}", EXIT_USAGE) from None
        if out != STDOUT:
            console.print(f"wrote {fmt.value} report to {out}", highlight=False, markup=False)

    import_app = typer.Typer(help="Import what crawls cannot see (CSV files).",
                             no_args_is_help=True)

    def run_import(ctx: typer.Context, path: Path, what: str,
                   importer: Callable[[Session, Path], ImportStats]) -> None:
        from sqlalchemy.orm import Session

        from jobtrends.imports import CSVImportError

        state: AppState = ctx.obj
        with database_errors(state):
            engine = state.engine()
            require_current_schema(engine, state)
            with Session(engine) as session:
                try:
                    stats = importer(session, path)
                except CSVImportError as exc:
                    raise fail(f"{exc}; nothing was imported", EXIT_USAGE) from None
        console.print(f"{what}: {stats.created} created, {stats.updated} updated from {path}",
                      highlight=False, markup=False)

    @import_app.command("companies")
    def companies(
        ctx: typer.Context,
        path: Annotated[Path, typer.Argument(
            metavar="CSV", help="CSV: name,country,industry,founded_year,website")],
    ) -> None:
        """Load company metadata (industry, founding year, country), matched on normalized name."""
        from jobtrends.imports import import_companies

        run_import(ctx, path, "companies", import_companies)

    @import_app.command("talent-pool")
    def talent_pool(
        ctx: typer.Context,
        path: Annotated[Path, typer.Argument(metavar="CSV",
                                             help="CSV: country,role_family,people")],
    ) -> None:
        """Load talent-pool counts per country and role family (for openings per person)."""
        from jobtrends.imports import import_talent_pools

        run_import(ctx, path, "talent pools", import_talent_pools)

    app.add_typer(import_app, name="import")
