"""A local HTTP server shaped like the job APIs and career sites the spiders crawl.

Scenario prefixes (before the API path, so a source's ``base_url`` selects them):
``/fail500/...`` always 500; ``/forbidden/...`` 403; ``/once500/<token>/...`` and
``/once429/<token>/...`` fail once (429 with ``Retry-After: 1``) then serve the path;
``/date429/<token>/...`` the same with an HTTP-date ``Retry-After``.
One posting of Greenhouse (``/v1/boards/<board>/jobs/<id>``), Lever and SmartRecruiters answers
404 unless the board lists it (Greenhouse: or ``<board>-unlisted.json`` holds it; a board
named ``*-jobs500`` answers 500 for each job).
Host-based APIs take the company as a path segment: ``/recruitee/<company>/api/offers/``,
``/personio/<company>/xml``, ``/teamtailor/<company>/jobs.rss``.
``/slow/...`` answers after 3 s; ``/gen/...`` generates large boards for the benchmark.
Run it standalone with ``python tests/mockserver/server.py`` (prints its URL).
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

try:  # imported as tests/mockserver (pytest, bench) or run as a script
    from .generator import generate
except ImportError:
    from generator import generate  # type: ignore[no-redef]

FIXTURES = Path(__file__).parent / "fixtures"
ROBOTS = b"User-agent: *\nDisallow: /private/\n"


class Response:
    def __init__(self, status: int = 200, body: bytes = b"", content_type: str = "application/json",
                 headers: dict[str, str] | None = None) -> None:
        self.status, self.body, self.content_type = status, body, content_type
        self.headers = headers or {}


def _json(data: Any, status: int = 200) -> Response:
    return Response(status, json.dumps(data).encode())


def _not_found(message: str = "Not Found") -> Response:
    return _json({"status": 404, "error": message}, 404)


def _lever_not_found() -> Response:
    return _json({"ok": False, "error": "Document not found"}, 404)


class MockState:
    """Hit counts per path (shared by the handler threads)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hits: dict[str, int] = {}
        self.times: dict[str, list[float]] = {}
        self.user_agents: list[str] = []

    def hit(self, key: str) -> int:
        with self.lock:
            self.hits[key] = self.hits.get(key, 0) + 1
            self.times.setdefault(key, []).append(time.monotonic())
            return self.hits[key]


