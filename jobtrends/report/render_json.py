"""The JSON report: every number, for machines."""

from __future__ import annotations

import json

from jobtrends.report.data import ReportData

SCHEMA_VERSION = 1


def render_json(report: ReportData) -> str:
    """The report as indented JSON; :meth:`ReportData.from_dict` reads ``["report"]`` back."""
    return json.dumps({"schema_version": SCHEMA_VERSION, "report": report.to_dict()},
                      ensure_ascii=False, indent=2)
