"""A provisional pack (issue #16, "an unfinished period is refused unless asked for explicitly, and then
marked as provisional in the documents"): ``reportpack pack --as-of`` cuts the period at a month end;
every document says so under its title, the figures are those of that day, no targets are stored,
and the final pack of the period afterwards is unmarked and stores them."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import docx
import pytest
from sqlalchemy import create_engine, text

from reportpack import pipeline
from reportpack.cli import main
from reportpack.errors import InputError
from reportpack.publish import approval, pack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
MARK = "临时版"


def _opening(path: Path) -> str:
    """The first paragraphs of a document: its title, and what stands under it."""
    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs[:5])


def _stored_targets(url: str, period: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(text("select count(*) from plan_target where period = :p"), {"p": period}).scalar_one()
    engine.dispose()
    return found


def _balance(url: str, unit_id: str, day: str) -> float:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(
            text("select corporate_deposit from daily_balance where unit_id = :u and biz_date = :d"), {"u": unit_id, "d": day}
        ).scalar_one()
    engine.dispose()
    return float(found)


def test_a_provisional_pack_is_cut_at_its_month_end_marked_in_every_document_and_stores_no_targets(
    monkeypatch, capsys, make_settings, warehouse
):
    settings = make_settings(warehouse)
    monkeypatch.setenv("REPORTPACK_INPUT_DIR", str(settings.input_dir))
    out = str(settings.output_dir)
    assert main(["pack", "--period", "2023H2", "--as-of", "2023-09-30", "--url", warehouse, "--output", out]) == 0
    assert "provisional: data as of 2023-09-30" in capsys.readouterr().out
    version = pack.latest(settings.output_dir, "2023H2")
    manifest = json.loads((version / "manifest.json").read_text("utf-8"))
    assert manifest["provisional"] == {"as_of": "2023-09-30", "period_end": "2023-12-31"}
    assert manifest["period_end"] == "2023-09-30"
    assert manifest["targets"]["stored"] is False and "临时版" in manifest["targets"]["note"]
    assert _stored_targets(warehouse, "2024H1") == 0
    assert MARK in (version / "index.html").read_text("utf-8")
    request = approval.request(version, settings.templates_dir, None)  # what owners would be asked
    assert request["subject"].startswith("请审批：2023年下半年报告包 v1（临时版）")
    assert "数据截至2023-09-30" in request["body"] and "批准后不写入下期目标" in request["body"]

    documents = [version / f["path"] for f in manifest["files"] if f["path"].endswith(".docx") and f["kind"] != "changes"]
    kinds = {f["kind"] for f in manifest["files"] if f["path"].endswith(".docx")} - {"changes"}
    assert len(kinds) == 8 and len(documents) > 150  # the seven kinds of the seed and the compilations
    unmarked = [d.relative_to(version).as_posix() for d in documents if MARK not in _opening(d)]
    assert not unmarked
    # the figures are those of 30 September: 解放路分理处's 对公存款 balance that day, in 亿元
    summary = next(d for d in documents if d.parent.parent.name == "outlets" and d.name.startswith("BR01-S001-O00001_"))
    body = "\n".join(p.text for p in docx.Document(str(summary)).paragraphs)
    expected = _balance(warehouse, "BR01-S001-O00001", "2023-09-30") / 1e8
    assert f"截至9月末，对公存款余额为{expected:.2f}亿元" in body
    assert "本文数据截至2023年9月30日" in body and "本期于2023年12月31日结束" in body

    # the final pack of the period, afterwards: unmarked, and it stores the next period's targets
    final = pipeline.run_all(settings, "2023H2", pack_name="outlet_summaries")
    assert final.name == "v2" and not json.loads((final / "manifest.json").read_text("utf-8"))["provisional"]
    summaries = [final / f["path"] for f in pack.read_manifest(final)["files"] if f["kind"] == "outlet_half_year_summary"]
    assert len(summaries) == 21 and not any(MARK in _opening(p) for p in summaries)
    assert _stored_targets(warehouse, "2024H1") > 0


def test_provisional_asks_are_checked_before_anything_is_written(monkeypatch, make_settings, warehouse):
    settings = make_settings(warehouse)
    with pytest.raises(InputError, match=r"2023-09-29 .*a month end from 2023-07-31 to 2023-11-30"):
        pipeline.start(settings, "2023H2", "r", as_of=date(2023, 9, 29))
    with pytest.raises(InputError, match=r"2023-12-31 .*before the last"):
        pipeline.start(settings, "2023H2", "r", as_of=date(2023, 12, 31))
    with pytest.raises(InputError, match=r"period 2023H2 has ended .*leave out --provisional"):
        pipeline.provisional_as_of("2023H2")
    assert pipeline.provisional_as_of("2023H2", date(2023, 8, 31)) == date(2023, 8, 31)
    # on 2 September 2023, 2023H2 is not over: refused, saying how to ask for a provisional pack
    monkeypatch.setattr(pipeline, "bank_today", lambda: date(2023, 9, 2))
    with pytest.raises(InputError, match=r"period 2023H2 has not ended .*data as of 2023-08-31.*--provisional"):
        pipeline.start(settings, "2023H2", "r")
    assert pipeline.provisional_as_of("2023H2") == date(2023, 8, 31)
    with pytest.raises(InputError, match=r"as-of date 2023-09-30 .*has not passed yet"):
        pipeline.start(settings, "2023H2", "r", as_of=date(2023, 9, 30))
    # on 2 July 2023 no month of it has ended: nothing to build even a provisional pack from
    monkeypatch.setattr(pipeline, "bank_today", lambda: date(2023, 7, 2))
    with pytest.raises(InputError, match=r"none of its months has ended yet, so not even a provisional pack"):
        pipeline.start(settings, "2023H2", "r")
    with pytest.raises(InputError, match=r"none of its months has ended yet .*nothing to build a provisional pack from"):
        pipeline.provisional_as_of("2023H2")
    assert not (settings.output_dir / ".runs").exists()
