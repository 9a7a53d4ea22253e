"""Owners approve or reject a published version (#13); which version the next period's targets come from.

A version is published in one of two states:

- ``unattended`` — nobody was asked (``reportpack pack``, ``make pack``, a DAG run with
  ``review: false``); the manifest says so explicitly;
- ``pending`` — the pack's owners (``review.owners`` of its pack definition) were asked in Airflow.

An owner's answer turns ``pending`` into ``approved`` (the version is final) or ``rejected`` (it stays
a draft, with the reason). Only the manifest's ``approval`` and ``targets`` entries, ``index.html``
and the zip are rewritten — each to a temporary file renamed over the old, so a reader never sees
half of one; the documents never change.

**The next period's targets** (``plan_target`` in the warehouse) are those of the period's final
version, decided thus: an approved version is final; a later approval of an older version does not
replace the targets of a newer approved one; a pending or rejected version never writes targets; an
unattended version writes them only while the period has no approved version (a deployment without
reviews keeps working, and an unattended rerun never overrides what an owner approved). A
provisional version (``reportpack pack --provisional``: the period not over) never writes targets
and, approved, is not final: its plans are drafts until the period's end.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from reportpack.errors import InputError
from reportpack.owner import packdef
from reportpack.publish import index, pack, transition
from reportpack.publish import targets as publish_targets
from reportpack.render import templating
from reportpack.settings import redact

log = logging.getLogger(__name__)

APPROVED, REJECTED, PENDING, UNATTENDED = "approved", "rejected", "pending", "unattended"
REQUEST_TEMPLATE = "review_request.md.j2"


class ApprovalError(InputError):
    """An answer that cannot be recorded: the version was not waiting for one."""


def unattended() -> dict:
    return {"status": UNATTENDED, "by": None, "at": None, "reason": "无人值守生成，未请负责人审批"}


def pending(owners: list[dict], requested_at: str) -> dict:
    """The approval entry of a version whose ``owners`` ({id, name}) were asked at ``requested_at``."""
    return {"status": PENDING, "by": None, "at": None, "reason": None, "owners": owners, "requested_at": requested_at}


def approved_versions(period_dir: Path) -> list[int]:
    """The numbers of the period's final versions whose manifest says approved, ascending (an
    approved provisional version is not final)."""
    found = []
    for n in pack.versions(period_dir):
        if (period_dir / f"v{n}" / pack.MANIFEST).is_file():
            manifest = pack.read_manifest(period_dir / f"v{n}")
            if manifest.get("approval", {}).get("status") == APPROVED and not manifest.get("provisional"):
                found.append(n)
    return found


def targets_decision(period_dir: Path, version: int, status: str, provisional: dict | None = None) -> tuple[bool, str]:
    """Whether version ``version`` of the period, now in ``status``, writes the next period's targets
    into the warehouse, and why (in Chinese, for the manifest and the index page); ``provisional``:
    the manifest's entry of a provisional version."""
    if provisional:
        return False, f"未写入：临时版（数据截至{provisional['as_of']}），下期目标以期末定稿版本为准"
    approved = [n for n in approved_versions(period_dir) if n != version]
    if status == APPROVED:
        newer = [n for n in approved if n > version]
        if newer:
            return False, f"未写入：v{newer[-1]} 已批准在先，下期目标以其为准"
        return True, "已写入数据仓库，本版本已批准"
    if status == UNATTENDED:
        if approved:
            return False, f"未写入：本期已有批准的版本 v{approved[-1]}，下期目标以其为准"
        return True, "已写入数据仓库：本期尚无批准的版本，以最新生成的版本为准"
    if status == PENDING:
        return False, "待负责人批准后写入数据仓库"
    return False, "未写入：本版本已退回"


