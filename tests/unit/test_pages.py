"""What the Airflow plugin's pages serve (reportpack.publish.pages): every published version, and nothing
outside a version's folder."""

import json
import os

from reportpack.publish import approval, pages


def _version(out, period, n, status="unattended", provisional=None):
    folder = out / period / f"v{n}"
    (folder / "outlets").mkdir(parents=True)
    (folder / "outlets" / "O1_解放路分理处.docx").write_bytes(b"docx")
    (folder / "index.html").write_text("<html>", "utf-8")
    manifest = {
        "pack": "half_year",
        "period": period,
        "period_name": "2023年上半年",
        "generated_at": "2024-07-02T06:00:00Z",
        "validation": {"status": "passed"},
        "approval": {"status": status},
        "provisional": provisional,
        "files": [{"path": "outlets/O1_解放路分理处.docx"}, {"path": "index.html"}],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    return folder


def test_the_listing_names_every_version_newest_first_with_its_approval(tmp_path):
    _version(tmp_path, "2023H1", 1, "approved")
    _version(tmp_path, "2023H1", 2, "pending")
    (tmp_path / "2023H1" / "v3").mkdir()  # reserved by a run still publishing: not listed
    (tmp_path / "2023H1" / "latest").symlink_to("v2")
    (tmp_path / ".runs").mkdir()  # run folders are not periods
    (period,) = pages.listing(tmp_path)
    assert period["period"] == "2023H1" and period["name"] == "2023年上半年"
    assert [(v["name"], v["latest"], v["approval"], v["documents"]) for v in period["versions"]] == [
        ("v2", True, "待审批", 1),
        ("v1", False, "已批准", 1),
    ]


def test_a_version_is_listed_once_latest_points_at_it(tmp_path):
    """Found by the fault test (tests/e2e/test_interruptions.py): a publication killed after its folder
    was in place but before ``latest`` moved listed a version that ``latest`` did not show."""
    from reportpack.publish import transition

    _version(tmp_path, "2023H1", 1)
    _version(tmp_path, "2023H1", 2)
    (tmp_path / "2023H1" / "latest").symlink_to("v1")
    (tmp_path / "2023H1" / transition.JOURNAL).write_text(json.dumps({"version": "v2"}), "utf-8")
    assert [v["name"] for v in pages.listing(tmp_path)[0]["versions"]] == ["v1"]
    (tmp_path / "2023H1" / "latest").unlink()
    (tmp_path / "2023H1" / "latest").symlink_to("v2")  # latest moved: the rest (its targets) is finished by the next run
    assert [(v["name"], v["latest"]) for v in pages.listing(tmp_path)[0]["versions"]] == [("v2", True), ("v1", False)]


def test_only_files_inside_a_published_version_are_served(tmp_path):
    v1 = _version(tmp_path, "2023H1", 1)
    (tmp_path / "2023H1" / "latest").symlink_to("v1")
    (tmp_path / "secret.txt").write_text("x", "utf-8")
    os.symlink(tmp_path / "secret.txt", v1 / "escape.txt")  # a link out of the version
    assert pages.resolve(tmp_path, "2023H1", "v1", "") == v1.resolve() / "index.html"
    assert pages.resolve(tmp_path, "2023H1", "latest", "outlets/O1_解放路分理处.docx") is not None
    for period, version, path in [
        ("2023H1", "v1", "../../secret.txt"),
        ("2023H1", "v1", "/etc/passwd"),
        ("2023H1", "v1", "escape.txt"),
        ("..", "v1", "secret.txt"),
        ("2023H1", "..", "secret.txt"),
        ("2023H1", "v2", ""),  # not published
        (".runs", "v1", ""),
    ]:
        assert pages.resolve(tmp_path, period, version, path) is None, (period, version, path)


def test_the_next_periods_targets_come_from_the_final_version(tmp_path):
    period = tmp_path / "2023H1"
    decide = approval.targets_decision
    assert decide(period, 1, "unattended")[0] is True  # no reviews: the newest version counts
    assert decide(period, 1, "pending") == (False, "待负责人批准后写入数据仓库")
    _version(tmp_path, "2023H1", 1, "pending")
    _version(tmp_path, "2023H1", 2, "approved")
    assert decide(period, 1, "approved")[0] is False  # a late answer to v1 does not replace approved v2
    assert "v2 已批准在先" in decide(period, 1, "approved")[1]
    assert decide(period, 3, "unattended") == (False, "未写入：本期已有批准的版本 v2，下期目标以其为准")
    assert decide(period, 3, "approved")[0] is True
    assert decide(period, 3, "rejected")[0] is False


def test_a_provisional_version_never_stores_targets_and_approved_is_not_final(tmp_path):
    period = tmp_path / "2023H2"
    decide = approval.targets_decision
    early = {"as_of": "2023-09-30", "period_end": "2023-12-31"}
    for status in ("unattended", "approved"):
        assert decide(period, 1, status, early) == (False, "未写入：临时版（数据截至2023-09-30），下期目标以期末定稿版本为准")
    _version(tmp_path, "2023H2", 1, "approved", provisional=early)
    assert approval.approved_versions(period) == []
    assert decide(period, 2, "unattended")[0] is True  # the final pack, after an approved provisional one