class Handler(BaseHTTPRequestHandler):
    server: MockHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.server.state.user_agents.append(self.headers.get("User-Agent", ""))
        try:
            response = self.route()
        except Exception as exc:  # noqa: BLE001 - a server bug shows up as a 500 in the test
            response = Response(500, f"mock server error: {exc!r}".encode(), "text/plain")
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)

    @property
    def base(self) -> str:
        return self.server.url

    def route(self) -> Response:
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        if path == "/robots.txt":
            return Response(200, ROBOTS, "text/plain")
        match = re.match(r"^/(once500|once429|date429)/([^/]+)(/.*)$", path)
        if match:
            scenario, token, rest = match.groups()
            if self.server.state.hit(f"{scenario}/{token}") == 1:
                if scenario == "once500":
                    return Response(500, b"temporary failure", "text/plain")
                retry_after = "1" if scenario == "once429" else formatdate(
                    time.time() + 2, usegmt=True)  # whole seconds: waits 1-2 s
                return Response(429, b"slow down", "text/plain", {"Retry-After": retry_after})
            path = rest
        if path.startswith("/fail500/"):
            self.server.state.hit(path)
            return Response(500, b"always failing", "text/plain")
        if path.startswith("/slow/"):  # slower than the tests' download timeout
            time.sleep(3)
            return Response(504, b"too late", "text/plain")
        if path.startswith("/forbidden/"):
            return Response(403, b"forbidden", "text/plain")
        return self.api(path, query)

    def api(self, path: str, query: dict[str, list[str]]) -> Response:
        if path.startswith("/gen/"):
            self.server.state.hit(path)
            status, body, content_type = generate(path, query, self.base)
            return Response(status, body, content_type)
        if m := re.match(r"^/v1/boards/([^/]+)/jobs/?$", path):
            return self.fixture("greenhouse", m.group(1)) or _not_found("Job not found")
        if m := re.match(r"^/v1/boards/([^/]+)/jobs/([^/]+)$", path):
            # one job: those of the board's listing, and of "<board>-unlisted" (live jobs a
            # partial listing leaves out)
            self.server.state.hit(path)
            if m.group(1).endswith("-jobs500"):  # the listing answers, its jobs fail
                return Response(500, b"job endpoint down", "text/plain")
            jobs = [job for name in (m.group(1), m.group(1) + "-unlisted")
                    if isinstance(board := self.load("greenhouse", name), dict)
                    for job in board.get("jobs", [])]
            job = next((j for j in jobs if str(j.get("id")) == m.group(2)), None)
            return _json(job) if job is not None else _not_found("Job not found")
        if m := re.match(r"^/v0/postings/([^/]+)/([^/]+)$", path):
            postings = self.load("lever", m.group(1))
            post = next((p for p in postings if p.get("id") == m.group(2)), None) if isinstance(
                postings, list) else None
            return _json(post) if post is not None else _lever_not_found()
        if m := re.match(r"^/v0/postings/([^/]+)/?$", path):
            data = self.load("lever", m.group(1))
            if data is None:
                return _lever_not_found()
            if not isinstance(data, list):
                return Response(200, data, "application/json")
            skip, limit = int(query.get("skip", ["0"])[0]), int(query.get("limit", ["100"])[0])
            return _json(data[skip:skip + limit])
        if m := re.match(r"^/v1/companies/([^/]+)/postings/?$", path):
            data = self.load("smartrecruiters", m.group(1))
            if not isinstance(data, dict):
                return _not_found() if data is None else Response(200, data)
            offset, limit = int(query.get("offset", ["0"])[0]), int(query.get("limit", ["100"])[0])
            content = data["content"]
            return _json({"offset": offset, "limit": limit, "totalFound": len(content),
                          "content": content[offset:offset + limit]})
        if m := re.match(r"^/v1/companies/([^/]+)/postings/([^/]+)$", path):
            listing = self.load("smartrecruiters", m.group(1))
            details = self.load("smartrecruiters", m.group(1) + "-details") or {}
            entry = next((p for p in listing["content"] if p["id"] == m.group(2)), None) if (
                isinstance(listing, dict)) else None
            if entry is None:
                return _not_found()
            return _json(entry | details.get(m.group(2), {}))
        if m := re.match(r"^/recruitee/([^/]+)/api/offers/?$", path):
            return self.fixture("recruitee", m.group(1)) or _not_found()
        if m := re.match(r"^/posting-api/job-board/([^/]+)$", path):
            return self.fixture("ashby", m.group(1)) or _not_found()
        if m := re.match(r"^/api/v1/widget/accounts/([^/]+)$", path):
            return self.fixture("workable", m.group(1)) or _not_found()
        if m := re.match(r"^/personio/([^/]+)/xml$", path):
            return self.fixture("personio", m.group(1), ".xml", "text/xml; charset=utf-8") or (
                Response(404, b"<html>not found</html>", "text/html"))
        if m := re.match(r"^/teamtailor/([^/]+)/jobs.rss$", path):
            return self.fixture("teamtailor", m.group(1), ".rss", "application/rss+xml") or (
                Response(404, b"not found", "text/plain"))
        if path.startswith("/site/"):
            return self.site(path[len("/site/"):])
        return _not_found()

    def load(self, kind: str, name: str) -> Any:
        """Parsed JSON of a fixture; raw bytes when it is malformed on purpose; None if absent."""
        file = FIXTURES / kind / f"{name}.json"
        if not file.is_file():
            return None
        body = file.read_bytes()
        try:
            return json.loads(body)
        except ValueError:
            return body

    def fixture(self, kind: str, name: str, suffix: str = ".json",
                content_type: str = "application/json") -> Response | None:
        file = FIXTURES / kind / f"{name}{suffix}"
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or not file.is_file():
            return None
        return Response(200, file.read_bytes().replace(b"{{BASE}}", self.base.encode()),
                        content_type)

    def site(self, rel: str) -> Response:
        """A career site: pages with JSON-LD, sitemaps (also gzipped), odd encodings."""
        self.server.state.hit(f"/site/{rel}")
        if ".." in rel:
            return Response(400, b"bad path", "text/plain")
        if re.search(r"gone-404", rel):
            return Response(404, b"<html><body>Page not found</body></html>", "text/html")
        if re.search(r"gone-410", rel):
            return Response(410, b"<html><body>Gone</body></html>", "text/html")
        gzipped = rel.endswith(".gz")
        file = FIXTURES / "jsonld" / "site" / (rel[:-3] if gzipped else rel)
        if not file.is_file():
            return Response(404, b"<html><body>Page not found</body></html>", "text/html")
        text = file.read_text(encoding="utf-8").replace("{{BASE}}", self.base)
        if gzipped:
            return Response(200, gzip.compress(text.encode()), "application/x-gzip")
        if rel.endswith(".xml"):
            return Response(200, text.encode(), "application/xml")
        if "-cp1252" in rel:  # declared in the header only
            return Response(200, text.encode("cp1252"), "text/html; charset=windows-1252")
        if "-latin1" in rel:  # declared in a <meta> only
            return Response(200, text.encode("latin-1"), "text/html")
        return Response(200, text.encode(), "text/html; charset=utf-8")


class MockHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 overflows when a crawl opens more connections at
    # once: the kernel drops the extra SYNs and the client resends them after 1, 3, 7... s
    # (bench_revisit: 3 of 50 revisits answered 24 s late)
    request_queue_size = 128

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.state = MockState()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``, from the bound address (a str; the stubs allow bytes)."""
        host, port = self.server_address[:2]
        if isinstance(host, (bytes, bytearray)):
            host = host.decode()
        return f"http://{host}:{port}"


class MockServer:
    """The server in a background thread; ``url`` is ``http://127.0.0.1:<port>``."""

    def __init__(self) -> None:
        self.httpd = MockHTTPServer()
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return self.httpd.url

    @property
    def state(self) -> MockState:
        return self.httpd.state

    def __enter__(self) -> MockServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    server = MockHTTPServer()
    print(server.url, flush=True)
    server.serve_forever()
