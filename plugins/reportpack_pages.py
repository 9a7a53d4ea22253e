"""Airflow plugin: the published report packs inside Airflow's UI (``/reportpack/``, menu 报告包).

Thin by design — the app is ``reportpack.publish.pages`` in the library; this file only registers it. The
api-server needs the same ``REPORTPACK_OUTPUT_DIR`` as the workers that publish the packs.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from reportpack.airflow_support import PAGES_PREFIX
from reportpack.publish.pages import LazyApp


class ReportPackPages(AirflowPlugin):
    name = "reportpack_pages"
    fastapi_apps = [{"app": LazyApp(), "url_prefix": PAGES_PREFIX, "name": "ReportPack packs"}]
    external_views = [
        {"name": "报告包", "href": f"{PAGES_PREFIX}/", "destination": "nav", "url_route": "reportpack", "category": "browse"}
    ]
