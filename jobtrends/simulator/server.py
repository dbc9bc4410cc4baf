"""Serve a simulated market over HTTP on 127.0.0.1, as it stands at a chosen simulated week.

Routes (``{base}`` is the server's URL):

- ``/robots.txt`` allows everything and names the job boards' sitemaps;
- ``{base}/greenhouse/v1/boards/{board}/jobs?content=true`` (Greenhouse job-board API) and
  ``…/jobs/{id}`` (one job: 404 once it is taken down);
- ``{base}/lever/v0/postings/{site}?mode=json&skip=N&limit=M`` (Lever postings API) and
  ``…/postings/{site}/{id}`` (one posting: 404 once it is taken down);
- ``{base}/boards/{board}/jobs?page=N`` listing pages, ``/boards/{board}/sitemap.xml``
  (a sitemap index) with ``sitemap-jobs-{k}.xml`` parts, and ``/boards/{board}/jobs/{id}``
  posting pages embedding schema.org ``JobPosting`` JSON-LD.

During the market's failing week every URL of the failing source answers 503.
Pages are rendered per request, so a market of hundreds of thousands of postings costs no memory
beyond the market itself.
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from jobtrends.simulator import payloads
from jobtrends.simulator.market import KIND_GREENHOUSE, KIND_JSONLD, KIND_LEVER, Market, Placement

# what the APIs answer for an unknown board, site or posting (status 404)
GREENHOUSE_NOT_FOUND = {"status": 404, "error": "Job not found"}
LEVER_NOT_FOUND = {"ok": False, "error": "Document not found"}


class MarketServer:
    """A background HTTP server for ``market``; use as a context manager or start()/stop()."""

    def __init__(self, market: Market, host: str = "127.0.0.1", port: int = 0) -> None:
        self.market = market
        self.week = 0
        self.requests = 0
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"sim": self})
        self._httpd = _QuietServer((host, port), handler)
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def set_week(self, week: int) -> None:
        """Serve the market as it stands at ``week``'s crawl time."""
        if not 0 <= week < self.market.weeks:
            raise ValueError(f"week must be in 0..{self.market.weeks - 1}, got {week}")
        self.week = week

    def start(self) -> MarketServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        name="market-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> MarketServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _QuietServer(ThreadingHTTPServer):
    # socketserver's default backlog of 5 overflows when crawlers open more connections at
    # once: the kernel drops the extra SYNs, which the clients resend only after 1, 3, 7... s
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a crawler closing its connection early is routine, not an error worth a traceback
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    sim: MarketServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # quiet: a crawl makes thousands of requests

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        with self.sim._lock:
            self.sim.requests += 1
        split = urlsplit(self.path)
        parts = [p for p in split.path.split("/") if p]
        query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        with contextlib.suppress(ConnectionError):  # the crawler hung up: nothing to do
            self._route(parts, query)

    # --- routing ---------------------------------------------------------------------------------
    def _route(self, parts: list[str], query: dict[str, str]) -> None:
        market, week, base = self.sim.market, self.sim.week, self.sim.base_url
        if parts == ["robots.txt"]:
            sitemaps = "".join(
                f"Sitemap: {base}/boards/{s.key}/sitemap.xml\n"
                for s in market.sources if s.kind == KIND_JSONLD
            )
            return self._send(200, "text/plain", f"User-agent: *\nAllow: /\n{sitemaps}")
        if len(parts) == 5 and parts[:2] == ["greenhouse", "v1"] and parts[2] == "boards" \
                and parts[4] == "jobs":
            return self._greenhouse(parts[3], query, week, base)
        if len(parts) == 6 and parts[:3] == ["greenhouse", "v1", "boards"] \
                and parts[4] == "jobs":
            return self._one_posting(
                KIND_GREENHOUSE, parts[3], parts[5], week, GREENHOUSE_NOT_FOUND,
                lambda p: payloads.greenhouse_job(market, p, base, True))
        if len(parts) == 4 and parts[:3] == ["lever", "v0", "postings"]:
            return self._lever(parts[3], query, week, base)
        if len(parts) == 5 and parts[:3] == ["lever", "v0", "postings"]:
            return self._one_posting(
                KIND_LEVER, parts[3], parts[4], week, LEVER_NOT_FOUND,
                lambda p: payloads.lever_posting(market, p, base))
        if len(parts) >= 3 and parts[0] == "boards":
            return self._board(parts[1], parts[2:], query, week, base)
        return self._send(404, "text/plain", "not found")

    def _source(self, kind: str, key: str) -> str | None:
        spec = self.sim.market.source_by_key.get((kind, key))
        return spec.name if spec else None

    def _failing(self, source: str, week: int) -> bool:
        if self.sim.market.is_failing(source, week):
            self._send(503, "text/html", "<h1>503 Service Unavailable</h1>")
            return True
        return False

    def _greenhouse(self, board: str, query: dict[str, str], week: int, base: str) -> None:
        source = self._source(KIND_GREENHOUSE, board)
        if source is None:
            return self._json(404, GREENHOUSE_NOT_FOUND)
        if self._failing(source, week):
            return None
        live = self.sim.market.visible(source, week)
        content = query.get("content", "").lower() == "true"
        return self._json(200, payloads.greenhouse_board(self.sim.market, live, base, content))

    def _one_posting(self, kind: str, key: str, job_id: str, week: int,
                     not_found: dict[str, Any], render: Callable[[Placement], Any]) -> None:
        """One posting of an ATS API: 503 in its source's failing week, 404 (``not_found``)
        once it is taken down, else ``render(placement)``."""
        market = self.sim.market
        source = self._source(kind, key)
        if source is not None and self._failing(source, week):
            return None
        placement = market.placement(source, job_id) if source else None
        if placement is None or not market.is_live(placement, week):
            return self._json(404, not_found)
        return self._json(200, render(placement))

    def _lever(self, site: str, query: dict[str, str], week: int, base: str) -> None:
        source = self._source(KIND_LEVER, site)
        if source is None:
            return self._json(404, LEVER_NOT_FOUND)
        if self._failing(source, week):
            return None
        live = self.sim.market.visible(source, week)
        try:
            skip = max(0, int(query.get("skip", "0")))
            limit = int(query["limit"]) if "limit" in query else len(live)
        except ValueError:
            return self._json(400, {"ok": False, "error": "Invalid skip or limit"})
        page = live[skip: skip + max(0, limit)]
        return self._json(200, [payloads.lever_posting(self.sim.market, p, base) for p in page])

    def _board(self, board: str, rest: list[str], query: dict[str, str], week: int,
               base: str) -> None:
        market = self.sim.market
        source = self._source(KIND_JSONLD, board)
        if source is None:
            return self._send(404, "text/html", "<h1>Not found</h1>")
        if self._failing(source, week):
            return None
        live = market.visible(source, week)
        size = market.config.sitemap_page_size
        if rest == ["jobs"]:
            try:
                page = max(1, int(query.get("page", "1")))
            except ValueError:
                page = 1
            html = payloads.listing_page(market, source, live, page,
                                         market.config.listing_page_size, base)
            return self._send(200, "text/html; charset=utf-8", html)
        if rest == ["sitemap.xml"]:
            pages = max(1, -(-len(live) // size))
            return self._send(200, "application/xml", payloads.sitemap_index(board, pages, base))
        if len(rest) == 1 and rest[0].startswith("sitemap-jobs-") and rest[0].endswith(".xml"):
            try:
                k = int(rest[0][len("sitemap-jobs-"):-len(".xml")])
            except ValueError:
                return self._send(404, "text/plain", "not found")
            chunk = live[(k - 1) * size: k * size]
            return self._send(200, "application/xml",
                              payloads.sitemap_urlset(market, chunk, base))
        if len(rest) == 2 and rest[0] == "jobs":
            placement = market.placement(source, rest[1])
            if placement is None or not market.is_live(placement, week):
                return self._send(404, "text/html", "<h1>This job is no longer available</h1>")
            return self._send(200, "text/html; charset=utf-8",
                              payloads.jsonld_page(market, placement, base))
        return self._send(404, "text/plain", "not found")

    # --- output ---------------------------------------------------------------------------------
    def _json(self, status: int, payload: Any) -> None:
        self._send(status, "application/json", json.dumps(payload, ensure_ascii=False))

    def _send(self, status: int, content_type: str, body: str) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
