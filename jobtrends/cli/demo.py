"""`jobtrends demo`: the whole system on a simulated market, offline, with progress shown."""

from __future__ import annotations

import shlex
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from jobtrends.cli.common import EXIT_FAILURE, EXIT_USAGE, AppState, console, fail


class Size(StrEnum):
    tiny = "tiny"
    small = "small"
    medium = "medium"


def register(app: typer.Typer) -> None:
    """Add ``demo`` to ``app``."""

    @app.command("demo")
    def demo(
        ctx: typer.Context,
        out: Annotated[Path, typer.Option(metavar="DIR", help="Directory for the database, the "
                                               "sources file and the reports.")] = Path("reports"),
        weeks: Annotated[int, typer.Option(metavar="N", min=3, max=52,
                                           help="Simulated weeks, one crawl each.")] = 12,
        seed: Annotated[int, typer.Option(metavar="N", help="Seed of the simulated market.")] = 7,
        size: Annotated[Size, typer.Option(help="Market size.")] = Size.small,
        db: Annotated[str | None, typer.Option(
            "--db", metavar="URL", help="An empty database to fill (default: the global --db "
                         "when given on the command line, else a fresh SQLite file in --out; "
                         "JOBTRENDS_DATABASE_URL is not used).",
        )] = None,
        median_days: Annotated[float, typer.Option(
            metavar="DAYS", min=7, max=120,
            help="Median lifetime of a simulated role, in days.")] = 40.0,
        process_per_week: Annotated[bool, typer.Option(
            help="Run `jobtrends crawl` in a new process every week, as cron would (slower).",
        )] = False,
    ) -> None:
        """Simulate a job market on localhost, crawl it weekly, and write the report.

        Nothing leaves this machine: a seeded simulator serves Greenhouse-, Lever- and
        JSON-LD-shaped sources on 127.0.0.1; the real spiders, enrichment and storage crawl it
        once per simulated week; the report lands in --out as HTML, Markdown and JSON, beside
        the simulator's ground truth.
        """
        from jobtrends.demo import DATABASE_FILE, DemoConfig, DemoError, run_demo
        from storage.db import shown_url

        state: AppState = ctx.obj
        if db is None and state.db_url_given:
            db = state.db_url

        config = DemoConfig(out=out, weeks=weeks, seed=seed, size=size.value, db_url=db,
                            median_days=median_days, process_per_week=process_per_week)
        progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                            TextColumn("{task.completed}/{task.total} weeks"),
                            TimeElapsedColumn(), console=console)
        table = Table(title="weekly crawls", title_justify="left")
        for column in ("week", "observed at (UTC)", "seconds", "postings seen", "incomplete"):
            table.add_column(column, justify="right" if column in ("seconds", "postings seen")
                             else "left")
        task = progress.add_task("crawling", total=weeks)

        def report(event: str, info: dict[str, Any]) -> None:
            if event == "market":
                console.print(
                    f"simulated market: {info['companies']} companies, {info['sources']} "
                    f"sources, {info['roles']} roles over {info['weeks']} weeks", highlight=False)
            elif event == "week":
                r = info["result"]
                table.add_row(str(r.week), r.observed_at.isoformat(sep=" "), f"{r.seconds:.1f}",
                              str(r.items), ", ".join(r.incomplete) or "-")
                progress.update(task, advance=1,
                                description=f"crawled week {r.week + 1} of {weeks}")
            elif event == "imported":
                console.print(f"imported metadata of {info['companies']} companies and "
                              "talent pools", highlight=False)

        try:
            with progress:
                result = run_demo(config, report)
        except ValueError as exc:
            raise fail(str(exc), EXIT_USAGE) from None
        except DemoError as exc:
            raise fail(str(exc), EXIT_FAILURE) from None
        console.print(table)
        assert result.report is not None and result.truth is not None
        flow = result.report.weekly_flow
        truth = result.truth
        matching = sum(
            1 for w in flow.weeks
            if (w.opened, w.closed) == (truth.opened_by_week[_iso(w.week)],
                                        truth.closed_by_week[_iso(w.week)])
        )
        console.print(f"weekly opened/closed equal to the simulator's ground truth in "
                      f"{matching} of {len(flow.weeks)} weeks", highlight=False)
        for name, path in result.files.items():
            console.print(f"  {name:8} {path}", highlight=False, markup=False)
        if db is None:  # the demo's own SQLite file: say how to query it further
            path = out / DATABASE_FILE
            url = shlex.quote(f"sqlite:///{path}")  # a shell command
            console.print(f"  {'database':8} {path} (query it: jobtrends --db "
                          f"{url} report --country BE)", highlight=False, markup=False,
                          soft_wrap=True)  # a command to copy: not folded at the terminal width
        else:
            console.print(f"  {'database':8} {shown_url(db)}", highlight=False, markup=False)
        console.print(f"demo done in {result.seconds:.0f} s: open {result.files['html']}",
                      highlight=False, markup=False)


def _iso(label: str) -> tuple[int, int]:
    year, week = label.split("-W")
    return int(year), int(week)
