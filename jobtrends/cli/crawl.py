"""`jobtrends crawl` and `jobtrends sources list|check`: run and inspect the configured sources."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Sized
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from crawler.endpoints import first_url
from crawler.settings import JOBTRENDS_REVISIT_MISSING
from crawler.sources import (
    DEFAULT_SOURCES_FILE,
    KINDS,
    SourceConfig,
    SourceConfigError,
    load_sources,
    select_sources,
)
from jobtrends import __version__
from jobtrends.cli.common import (
    EXIT_FAILURE,
    EXIT_PARTIAL,
    EXIT_USAGE,
    AppState,
    console,
    fail,
    parse_observed_at,
)
from jobtrends.cli.db import database_errors, require_current_schema

# how far ahead of the clock --observed-at may be without --allow-future: a local time given
# without its zone, as far east as UTC+14
FUTURE_TOLERANCE = timedelta(days=1)

SourcesOption = Annotated[
    Path,
    typer.Option("--sources", metavar="PATH",
                 help="The sources file (TOML, one [[source]] per source)."),
]


def _load(path: Path) -> list[SourceConfig]:
    try:
        return load_sources(path)
    except SourceConfigError as exc:
        raise fail(str(exc), EXIT_USAGE) from None


# the strings Scrapy's Settings.getbool takes
_BOOLEAN_TEXT = frozenset({"0", "1", "True", "False", "true", "false"})


def _settings_pairs(pairs: list[str] | None) -> dict[str, Any]:
    """``-s KEY=VALUE`` Scrapy settings, as ``scrapy crawl -s`` takes them. A value that a
    boolean or numeric setting (by its default, the project's or Scrapy's) cannot take is
    refused here, instead of failing each source's crawl with a traceback."""
    from scrapy.settings import default_settings

    from crawler import settings as project_settings

    found: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise fail(f"--set {pair!r}: expected KEY=VALUE, e.g. --set DOWNLOAD_DELAY=2",
                       EXIT_USAGE)
        default = getattr(project_settings, key, getattr(default_settings, key, None))
        if isinstance(default, bool):
            if value.strip() not in _BOOLEAN_TEXT:
                raise fail(f"--set {pair!r}: {key} is true or false (1 or 0)", EXIT_USAGE)
        elif isinstance(default, int | float):
            try:
                float(value)
            except ValueError:
                raise fail(f"--set {pair!r}: {key} is a number (default {default})",
                           EXIT_USAGE) from None
        found[key] = value
    return found


def _revisits(source: SourceConfig) -> str:
    """How many unlisted open postings a crawl of ``source`` revisits at most ("no": none, its
    kind has no page per posting that answers 404; the default unless --set changes it)."""
    limit = KINDS[source.kind].revisit_limit(source.revisit_missing, JOBTRENDS_REVISIT_MISSING)
    return f"up to {limit}" if limit else "no"


def _key_of(source: SourceConfig) -> str:
    spec = KINDS[source.kind]
    if spec.required:
        return ", ".join(f"{k}={source.options[k]}" for k in spec.required)
    urls = source.option("sitemap_urls") or source.option("start_urls") or []
    return f"{len(urls)} URL(s): {urls[0]}" if urls else ""


