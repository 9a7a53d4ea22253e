"""The published packs inside Airflow's UI (#13): a FastAPI app that ``plugins/reportpack_pages.py``
mounts on the api-server at ``/reportpack``.

``/reportpack/`` lists every period and its versions (approval, validation, when); a version's own
pages and files are served from its folder as they are in the zip (``/reportpack/2023H1/v2/`` is its
``index.html``, whose relative links then resolve), ``/reportpack/2023H1/latest/`` follows ``latest``.
Only a signed-in Airflow user who may read the pack's DAG (``reportpack_<pack>``) sees a version:
the packs hold the bank's figures. Nothing outside the output folder's versions is ever served.
"""

from __future__ import annotations

import re
from pathlib import Path

from reportpack.publish import index, pack, transition

PERIOD = re.compile(r"^[0-9]{4}(?:-[0-9]{2}|Q[1-4]|H[12])?$")
VERSION = re.compile(r"^v[1-9][0-9]*$")
ZIP = re.compile(r"^v[1-9][0-9]*\.zip$")
TEMPLATE = "pages/packs.html.j2"


def listing(output_dir: Path) -> list[dict]:
    """Every period under ``output_dir``, newest first, with its versions newest first."""
    periods = []
    for folder in sorted((p for p in output_dir.iterdir() if p.is_dir() and PERIOD.match(p.name)), reverse=True):
        latest = pack.latest(output_dir, folder.name)
        versions = []
        hidden = transition.not_yet_visible(folder)
        for n in reversed(pack.versions(folder)):
            version = folder / f"v{n}"
            if not (version / pack.MANIFEST).is_file() or version.name == hidden:
                continue  # reserved, still being published (or interrupted: the next run finishes it)
            m = pack.read_manifest(version)
            versions.append(
                {
                    "name": version.name,
                    "latest": latest is not None and version.resolve() == latest,
                    "approval": index.APPROVAL_ZH.get(m["approval"]["status"], m["approval"]["status"]),
                    "validation": index.VALIDATION_ZH.get(m["validation"]["status"], m["validation"]["status"]),
                    "generated_at": m.get("generated_at"),
                    "pack": m.get("pack"),
                    "documents": sum(1 for f in m["files"] if f["path"].endswith(".docx")),
                }
            )
        if versions:
            periods.append({"period": folder.name, "name": versions and _period_name(folder, versions[0]), "versions": versions})
    return periods


def _period_name(folder: Path, newest: dict) -> str:
    return pack.read_manifest(folder / newest["name"]).get("period_name") or folder.name


def resolve(output_dir: Path, period: str, version: str, path: str) -> Path | None:
    """The file a URL names inside a published version, or ``None`` (unknown, or outside it)."""
    if not PERIOD.match(period) or not (VERSION.match(version) or version == pack.LATEST):
        return None
    folder = (output_dir / period / version).resolve()
    if not (folder / pack.MANIFEST).is_file() or folder.parent != (output_dir / period).resolve():
        return None
    target = (folder / (path or index.INDEX)).resolve()
    if not target.is_relative_to(folder) or not target.is_file():
        return None
    return target


class LazyApp:
    """An ASGI app that builds the FastAPI app on its first request.

    Airflow's plugin manager imports every plugin in the scheduler and in every task process too; the
    app needs FastAPI and Airflow's API security (about 3 s of imports), which only the api-server
    uses — so they are imported there, on the first request, not wherever the plugin is loaded."""

    def __init__(self) -> None:
        self._app = None

    async def __call__(self, scope, receive, send) -> None:
        if self._app is None:
            self._app = create_app()
        await self._app(scope, receive, send)


def create_app():
    """The FastAPI app (imports Airflow's API security: inside the api-server only)."""
    from airflow.api_fastapi.auth.managers.models.resource_details import DagDetails
    from airflow.api_fastapi.core_api.security import get_auth_manager, get_user
    from fastapi import Depends, FastAPI, HTTPException
    from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

    from reportpack import settings
    from reportpack.render import templating

    app = FastAPI(title="ReportPack packs", docs_url=None, redoc_url=None, openapi_url=None)
    # ``user=signed_in`` rather than an annotation: this module's annotations are strings, resolved at
    # module level, where Airflow's names are deliberately not imported.
    signed_in = Depends(get_user)

    def may_read(user, pack_name: str | None) -> bool:
        dag = DagDetails(id=f"reportpack_{pack_name}") if pack_name else None
        return get_auth_manager().is_authorized_dag(method="GET", details=dag, user=user)

    @app.get("/", response_class=HTMLResponse)
    def packs(user=signed_in) -> str:
        s = settings.load()
        periods = listing(s.output_dir) if s.output_dir.is_dir() else []
        for p in periods:
            p["versions"] = [v for v in p["versions"] if may_read(user, v["pack"])]
        periods = [p for p in periods if p["versions"]]
        return templating.render(s.templates_dir, TEMPLATE, {"periods": periods, "output": str(s.output_dir)})

    @app.get("/{period}/{name}")
    def version_root_or_zip(period: str, name: str, user=signed_in):
        s = settings.load()
        if ZIP.match(name) and PERIOD.match(period) and (s.output_dir / period / name).is_file():
            folder = s.output_dir / period / name.removesuffix(".zip")  # the zip of a version (index.html links it)
            if not may_read(user, pack.read_manifest(folder).get("pack")):
                raise HTTPException(status_code=403, detail=f"not allowed to read the pack of {period}/{name}")
            return FileResponse(s.output_dir / period / name, filename=f"{period}-{name}")
        return RedirectResponse(f"{name}/", status_code=307)  # the relative links of index.html need the slash

    @app.get("/{period}/{version}/{path:path}")
    def version_file(period: str, version: str, path: str, user=signed_in):
        s = settings.load()
        target = resolve(s.output_dir, period, version, path)
        if target is None:
            raise HTTPException(status_code=404, detail=f"no such file in a published pack: {period}/{version}/{path}")
        folder = target.parent
        while not (folder / pack.MANIFEST).is_file():
            folder = folder.parent
        if not may_read(user, pack.read_manifest(folder).get("pack")):
            raise HTTPException(status_code=403, detail=f"not allowed to read the pack of {period}/{version}")
        return FileResponse(target)

    return app