def request(version_dir: Path, templates_dir: Path, link: str | None) -> dict[str, str]:
    """The subject and body (Markdown) of the review request the owners see in Airflow: documents
    by kind, validation warnings, what changed, and where to open the pack."""
    manifest = pack.read_manifest(version_dir)
    definition = packdef.load(packdef.path_of(templates_dir, manifest["pack"]), templates_dir)
    groups = index.groups({f["path"]: f["kind"] for f in manifest["files"]}, definition)
    reports = json.loads((version_dir / "changes.json").read_text("utf-8")) if (version_dir / "changes.json").is_file() else []
    context = {
        "m": manifest,
        "period_name": manifest.get("period_name") or manifest["period"],
        "kinds": [(g["name"], len(g["documents"])) for g in groups],
        "documents": sum(len(g["documents"]) for g in groups),
        "warnings": [w["message"] for w in manifest["validation"].get("warnings", [])],
        "reports": reports,
        "link": link,
        "folder": str(version_dir),
    }
    text = templating.render(templates_dir, REQUEST_TEMPLATE, context)
    subject, _, body = text.strip().partition("\n")
    return {"subject": subject.strip(), "body": body.strip()}


def record(
    version_dir: Path,
    approve: bool,
    by: dict,
    at: str,
    reason: str | None,
    templates_dir: Path,
    warehouse_url: str,
) -> dict:
    """Record an owner's answer on a pending version; returns the new approval entry.

    Approval writes the version's ``targets.csv`` into the warehouse as the next period's targets
    (see the module's rule). Raises ``ApprovalError`` when the version was not pending."""
    version_dir = version_dir.resolve()
    manifest = pack.read_manifest(version_dir)
    before = manifest.get("approval", {})
    if before.get("status") != PENDING:
        raise ApprovalError(
            f"{version_dir}: approval is {before.get('status')!r}, not 'pending'; an answer is recorded once, "
            "on a version that asked for one"
        )
    status = APPROVED if approve else REJECTED
    # the owner as the pack definition names them (王芳), not as the auth manager does (wangfang)
    named = {o["id"]: o["name"] for o in before.get("owners", [])}
    who = {"id": by.get("id"), "name": named.get(by.get("id")) or by.get("name")}
    approval = {**before, "status": status, "by": who, "at": at}
    approval["reason"] = (reason or "").strip() or None
    store, why = targets_decision(version_dir.parent, pack.number(version_dir), status, manifest.get("provisional"))
    meta = {k: v for k, v in manifest.items() if k != "files"}
    meta["approval"] = approval
    if manifest.get("targets"):  # a pack whose plans set the next period's targets
        targets = dict(manifest["targets"])
        if store and (version_dir / "targets.csv").is_file():
            targets["rows"] = len(publish_targets.read_csv(version_dir / "targets.csv"))
        targets.update(stored=store, note=why)
        meta["targets"] = targets
    answer = {"meta": meta, "store": bool(store and meta.get("targets")), "warehouse": redact(warehouse_url)}
    # recorded first: an answer interrupted on its way is applied again by publish.transition.finish
    with transition.answer_lock(version_dir, f"answer of {who['id']}"):
        note = version_dir.parent / transition.ANSWER.format(version=version_dir.name)
        pack.replace_text(note, json.dumps(answer, ensure_ascii=False))
        transition.reached("answer noted", version_dir)
        with transition.signals_held():
            apply(version_dir, answer, templates_dir, warehouse_url)
    log.info(
        "%s %s by %s (%s); targets: %s", version_dir.name, status, approval["by"], at, why if meta.get("targets") else "none"
    )
    return approval


def apply(version_dir: Path, answer: dict, templates_dir: Path, warehouse_url: str) -> None:
    """Apply a recorded answer (``record``): the targets stored when it says so, then the index
    page, manifest and zip rewritten; its note removed when all is done. Every step can be repeated."""
    if answer["store"]:
        publish_targets.store_published(version_dir, warehouse_url, answer["meta"]["targets"])
        transition.reached("answer targets", version_dir)
    manifest = pack.read_manifest(version_dir)
    rewrite(version_dir, answer["meta"], manifest["files"], templates_dir)
    (version_dir.parent / transition.ANSWER.format(version=version_dir.name)).unlink(missing_ok=True)


def rewrite(version_dir: Path, meta: dict, files: list[dict], templates_dir: Path) -> None:
    """Rewrite a published version's index page, manifest and zip after its approval changed; each
    file is replaced whole (written aside, then renamed)."""
    kinds = {f["path"]: f["kind"] for f in files}
    known = {f["path"]: f["sha256"] for f in files if f["path"] != index.INDEX}
    index.rewrite(version_dir, meta, kinds, templates_dir)
    pack.write_manifest(version_dir, meta, kinds, known=known)
    pack.zip_version(version_dir)
