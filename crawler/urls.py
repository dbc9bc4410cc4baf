"""URL helpers: canonical posting URLs and API URLs under a configurable origin."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Query parameters that only say how a visitor arrived; they never identify a posting.
TRACKING_PARAMS = frozenset(
    {
        "gh_src", "lever-source", "lever-source[]", "lever-origin", "ref", "referer", "referrer",
        "source", "src", "trk", "trackingid", "fbclid", "gclid", "dclid", "msclkid", "mc_cid",
        "mc_eid", "_hsenc", "_hsmi", "igshid", "yclid", "campaign", "ref_src", "sr_source",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_")


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonical_url(url: str | None) -> str | None:
    """``url`` without tracking parameters or fragment, query sorted (w3lib canonical form)."""
    if not url:
        return None
    url = url.strip()
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not _is_tracking(k)]
    cleaned = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))
    return canonicalize_url(cleaned, keep_fragments=False)


def api_url(base_url: str, path: str) -> str:
    """Join an API ``path`` (starting with ``/``) under ``base_url``, keeping its path prefix.

    ``api_url("http://127.0.0.1:8080/mirror", "/v1/boards/x/jobs")`` gives
    ``http://127.0.0.1:8080/mirror/v1/boards/x/jobs``; a plain :func:`urljoin` would drop
    ``/mirror``.
    """
    return base_url.rstrip("/") + "/" + path.lstrip("/")