def register(app: typer.Typer) -> None:
    """Add ``crawl`` and the ``sources`` group to ``app``."""

    @app.command("crawl")
    def crawl(
        ctx: typer.Context,
        source: Annotated[
            list[str] | None,
            typer.Option("--source", metavar="NAME", help="Crawl only this source (repeatable); "
                         "default: all enabled sources."),
        ] = None,
        sources_file: SourcesOption = Path(DEFAULT_SOURCES_FILE),
        observed_at: Annotated[
            str | None,
            typer.Option("--observed-at", metavar="TIME", help="Observation time of this crawl "
                         "(ISO 8601, UTC if no zone); default: now."),
        ] = None,
        k: Annotated[int, typer.Option("--k", metavar="N", min=1, help="Complete crawls a "
                                       "posting must be missing from before it closes.")] = 2,
        redis_url: Annotated[
            str | None,
            typer.Option("--redis-url", metavar="URL", envvar="JOBTRENDS_REDIS_URL",
                         help="Share the crawl between processes through this Redis "
                         "(scrapy-redis)."),
        ] = None,
        parallel: Annotated[int, typer.Option(metavar="N", min=1,
                                              help="Sources crawled at once.")] = 4,
        settings: Annotated[
            list[str] | None,
            typer.Option("--set", "-s", metavar="KEY=VALUE",
                         help="Scrapy setting KEY=VALUE (repeatable)."),
        ] = None,
        no_enrich: Annotated[bool, typer.Option("--no-enrich", help="Store postings "
                                                "unenriched.")] = False,
        allow_future: Annotated[bool, typer.Option(
            "--allow-future", help="Accept an --observed-at more than a day ahead of the "
            "clock (a simulated market's weeks).")] = False,
    ) -> None:
        """Crawl sources, enrich and store their postings, then reconcile lifecycles.

        Crawl runs left unreconciled by an earlier crawl are reconciled first, with the same
        --k. Once a source's listing is stored, the open postings it left out are fetched at
        their own address (up to 200; `--set JOBTRENDS_REVISIT_MISSING=N`): those answering
        404/410 close at once (docs/sources.md, "Revisits").

        Exits with 4 when some source did not crawl completely (its postings stay open), and
        with 2, before fetching anything, when --observed-at is older than a stored crawl of a
        chosen source or more than a day ahead of the clock, or a chosen source was retired
        (`jobtrends sources retire`).
        """
        from sqlalchemy.orm import Session

        from crawler.crawlrun import RunFigures
        from crawler.observed import utcnow
        from crawler.runner import SourceOutcome, crawl_settings, crawl_sources, reconcile_runs
        from storage import schema
        from storage.ingest import ObservationOrderError, check_observation_order
        from storage.retire import SourceRetiredError, check_not_retired

        state: AppState = ctx.obj
        try:
            chosen = select_sources(_load(sources_file), source, sources_file)
        except SourceConfigError as exc:
            raise fail(str(exc), EXIT_USAGE) from None
        if not chosen:
            raise fail(f"{sources_file}: no enabled source to crawl", EXIT_USAGE)
        now = utcnow()
        observed = parse_observed_at(observed_at) or now
        if observed > now + FUTURE_TOLERANCE and not allow_future:
            # stored, it would make every real crawl after it look older, and be refused
            raise fail(f"--observed-at {observed:%Y-%m-%d %H:%M} UTC is in the future (now "
                       f"{now:%Y-%m-%d %H:%M} UTC): every later crawl of these sources "
                       "would be refused as older; pass --allow-future for simulated weeks",
                       EXIT_USAGE)
        overrides = {"LOG_LEVEL": "WARNING", **_settings_pairs(settings)}
        if no_enrich:
            overrides["JOBTRENDS_ENRICH"] = False
        crawl_config = crawl_settings(db_url=state.url, observed_at=observed,
                                      redis_url=redis_url, overrides=overrides)
        with database_errors(state):
            # the crawl's page cache for the reconciles too: they run in the crawl's process
            engine = state.engine(
                sqlite_cache_mb=crawl_config.getint("JOBTRENDS_SQLITE_CACHE_MB"))
            if schema.current_revision(engine) is None:
                schema.upgrade(engine)  # a fresh database: create the schema
            require_current_schema(engine, state)
            with Session(engine) as session:
                try:
                    check_not_retired(session, [s.name for s in chosen])
                    check_observation_order(session, [s.name for s in chosen], observed)
                except (ObservationOrderError, SourceRetiredError) as exc:
                    raise fail(str(exc), EXIT_USAGE) from None
            # Runs an earlier crawl finished but did not reconcile (its process was stopped
            # first) are settled before this crawl's sightings land: applied afterwards, a
            # posting they missed and this crawl sees again would count as never missed, and
            # its close and reopen events would be lost.
            earlier = reconcile_runs(engine, [], k=k)
        if earlier.verdicts:
            console.print(f"reconciled {len(earlier.verdicts)} earlier crawl run(s) first: "
                          f"{earlier.postings_closed} posting(s) closed", highlight=False)
        progress = Progress(TextColumn("[bold]crawling"), BarColumn(),
                            TextColumn("{task.completed}/{task.total} sources"),
                            TimeElapsedColumn(), console=console, transient=True)
        task = progress.add_task("crawl", total=len(chosen))

        def done(outcome: SourceOutcome) -> None:
            mark = "[green]✓[/]" if outcome.finish_reason == "finished" and not outcome.error \
                else "[red]✗[/]"
            progress.console.print(
                f"{mark} {escape(outcome.source)}: {outcome.items} postings scraped "
                f"({escape(str(outcome.error or outcome.finish_reason))})", highlight=False)
            progress.advance(task)

        with progress:
            outcomes = crawl_sources(chosen, crawl_config, parallel=parallel, on_done=done)
        with database_errors(state):
            report = reconcile_runs(engine, outcomes, k=k)
        table = Table(title=f"crawl observed at {observed:%Y-%m-%d %H:%M} UTC")
        for column in ("source", "kind", "scraped", "stored", "gone", "pages", "failed",
                       "finish", "run"):
            table.add_column(column, justify="right" if column in (
                "scraped", "stored", "gone", "pages", "failed") else "left")
        for outcome in outcomes:
            figures = RunFigures.from_stats(outcome.stats)
            # stopped at once (a second Ctrl-C): the spider never closed, its run never finished
            stopped = outcome.finish_reason is None and outcome.error is None
            # a shared run's row counts every process's postings: this one's share is unknown
            stored = "-" if outcome.stored is None or outcome.handed_off else str(outcome.stored)
            cells = (outcome.source, outcome.kind, str(outcome.items), stored,
                     str(outcome.gone), str(figures.pages_fetched), str(figures.pages_failed),
                     outcome.error or outcome.finish_reason or ("stopped" if stopped else "-"),
                     "shared run: recorded by the last process" if outcome.handed_off
                     else "unfinished: what it stored stays, it closes nothing" if stopped
                     else outcome.status_detail or outcome.status or "not recorded")
            table.add_row(*map(escape, cells))
        console.print(table)
        console.print(f"reconcile: {report.runs_complete} complete run(s), "
                      f"{report.runs_incomplete} incomplete, {report.postings_closed} posting(s) "
                      f"closed ({report.closed_unseen} unseen, {report.closed_by_signal} gone, "
                      f"{report.closed_expired} expired), {report.reopened} reopened",
                      highlight=False)
        if not all(outcome.complete for outcome in outcomes):
            raise typer.Exit(EXIT_PARTIAL)

    sources_app = typer.Typer(help="List, check and monitor the sources; retire those no "
                              "longer crawled.", no_args_is_help=True)

    @sources_app.command("list")
    def list_sources(sources_file: SourcesOption = Path(DEFAULT_SOURCES_FILE)) -> None:
        """Show the sources of the sources file."""
        table = Table(title=escape(str(sources_file)))
        for column in ("name", "kind", "key", "country", "enabled", "first-party", "revisits",
                       "origin"):
            table.add_column(column)
        for src in _load(sources_file):
            cells = (src.name, src.kind, _key_of(src), src.country or "",
                     "yes" if src.enabled else "no", "yes" if src.first_party else "no",
                     _revisits(src), src.origin if src.kind != "jsonld" else "")
            table.add_row(*map(escape, cells))
        console.print(table)

    @sources_app.command("check")
    def check_sources(
        sources_file: SourcesOption = Path(DEFAULT_SOURCES_FILE),
        online: Annotated[bool, typer.Option("--online", help="Also fetch the first page of "
                                             "each enabled source.")] = False,
        timeout: Annotated[float, typer.Option(
            metavar="SECONDS", help="Seconds per request with --online.")] = 15,
    ) -> None:
        """Validate the sources file (and, with --online, that each source answers)."""
        sources = _load(sources_file)
        console.print(f"{sources_file}: {len(sources)} source(s) valid "
                      f"({sum(s.enabled for s in sources)} enabled)", highlight=False,
                      markup=False)
        if not online:
            return
        failed = 0
        for src in (s for s in sources if s.enabled):
            ok, detail = _fetch_first_page(src, timeout)
            failed += not ok
            mark = "[green]✓[/]" if ok else "[red]✗[/]"
            console.print(f"{mark} {escape(f'{src.name} ({src.kind}): {detail}')}",
                          highlight=False)
        if failed:
            raise fail(f"{failed} source(s) did not answer as expected", EXIT_FAILURE)

    @sources_app.command("status")
    def source_status(
        ctx: typer.Context,
        stale_after: Annotated[int, typer.Option(
            "--stale-after", metavar="DAYS", min=1, help="Days without a complete crawl after "
            "which a source needs attention.")] = 8,
        as_of: Annotated[str | None, typer.Option(
            "--as-of", metavar="TIME", help="Judge staleness at this time (ISO 8601, UTC if no "
            "zone); default: now.")] = None,
        quiet: Annotated[bool, typer.Option(
            "--quiet", "-q", help="Print only the sources that need attention (nothing when "
            "all are fine), as a cron job that mails its output wants.")] = False,
    ) -> None:
        """Show each stored source's latest crawl, last complete crawl and open postings.

        Exits with 4 when some source needs attention: no complete crawl within --stale-after
        days, or an incomplete latest crawl (its postings are then neither opened nor closed).
        For monitoring a scheduled crawl; reads only, so it works on a replica.
        """
        from datetime import timedelta

        from sqlalchemy.orm import Session

        from crawler.observed import utcnow
        from storage.health import source_health

        state: AppState = ctx.obj
        now = parse_observed_at(as_of) or utcnow()
        with database_errors(state):
            engine = state.engine()
            require_current_schema(engine, state)
            with Session(engine) as session:
                sources = source_health(session)
        if not sources:
            if not quiet:
                console.print("no source crawled yet: `jobtrends crawl` records them")
            return
        table = Table(title=f"crawl health as of {now:%Y-%m-%d %H:%M} UTC")
        for column in ("source", "runs", "latest crawl", "last complete", "open", "status"):
            table.add_column(column, justify="right" if column in ("runs", "open") else "left")
        max_age = timedelta(days=stale_after)
        flagged: list[str] = []  # "name: problem (why the latest crawl was incomplete)"
        stale = False  # some source has no recent complete crawl: it may no longer be crawled
        emptied: list[str] = []  # sources whose latest crawl listed nothing, postings open
        closed_by_404: list[str] = []  # ... whose open postings all closed since (their 404s)
        for src in sources:
            problem = src.problem(now, max_age)
            stale = stale or src.stale(now, max_age)
            if problem:
                why = src.why_incomplete
                flagged.append(f"{src.name}: {problem}" + (f" ({why})" if why else ""))
                if src.listed_nothing:
                    (emptied if src.open_postings else closed_by_404).append(src.name)
            table.add_row(
                escape(src.name), str(src.runs), _day(src.last_observed_at),
                _day(src.last_complete_at), str(src.open_postings),
                f"[red]{escape(problem)}[/]" if problem
                else f"retired {src.retired_at:%Y-%m-%d}" if src.retired_at
                else "running" if src.running else "[green]ok[/]",
            )
        if not quiet:
            console.print(table)
        if flagged:
            def say(text: str) -> None:  # unwrapped, as written: for the mail of a cron job
                console.print(text, highlight=False, markup=False, soft_wrap=True)

            console.print(f"{len(flagged)} of {len(sources)} source(s) need attention:",
                          highlight=False)
            for line in flagged:
                say(f"  {line}")
            if emptied:
                say(f"The latest crawl of {', '.join(emptied)} listed nothing. An empty listing "
                    "is never trusted on its own (a broken page looks the same): if a board "
                    "really has no open roles left, `jobtrends reconcile --accept-empty NAME` "
                    "closes its postings.")
            if closed_by_404:
                say(f"The latest crawl of {', '.join(closed_by_404)} listed nothing, and the "
                    "pages of its open postings answered 404/410: they are closed. If the board "
                    "really emptied, nothing more is needed (its next crawl is complete); if its "
                    "pages moved, correct the source.")
            if stale:
                say("A source that is no longer crawled keeps its postings open: `jobtrends "
                    "sources retire NAME` right-censors them and stops flagging it.")
            raise typer.Exit(EXIT_PARTIAL)

    @sources_app.command("retire")
    def retire(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(metavar="NAME", help="The source, as stored (see "
                                            "`jobtrends sources status`).")],
        undo: Annotated[bool, typer.Option("--undo", help="Reinstate a retired source: its "
                                           "right-censored postings are open again.")] = False,
    ) -> None:
        """Stop tracking a source that is no longer crawled (removed from the sources file, a
        company gone to another ATS).

        Its open postings are right-censored at their last sighting: they stop counting as
        open, their roles count as closed in no week, and time to fill treats them as still
        unfilled when tracking ended (status 'untracked' in v_roles). Later crawls of the source
        are refused until --undo. Exits with 2 for an unknown source, a source already retired
        (or, with --undo, not retired), or one whose finished crawls await `jobtrends reconcile`.
        """
        from sqlalchemy.orm import Session

        from crawler.observed import utcnow
        from storage.retire import RetireError, reinstate_source, retire_source

        state: AppState = ctx.obj
        with database_errors(state):
            engine = state.engine()
            require_current_schema(engine, state)
            with Session(engine) as session:
                try:
                    if undo:
                        report = reinstate_source(session, name)
                    else:
                        report = retire_source(session, name, at=utcnow())
                except RetireError as exc:
                    raise fail(str(exc), EXIT_USAGE) from None
                session.commit()
        tracked = (f"last complete crawl {report.last_complete_at:%Y-%m-%d}"
                   if report.last_complete_at else "never crawled completely")
        if undo:
            console.print(f"reinstated {escape(name)}: {report.postings} posting(s) open again "
                          f"({tracked}); its next crawl resumes tracking", highlight=False)
            return
        abandoned = (f"; {report.runs_abandoned} unfinished crawl run(s) judged incomplete"
                     if report.runs_abandoned else "")
        console.print(f"retired {escape(name)}: {report.postings} open posting(s) right-censored "
                      f"at their last sighting ({tracked}){abandoned}", highlight=False)

    app.add_typer(sources_app, name="sources")


