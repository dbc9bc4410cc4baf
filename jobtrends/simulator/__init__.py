"""A seeded job-market simulator served over HTTP, with the ground truth of what it serves.

>>> market = build_market(MarketConfig(seed=1, postings=200, weeks=6))
>>> with MarketServer(market) as server:
...     server.set_week(0)   # the market as the first crawl sees it
"""

from __future__ import annotations

from jobtrends.simulator.market import Market, MarketConfig, Role, SourceSpec, build_market
from jobtrends.simulator.server import MarketServer
from jobtrends.simulator.truth import GroundTruth, ground_truth

__all__ = ["GroundTruth", "Market", "MarketConfig", "MarketServer", "Role", "SourceSpec",
           "build_market", "ground_truth"]
