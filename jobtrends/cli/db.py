"""`jobtrends db upgrade|current` and `jobtrends reconcile`: schema and posting lifecycle."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from jobtrends.cli.common import EXIT_DATABASE, EXIT_USAGE, AppState, console, fail

if TYPE_CHECKING:
    from sqlalchemy import Engine

# PostgreSQL's SQLSTATE for a write in a read-only transaction
READ_ONLY_SQL_TRANSACTION = "25006"


@contextmanager
def database_errors(state: AppState) -> Iterator[None]:
    """Turn a malformed or unreachable database into a clear message and exit code 3."""
    from alembic.util import CommandError
    from sqlalchemy.exc import DBAPIError

    from storage.db import DatabaseURLError, shown_url

    try:
        yield
    except DatabaseURLError as exc:
        raise fail(str(exc), EXIT_DATABASE) from None
    except CommandError as exc:  # e.g. a database migrated by a newer jobtrends
        shown = shown_url(state.url)
        raise fail(f"cannot migrate database {shown}: {exc}", EXIT_DATABASE) from None
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        if getattr(exc.orig, "sqlstate", None) == READ_ONLY_SQL_TRANSACTION:
            reason += (
                " (this command writes to the database, which a hot-standby replica or "
                "default_transaction_read_only does not allow: connect to the primary; "
                "`jobtrends report` and the views work on a replica)"
            )
        raise fail(f"cannot use database {shown_url(state.url)}: {reason}", EXIT_DATABASE) from None


def require_current_schema(engine: Engine, state: AppState) -> None:
    """Refuse to work on a database whose schema is not the one this version ships, or on a
    SQLite file that does not exist (instead of creating an empty one)."""
    from storage import schema
    from storage.db import shown_url, sqlite_file

    path = sqlite_file(engine.url)
    if path is not None and not path.exists():
        raise fail(
            f"no database at {path}: `jobtrends crawl` creates one (`jobtrends demo` keeps its "
            "own in its --out directory, reports/jobtrends.db by default); choose another with "
            "--db or JOBTRENDS_DATABASE_URL",
            EXIT_DATABASE,
        )
    current, head = schema.current_revision(engine), schema.head_revision()
    if current != head:
        raise fail(
            f"database {shown_url(state.url)} is at schema revision {current or 'none'}, "
            f"expected {head}: run `jobtrends db upgrade` first",
            EXIT_DATABASE,
        )


def register(app: typer.Typer) -> None:
    """Add the ``db`` group and the ``reconcile`` command to ``app``."""
    db_app = typer.Typer(help="Create or upgrade the database schema.", no_args_is_help=True)

    @db_app.command("upgrade")
    def upgrade(
        ctx: typer.Context,
        revision: Annotated[
            str, typer.Option(metavar="REVISION", help="Target revision (default: the newest).")
        ] = "head",
    ) -> None:
        """Apply schema migrations; stored postings are kept."""
        from storage import schema
        from storage.db import shown_url

        state: AppState = ctx.obj
        with database_errors(state):
            reached = schema.upgrade(state.engine(), revision)
        past = "" if revision == "head" or reached == schema.revision_id(revision) else (
            f", past {revision}: `db upgrade` never downgrades")
        console.print(f"database {shown_url(state.url)} at revision {reached}{past}",
                      highlight=False, markup=False)

    @db_app.command("current")
    def current(ctx: typer.Context) -> None:
        """Print the database's schema revision and the newest one available."""
        from storage import schema
        from storage.db import sqlite_file

        state: AppState = ctx.obj
        path = sqlite_file(state.url)
        # a file not created yet: say so (connecting would create it); a missing directory is
        # an unusable URL, reported below
        if path is not None and not path.exists() and path.parent.is_dir():
            console.print(f"none (no database at {path})", highlight=False, markup=False)
            return
        with database_errors(state):
            revision = schema.current_revision(state.engine())
        head = schema.head_revision()
        note = "up to date" if revision == head else f"newest is {head}: run `jobtrends db upgrade`"
        console.print(f"{revision or 'none'} ({note})", highlight=False)

    app.add_typer(db_app, name="db")

    @app.command("reconcile")
    def reconcile_command(
        ctx: typer.Context,
        k: Annotated[
            int,
            typer.Option(
                "--k",
                metavar="N",
                min=1,
                help="Complete crawls without a posting before it closes.",
            ),
        ] = 2,
        max_error_rate: Annotated[
            float,
            typer.Option(
                metavar="SHARE",
                min=0.0,
                max=1.0,
                help="A crawl with this share of failed requests or more is incomplete.",
            ),
        ] = 0.10,
        min_seen_share: Annotated[
            float,
            typer.Option(
                metavar="SHARE",
                min=0.0,
                max=1.0,
                help="A crawl must see this share of the postings open before it to be complete.",
            ),
        ] = 0.5,
        accept_empty: Annotated[
            list[str] | None,
            typer.Option(
                "--accept-empty",
                metavar="NAME",
                help="A source whose board really emptied (repeatable): its clean crawls "
                "since its last complete one are accepted whatever they saw, and the postings "
                "they missed close at the first of them.",
            ),
        ] = None,
    ) -> None:
        """Judge finished crawls, close postings they no longer list, link duplicate roles.

        An empty listing is never trusted on its own (a broken page looks the same): a source
        whose board really has no open roles left is accepted with --accept-empty NAME.
        """
        from sqlalchemy.orm import Session

        from storage.lifecycle import UnknownSourceError, reconcile

        state: AppState = ctx.obj
        with database_errors(state):
            engine = state.engine()
            require_current_schema(engine, state)
            with Session(engine) as session, session.begin():
                try:
                    report = reconcile(
                        session,
                        k=k,
                        max_error_rate=max_error_rate,
                        min_seen_share=min_seen_share,
                        accept_empty=accept_empty or (),
                    )
                except UnknownSourceError as exc:
                    raise fail(str(exc), EXIT_USAGE) from None
        if report.verdicts:
            table = Table("run", "source", "observed at", "status", "why", title="crawl runs")
            for v in report.verdicts:
                table.add_row(str(v.run_id), escape(v.source), v.observed_at.isoformat(sep=" "),
                              v.status, escape(v.detail))  # fmt: skip
            console.print(table)
        earlier = ", ".join(
            f"{count} {what}" for count, what in (
                (report.runs_rejudged, "earlier run(s) re-judged complete"),
                (report.runs_confirmed, "suspect drop(s) confirmed"),
            ) if count
        )
        console.print(
            f"runs: {report.runs_complete} complete, {report.runs_incomplete} incomplete"
            f"{f' ({earlier})' if earlier else ''}; "
            f"closed: {report.postings_closed} ({report.closed_unseen} unseen, "
            f"{report.closed_by_signal} by signal, {report.closed_expired} expired); "
            f"reopened: {report.reopened}; misses counted: {report.postings_missed}; "
            f"duplicate links changed: {report.postings_linked}",
            highlight=False,
        )