def _day(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d}" if value else "-"


def _fetch_first_page(source: SourceConfig, timeout: float) -> tuple[bool, str]:
    """Fetch the source's first listing page and parse it with the kind's parser."""
    from crawler.parsers import (
        ParseContext,
        PayloadError,
        ashby,
        greenhouse,
        lever,
        personio,
        recruitee,
        smartrecruiters,
        teamtailor,
        workable,
    )
    from crawler.parsers.jsonld import parse_page

    url = first_url(source)
    request = urllib.request.Request(url, headers={
        "User-Agent": f"jobtrends/{__version__} (sources check)"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read()
    except urllib.error.HTTPError as exc:
        return False, f"HTTP {exc.code} from {url}"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        return False, f"{getattr(exc, 'reason', exc)} ({url})"
    ctx = ParseContext(source=source.name, country=source.country)
    company = str(source.option("company", ""))
    parsers: dict[str, Callable[[], Sized]] = {
        "greenhouse": lambda: list(greenhouse.parse_jobs(body, ctx)),
        "lever": lambda: lever.parse_page(body, ctx),
        "smartrecruiters": lambda: smartrecruiters.parse_list(body)[0],
        "recruitee": lambda: recruitee.parse_offers(body, ctx),
        "ashby": lambda: ashby.parse_board(body, ctx),
        "workable": lambda: workable.parse_account(body, ctx),
        "personio": lambda: personio.parse_feed(body, ctx, company),
        "teamtailor": lambda: teamtailor.parse_feed(body, ctx),
    }
    if source.kind == "jsonld":
        if body.lstrip()[:5] == b"<?xml" or body[:2] == b"\x1f\x8b":
            return True, f"{len(body)} bytes of sitemap"
        page = parse_page(body.decode("utf-8", "replace"), url, ctx)
        return True, f"{len(page.postings)} JobPosting(s) on the first page"
    try:
        found = parsers[source.kind]()
    except PayloadError as exc:
        return False, str(exc)
    return True, f"{len(found)} posting(s) on the first page"
