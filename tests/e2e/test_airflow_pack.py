"""End to end: the DAG runs through Airflow (`airflow dags test`) on the sample warehouse; the
documents are reopened with python-docx and their figures compared with an independent SQL query."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from docx import Document
from sqlalchemy import create_engine, text

from reportpack.render.wording import cn_numeral, count, fixed, money, pct, yi
from tests.conftest import AIRFLOW_HOME, ROOT, require_tool
from tests.e2e.conftest import texts

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group(AIRFLOW_HOME)]  # the Airflow run of the checkout's home

# Figures for one outlet, computed straight from the warehouse tables (not through reportpack's
# extraction SQL or pandas code). The sample has a row for every day, so 日均 is a plain average.
INDEPENDENT_SQL = """
with bounds as (select unit_id, name, parent_id, opened_on,
                       case when opened_on > '2023-01-01' then opened_on else '2023-01-01' end first_day,
                       case when closed_on < '2023-06-30' then closed_on else '2023-06-30' end last_day
                from org_unit where level = 'outlet' and opened_on <= '2023-06-30'
                  and (closed_on is null or closed_on >= '2023-01-01')),
b as (select unit_id, biz_date, corporate_deposit c, savings_deposit s, loans,
             npl_substandard + npl_doubtful + npl_loss npl from daily_balance),
e as (select x.unit_id, b.c c_end, b.s s_end, b.loans loans_end, b.npl * 1.0 / b.loans npl_ratio
      from bounds x join b on b.unit_id = x.unit_id and b.biz_date = x.last_day),
-- growth counts from 年初 (31 December), or from the opening day's balance of a later opening (较开业)
y as (select x.unit_id, b.c c0, b.s s0
      from bounds x join b on b.unit_id = x.unit_id
       and b.biz_date = case when x.opened_on > '2022-12-31' then x.opened_on else '2022-12-31' end),
a as (select x.unit_id, sum(b.c) * 1.0 / count(*) c_avg, sum(b.s) * 1.0 / count(*) s_avg, count(*) days
      from bounds x join b on b.unit_id = x.unit_id and b.biz_date between x.first_day and x.last_day group by x.unit_id),
py as (select unit_id, sum(c) * 1.0 / count(*) c_avg_py from b where biz_date between '2022-01-01' and '2022-12-31' group by unit_id),
ly as (select unit_id, sum(c) * 1.0 / count(*) c_avg_ly, sum(s) * 1.0 / count(*) s_avg_ly
       from b where biz_date between '2022-01-01' and '2022-06-30' group by unit_id having count(*) = 181),
m as (select unit_id, sum(new_corporate_accounts) accounts, sum(personal_loans_recovered) loans,
             sum(npl_recovered) npl, sum(payroll_customers_added) payroll, sum(card_spending) cards,
             sum(merchants_added) merchants, sum(ebank_transactions) * 1.0
               / (sum(ebank_transactions) + sum(counter_transactions)) ebank,
             sum(online_banking_customers_added) online
      from monthly_business where month between '2023-01' and '2023-06' group by unit_id),
f as (select x.unit_id, x.name, x.parent_id, s.name sub_name, x.first_day, x.last_day, e.loans_end, e.npl_ratio,
             e.c_end, e.c_end - y.c0 c_growth,
             a.c_avg, a.c_avg - py.c_avg_py c_avg_inc, e.s_end, e.s_end - y.s0 s_growth, a.s_avg, a.days,
             a.c_avg / ly.c_avg_ly - 1 c_yoy, a.s_avg / ly.s_avg_ly - 1 s_yoy, m.*
      from bounds x join org_unit s on s.unit_id = x.parent_id
      join e on e.unit_id = x.unit_id join y on y.unit_id = x.unit_id join a on a.unit_id = x.unit_id
      left join ly on ly.unit_id = x.unit_id left join py on py.unit_id = x.unit_id
      join m on m.unit_id = x.unit_id),
-- accounts moved onto (+) or off (-) an outlet's books after its base day, up to its last day
-- (account_transfer: a closing's, an opening's): ranks are on the growth without them (issue #34)
-- and to its 日均 for each day of the half year they stood on its books (from moved_on to its last day)
mv as (select x.unit_id, sum(t.c) c_moved, sum(t.s) s_moved,
              sum(t.c * (julianday(x.last_day) - julianday(max(t.moved_on, x.first_day)) + 1)) c_moved_days
       from bounds x join (select to_unit_id unit_id, moved_on, corporate_deposit c, savings_deposit s from account_transfer
                           union all select from_unit_id, moved_on, -corporate_deposit, -savings_deposit from account_transfer) t
         on t.unit_id = x.unit_id
        and t.moved_on > case when x.opened_on > '2022-12-31' then x.opened_on else '2022-12-31' end
        and t.moved_on <= x.last_day
       group by x.unit_id),
-- only outlets open the whole half year are ranked (a new one has no 年初, a closed one no 6月末)
r as (select f.*, f.c_growth - coalesce(mv.c_moved, 0) c_own, f.s_growth - coalesce(mv.s_moved, 0) s_own,
             f.c_avg_inc - coalesce(mv.c_moved_days, 0) * 1.0 / f.days c_avg_own,
             case when first_day = '2023-01-01' and last_day = '2023-06-30' then 1 else 0 end ranked
      from f left join mv on mv.unit_id = f.unit_id)
select r.*,
       case when ranked = 1 then rank() over (partition by parent_id, ranked order by c_own desc) end c_rank,
       case when ranked = 1 then rank() over (partition by parent_id, ranked order by c_avg_own desc) end c_avg_rank,
       case when ranked = 1 then rank() over (partition by parent_id, ranked order by s_own desc) end s_rank,
       sum(ranked) over (partition by parent_id) peers,
       count(*) over (partition by parent_id) outlets_in_sub
from r order by unit_id
"""
PRAISE = ("增长显著", "稳中有进", "较好完成", "稳步增长")
LEFTOVER = re.compile(r"\{\{|\}\}|\{%|(?<![A-Za-z])(?:xxx|none|nan)(?![A-Za-z])", re.IGNORECASE)


@pytest.fixture(scope="module")
def truth(sample_url):
    engine = create_engine(sample_url)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(text(INDEPENDENT_SQL))]
    engine.dispose()
    return rows


def months(r: dict) -> str:
    """The months an outlet's summary title names: 上半年, or those it was open (1至5月, 3至6月)."""
    first, last = int(r["first_day"][5:7]), int(r["last_day"][5:7])
    whole = r["first_day"] == "2023-01-01" and r["last_day"] == "2023-06-30"
    return "上半年" if whole else f"{first}至{last}月"


def test_the_run_prints_where_the_pack_was_published(airflow_pack):
    pack_dir, stdout = airflow_pack  # <output>/2023H1/latest
    version = pack_dir.resolve()  # the first run of the period: v1, and latest points at it
    assert version.name == "v1" and version.parent == pack_dir.parent
    assert f"Pack published: {version} — latest: {pack_dir}" in stdout


def test_a_good_run_logs_no_traceback_and_no_plugin_import_error(airflow_pack):
    # `airflow dags test` runs every task in this process and prints the task logs: what a user of
    # `make pack` reads, and what each task log holds in a deployment.
    _, log = airflow_pack
    assert "Traceback" not in log
    assert "Failed to import plugin" not in log
    assert "state=success" in log


def test_the_task_logs_tell_each_phases_progress_and_not_gxs_internals(airflow_pack):
    _, log = airflow_pack
    for line in (
        "validation of the warehouse tables (source grain): passed",
        "validation of the extracted tables: passed",
        "derived the figures of 2023H1: ",
        "planned 网点工作总结 (outlet_half_year_summary): 22 documents",
        "batch 1 of 1 rendered: 3 sub-branches, 172 documents and 3 compilations",
        "batch 1: assembled 3 compilations",
        "collected 181 files of the pack",  # 173 documents, 3 compilations and their thumbnails, findings, proofreading
        "stored ",  # the next period's targets
        "pack published: ",
    ):
        assert line in log, line
    gx = [line for line in log.splitlines() if "[great_expectations" in line]
    assert gx == [], gx[:5]  # was ~1,600 lines of GX internals per run


def test_manifest_lists_one_document_per_outlet_and_a_compilation_per_sub_branch(airflow_pack, truth):
    pack_dir, _ = airflow_pack
    manifest = json.loads((pack_dir / "manifest.json").read_text("utf-8"))
    kinds = [f["kind"] for f in manifest["files"]]
    assert kinds.count("outlet_half_year_summary") == len(truth)
    assert kinds.count("compilation") == len({r["parent_id"] for r in truth})
    assert manifest["period"] == "2023H1" and manifest["validation"]["status"] == "passed"
    assert manifest["source"]["rows"]["outlet_balances"] == len(truth)


def test_outlet_documents_quote_the_warehouse_figures(airflow_pack, truth):
    pack_dir, _ = airflow_pack
    for r in truth:
        assert r["days"] == (date.fromisoformat(r["last_day"]) - date.fromisoformat(r["first_day"])).days + 1
        (doc,) = pack_dir.glob(f"outlets/*/{r['unit_id']}_*.docx")
        body = "".join(t for _, t in texts(doc))
        # a rank among all the sub-branch's outlets, or among those ranked when a closed or new one is not
        among = "所辖" if r["peers"] == r["outlets_in_sub"] else "参与排名的"
        peers = f"{r['sub_name']}{among}{r['peers']}个网点"
        change = ("新增" if r["c_growth"] >= 0 else "减少") + money(abs(r["c_growth"]))
        since = "开业以来" if r["first_day"] > "2023-01-01" else "较年初"  # a new outlet counts from its opening
        expected = [
            f"对公存款余额为{yi(r['c_end'])}，{since}{change}",
            f"对公存款日均{yi(r['c_avg'])}",
            f"新开对公账户{count(r['accounts'])}户",
            f"收回个人贷款{money(r['loans'])}",
            f"收回不良贷款{money(r['npl'])}" if r["npl"] else "期内未收回不良贷款",
            f"各项贷款余额{yi(r['loans_end'])}，不良贷款率{pct(r['npl_ratio'])}",
            f"储蓄存款余额{yi(r['s_end'])}，{since}{'增加' if r['s_growth'] >= 0 else '减少'}{money(abs(r['s_growth']))}",
            f"储蓄存款日均{yi(r['s_avg'])}",
            f"代发工资客户新增{count(r['payroll'])}户",
            f"银行卡有效消费额{money(r['cards'])}",  # 1000万元 and more in 亿元
            f"新增特约商户{count(r['merchants'])}户",
            f"电子银行柜面替代率{pct(r['ebank'])}",
            f"个人网银有效新增客户{count(r['online'])}户",
        ]
        for _name, rate in (("对公", r["c_yoy"]), ("储蓄", r["s_yoy"])):
            if rate is not None and r["ranked"]:  # open all of 2022H1 and all of 2023H1: whole periods only
                word = "增长" if rate >= 0 else "下降"
                expected.append(f"；较上年同期日均{word}{pct(abs(rate))}")  # its base named: one base per phrase
        if r["c_avg_inc"] is not None:  # 日均 against last year's 日均, never against the 31 Dec balance
            expected.append(f"较上年全年日均{'增加' if r['c_avg_inc'] >= 0 else '减少'}{money(abs(r['c_avg_inc']))}")
        if r["c_avg_inc"] is not None and r["c_own"] != r["c_growth"]:  # and its 日均 without the moved accounts
            own = r["c_avg_own"]
            expected.append(f"剔除划转因素{'增加' if own >= 0 else '减少'}{money(abs(own))}，日均增量列")
        if not r["ranked"]:  # part of the half year only: no 同比 against a whole one
            sentence = body.split(f"对公存款日均{yi(r['c_avg'])}", 1)[1].split("。", 1)[0]
            assert "同比" not in sentence and "上年同期" not in sentence, (r["unit_id"], sentence)
        if r["c_own"] != r["c_growth"]:  # accounts moved: the growth without them beside it, which the rank is on
            expected.append(f"剔除划转因素{'新增' if r['c_own'] >= 0 else '减少'}{money(abs(r['c_own']))}，增量列")
            # … and in the table: the column beside the rank is that growth, not a booked 增幅
            header, corporate = ([c.text for c in row.cells] for row in Document(str(doc)).tables[0].rows[:2])
            word = "新增" if r["c_own"] >= 0 else "减少"
            assert header[3] == "剔除划转因素" and corporate[3].startswith(word) and corporate[3] != corporate[2], corporate
        if r["ranked"]:
            expected += [f"增量列{peers}第{r['c_rank']}位", f"列{peers}第{r['c_avg_rank']}位", f"增量列{peers}第{r['s_rank']}位"]
        else:  # opened or closed in the half year: out of the rankings, and it says so
            assert "增量列" not in body and "不参与所辖网点排名" in body, r["unit_id"]
        for sentence in expected:
            assert sentence in body, (r["unit_id"], sentence)


def test_outlets_open_part_of_the_period_say_so(airflow_pack, truth):
    pack_dir, _ = airflow_pack
    partial = [r for r in truth if r["days"] < 181]
    assert partial, "the sample should hold an outlet that opened and one that closed in 2023H1"
    for r in partial:
        (doc,) = pack_dir.glob(f"outlets/*/{r['unit_id']}_*.docx")
        body = "".join(t for _, t in texts(doc))
        assert f"日均按营业{r['days']}天计算，不参与所辖网点排名" in body


def test_outlet_documents_have_title_numbered_sections_and_signature(airflow_pack, truth, sample_url):
    pack_dir, _ = airflow_pack
    engine = create_engine(sample_url)
    with engine.connect() as conn:  # the outlet that took over a closed outlet's accounts (one each in the sample)
        rows = conn.execute(
            text(
                "select t.from_unit_id, u.name from account_transfer t join org_unit u on u.unit_id = t.to_unit_id"
                " where t.reason = 'closure'"
            )
        )
        receivers = {unit: name for unit, name in rows}
    engine.dispose()
    for r in truth:
        (doc,) = pack_dir.glob(f"outlets/*/{r['unit_id']}_*.docx")
        paras = texts(doc)
        assert paras[0] == ("Title", f"{r['name']}2023年{months(r)}工作总结")
        h1 = [t for s, t in paras if s == "Heading 1"]
        closed = str(r["last_day"]) < "2023-06-30"
        if closed:  # its problems and its next half year pass to the receiving outlet (issue #34)
            assert [t for t in h1[1:]] == ["二、主要工作及成效", "三、撤并及移交情况"], (r["unit_id"], h1)
        else:
            assert [t[:2] for t in h1] == ["一、", "二、", "三、", "四、"]
            assert h1[2] == "三、存在的问题"
        h2 = [t for s, t in paras if s == "Heading 2"]
        assert h2[0].startswith("（一）公司类指标") and h2[1].startswith("（二）个金类指标")
        # no heading praises a figure ranked last among its peers (commentary.yaml, category 标题)
        for heading, rank in ((h2[0], r["c_rank"]), (h2[1], r["s_rank"])):
            if r["ranked"] and rank == r["peers"]:
                assert not any(word in heading for word in PRAISE), (r["unit_id"], heading)
        # an outlet closed in the half year no longer signs: the outlet that took over its accounts does
        signer = receivers.get(r["unit_id"], r["sub_name"]) if closed else r["name"]
        assert paras[-2:] == [("Signature", signer), ("Signature", "2023年7月5日")]  # 成文日期: 3 working days on


def test_compilations_hold_their_outlets_as_parts_in_order(airflow_pack, truth):
    pack_dir, _ = airflow_pack
    for parent in sorted({r["parent_id"] for r in truth}):
        members = [r for r in truth if r["parent_id"] == parent]
        sub = members[0]["sub_name"]
        (path,) = pack_dir.glob(f"2023年上半年江城银行滨江分行{sub}工作总结与计划（汇总*篇）.docx")
        paras = texts(path)
        # the cover title breaks after the year's half and after the unit's name (where the meaning allows)
        assert paras[0] == ("Cover Title", path.stem.replace("上半年", "上半年\n", 1).replace(sub, sub + "\n", 1))
        n = int(path.stem.rsplit("汇总", 1)[1].removesuffix("篇）"))
        parts = [t for s, t in paras if s == "Subtitle"]
        assert len(parts) == n and parts[1] == f"篇{cn_numeral(2)}　网点工作总结"
        titles = [t for s, t in paras[1:] if s == "Title"]
        expected = [f"{r['name']}2023年{months(r)}工作总结" for r in members]
        assert [t for t in titles if t in expected] == expected
        # the condensed 篇六 speaks of a new outlet's tellers since its opening, not of the half year
        body = "".join(t for _, t in paras)
        for r in members:
            if r["first_day"] > "2023-01-01":
                assert re.search(rf"{r['name']}\d+名柜员开业以来人均日办理业务", body), r["name"]
        # a lobby plan for every outlet still open at 6月末: a closed one plans nothing
        assert sum(t.endswith("大堂管理工作计划") for t in titles) == sum(m["last_day"] == "2023-06-30" for m in members)


def test_no_placeholder_or_missing_value_in_any_document(airflow_pack):
    pack_dir, _ = airflow_pack
    docs = list(pack_dir.rglob("*.docx"))
    assert docs
    for doc in docs:
        cells = [c.text for table in Document(str(doc)).tables for row in table.rows for c in row.cells]
        for t in [t for _, t in texts(doc)] + cells:
            assert not LEFTOVER.search(t), (doc.name, t)


@pytest.mark.libreoffice
def test_libreoffice_converts_every_document_with_chinese_faces(airflow_pack, tmp_path):
    require_tool("soffice", "pdffonts", "pdfinfo", "pdftotext")
    from reportpack.render.pdf import to_pdf

    pack_dir, _ = airflow_pack
    # every document but the compilations (whole books of the same documents: converted and read page
    # by page in test_pack_structure's compilation tests)
    docs = sorted(p for p in pack_dir.rglob("*.docx") if p.parent != pack_dir or p.name == "变更说明.docx")
    assert len(docs) > 170
    # one folder, names made unique (an outlet's summary and lobby plan share a name), for two
    # LibreOffice calls at once
    flat = tmp_path / "docs"
    flat.mkdir()
    named = [flat / p.relative_to(pack_dir).as_posix().replace("/", "__") for p in docs]
    for doc, copy in zip(docs, named, strict=True):
        shutil.copyfile(doc, copy)
    pdfs = to_pdf(named, tmp_path / "pdf", ROOT / "templates" / "fonts" / "fonts.conf", workers=2)
    for pdf in pdfs:
        assert pdf.exists() and pdf.stat().st_size > 10_000, pdf
    for pdf in pdfs:  # GB/T 9704: the 落款 is kept with the last body lines, never alone on a page
        pages = int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", str(pdf))).group(1))
        last = [line.strip() for line in _run("pdftotext", "-f", str(pages), "-l", str(pages), str(pdf), "-").splitlines()]
        words = [line for line in last if line and not re.fullmatch(r"[—-]\s*\d+\s*[—-]", line)]  # not the page number
        assert len(words) > 3, (pdf.name, words)
    one_per_kind = {pdf.name.split("__")[0]: pdf for pdf in pdfs}.values()
    fonts = "".join(subprocess.run(["pdffonts", str(p)], capture_output=True, text=True, check=True).stdout for p in one_per_kind)
    # 仿宋 → UMing, 楷体 → UKai, 黑体 → Noto Sans CJK, 小标宋 → Noto Serif CJK: four distinct faces
    for face in ("UMingCN", "UKaiCN", "NotoSansCJK", "NotoSerifCJK"):
        assert face in fonts, fonts


def test_a_corrupted_warehouse_fails_the_airflow_run_and_publishes_nothing(sample_url, tmp_path):
    import sqlite3

    bad = tmp_path / "bad.sqlite"
    shutil.copyfile(sample_url.removeprefix("sqlite:///"), bad)
    with sqlite3.connect(bad) as conn:  # a duplicated (outlet, day)
        conn.execute(
            "insert into daily_balance select * from daily_balance where unit_id = 'BR01-S003-O00003' and biz_date = '2023-02-14'"
        )
    out = tmp_path / "output"
    cli = str(Path(sys.executable).with_name("reportpack"))
    proc = subprocess.run(
        [cli, "airflow-run", "--period", "2023H1", "--url", f"sqlite:///{bad}", "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 1  # the data failed validation (not an input error, not a bug)
    # caught by the check_source task, in the warehouse, at the duplicated row itself
    assert "table daily_balance" in proc.stderr and "one row per unit_id, biz_date" in proc.stderr, proc.stderr
    assert "BR01-S003-O00003" in proc.stderr and "2023-02-14" in proc.stderr
    assert not (out / "2023H1").exists()
    (quarantined,) = out.glob(".runs/2023H1-*/quarantine/source/daily_balance.csv")
    assert "BR01-S003-O00003,2023-02-14" in quarantined.read_text("utf-8")
    assert not list(out.glob(".runs/2023H1-*/data/*"))  # nothing was extracted


def test_a_provisional_pack_through_airflow_is_cut_at_its_as_of_date_and_marked(warehouse, tmp_path):
    """``airflow-run --as-of``: the date reaches the checks DAG as its ``as_of`` param, and the pack
    the publish DAG makes is the provisional one (tests/e2e/test_provisional.py checks it whole)."""
    out = tmp_path / "output"
    cli = str(Path(sys.executable).with_name("reportpack"))
    command = [cli, "airflow-run", "--pack", "outlet_summaries", "--period", "2023H2", "--as-of", "2023-09-30"]
    proc = subprocess.run([*command, "--url", warehouse, "--output", str(out)], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert '--conf {"period": "2023H2", "as_of": "2023-09-30"}' in proc.stdout
    manifest = json.loads((out / "2023H2" / "latest" / "manifest.json").read_text("utf-8"))
    assert manifest["provisional"] == {"as_of": "2023-09-30", "period_end": "2023-12-31"}
    assert manifest["targets"]["stored"] is False
    (summary,) = (out / "2023H2" / "latest" / "outlets").rglob("BR01-S001-O00001_*.docx")
    opening = [text for _, text in texts(summary)[:3]]
    assert any("临时版" in t for t in opening) and "截至9月末，对公存款余额为" in "\n".join(t for _, t in texts(summary))


def test_operations_manager_summaries_quote_the_warehouse_figures(airflow_pack, sample_url):
    """The oracle for 篇一, computed in pandas from the raw tables (not through the extraction SQL):
    each operations manager's spell at an outlet, clipped to 2023H1; the monthly figures of the months
    of the spell; risk events, replies and case-prevention meetings at that outlet between the spell's
    first and last day — by unit and date, whoever's staff id the event carries."""
    pack_dir, _ = airflow_pack
    engine = create_engine(sample_url)
    with engine.connect() as conn:
        read = lambda sql: pd.read_sql(text(sql), conn)  # noqa: E731
        spells = read(
            "select a.staff_id, a.unit_id, a.start_date, a.end_date, s.name from staff_assignment a "
            "join staff s on s.staff_id = a.staff_id where a.role = 'operations_manager'"
        )
        monthly = read("select * from ops_manager_month")
        events = read("select unit_id, occurred_on, replied_on, reply_accurate from risk_event")
        meetings = read("select unit_id, held_on from meeting where kind = 'case_prevention'")
    engine.dispose()
    start, end = date(2023, 1, 1), date(2023, 6, 30)
    day = lambda v: v if isinstance(v, date) else date.fromisoformat(str(v)[:10])  # noqa: E731
    checked = 0
    for s in spells.itertuples():
        first, last = max(day(s.start_date), start), min(end if pd.isna(s.end_date) else day(s.end_date), end)
        if first > last:
            continue
        months = {f"{first.year}-{m:02d}" for m in range(first.month, last.month + 1)}
        mine = monthly[(monthly.staff_id == s.staff_id) & (monthly.unit_id == s.unit_id) & monthly.month.isin(months)]
        at = events[(events.unit_id == s.unit_id) & events.occurred_on.map(day).between(first, last)]
        replied = at[at.replied_on.notna()]
        held = meetings[(meetings.unit_id == s.unit_id) & meetings.held_on.map(day).between(first, last)]
        (doc,) = pack_dir.glob(f"ops_managers/*/{s.unit_id}_*_{s.name}.docx")
        body = "".join(t for _, t in texts(doc))
        found, fixed = int(mine.errors_found.sum()), int(mine.errors_corrected.sum())
        term = "上半年" if (first, last) == (start, end) else "任职期间"
        expected = [
            # the span served, where it is not the whole half year (in the opening, or for a manager
            # who moved in, in the sentence announcing the summary)
            f"{first.year}年{first.month}月{first.day}日至{last.year}年{last.month}月{last.day}日"
            if (first, last) != (start, end)
            else "现将上半年的履职情况总结如下",
            # a person writes of their own time (issue #34): 上半年, or 任职期间 for part of it
            f"{term}我共审核业务授权{count(mine.authorisations_reviewed.sum())}笔，开展履职检查{count(mine.inspections_done.sum())}次",
            # the wording follows the figures: all corrected / replied accurately / monthly meetings
            "未发现柜员业务差错"
            if not found
            else f"发现柜员业务差错{count(found)}笔，已全部整改"
            if fixed == found
            # fewer than five: counted, no 整改率 (verdicts.yaml errors_found_vs_handful)
            else f"发现柜员业务差错{count(found)}笔，已整改{count(fixed)}笔"
            + (f"，整改率{pct(fixed / found)}" if found >= 5 else ""),
            f"坚持每月组织案防会议，共{count(len(held))}次" if len(held) >= len(months) else f"组织案防会议{count(len(held))}次",
        ]
        if len(replied):
            accurate = int(replied.reply_accurate.astype(bool).sum())
            # one reply is accurate or not: a percentage of one case is not printed
            if len(replied) == 1:
                expected.append("回复运营风险事件1笔，" + ("回复准确" if accurate else "回复不准确"))
            else:
                expected.append(
                    f"回复运营风险事件{count(len(replied))}笔，"
                    + (
                        "回复全部准确"
                        if accurate == len(replied)
                        else f"其中{count(accurate)}笔回复准确"  # fewer than five: counted (replies_vs_handful)
                        if len(replied) < 5
                        else f"回复准确率{pct(accurate / len(replied))}"
                    )
                )
        else:
            expected.append(f"{term}无需回复的运营风险事件")
        for phrase in expected:
            assert phrase in body, (doc.name, phrase)
        checked += 1
    assert checked == len(list(pack_dir.glob("ops_managers/*/*.docx"))) >= 20


def test_teller_plans_quote_the_warehouse_figures(airflow_pack, sample_url):
    """The oracle for 篇六, in pandas from the raw tables: each teller's months at the outlet in
    2023H1 and the errors found on them there; a plan only for a teller still in post on 30 June."""
    pack_dir, _ = airflow_pack
    engine = create_engine(sample_url)
    with engine.connect() as conn:
        months = pd.read_sql(text("select * from teller_month where month between '2023-01' and '2023-06'"), conn)
        errors = pd.read_sql(text("select staff_id, unit_id, occurred_on from teller_error"), conn)
        posts = pd.read_sql(
            text("select staff_id, unit_id, start_date, end_date from staff_assignment where role = 'teller'"), conn
        )
        names = pd.read_sql(text("select staff_id, name from staff"), conn).set_index("staff_id")["name"]
        windows = pd.read_sql(text("select * from counter_window"), conn)
        outlet_names = pd.read_sql(text("select unit_id, name from org_unit"), conn).set_index("unit_id")["name"]
        opened = pd.read_sql(text("select unit_id, opened_on from org_unit"), conn).set_index("unit_id")["opened_on"]
    engine.dispose()
    window_words = {"corporate_non_cash": "对公非现金窗口", "corporate_priority_cash": "现金（对公优先）窗口", "cash": "现金窗口"}
    day = lambda v: v if isinstance(v, date) else date.fromisoformat(str(v)[:10])  # noqa: E731
    end = date(2023, 6, 30)
    in_post = {
        (p.staff_id, p.unit_id)
        for p in posts.itertuples()
        if day(p.start_date) <= end and (pd.isna(p.end_date) or day(p.end_date) >= end)
    }
    in_period = errors[errors.occurred_on.map(day).between(date(2023, 1, 1), end)]
    planned = 0
    for (staff, unit), m in months.groupby(["staff_id", "unit_id"]):
        found = list(pack_dir.glob(f"teller_plans/*/{unit}_{staff}_*.docx"))
        if (staff, unit) not in in_post:
            assert not found, (staff, unit)  # left the post: no plan for the next half year
            continue
        (doc,) = found
        body = "".join(t for _, t in texts(doc))
        n_errors = int(((in_period.staff_id == staff) & (in_period.unit_id == unit)).sum())
        # the window the teller staffs on 30 June (counter_window), said in the plan's first sentence
        (service,) = [
            w.service
            for w in windows.itertuples()
            if (w.staff_id, w.unit_id) == (staff, unit)
            and day(w.opened_on) <= end
            and (pd.isna(w.closed_on) or day(w.closed_on) >= end)
        ]
        expected = [
            f"我叫{names[staff]}，是{outlet_names[unit]}{window_words[service]}的柜员。",
            f"我出勤{count(m.working_days.sum())}天，办理业务{count(m.transactions.sum())}笔",
            # a new outlet's teller speaks of the months since its opening, not of the half year
            f"{day(opened[unit]).month}月{day(opened[unit]).day}日网点开业以来，我出勤"
            if day(opened[unit]) > date(2023, 1, 1)
            else "上半年，我出勤",
            f"接待客户{count(m.customers_served.sum())}人次",
            f"办理个人汇款{count(m.remittances.sum())}笔，"
            + (f"收到客户表扬{count(m.praise.sum())}次" if m.praise.sum() else "未收到客户表扬"),
            f"考核得分{fixed(m.appraisal_score.mean())}分",
        ]
        if n_errors:
            rate = n_errors / m.transactions.sum() * 10000
            expected.append(f"我共发生业务差错{count(n_errors)}笔，差错率为每万笔{fixed(rate, 2)}笔")
        else:
            expected.append("我未发生业务差错")
        for phrase in expected:
            assert phrase in body, (doc.name, phrase)
        planned += 1
    assert planned == len(list(pack_dir.glob("teller_plans/*/*.docx"))) >= 90


def _run(*cmd: str) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def test_the_index_page_loads_in_a_real_browser_without_errors_and_every_link_resolves(airflow_pack, tmp_path):
    """index.html, opened in headless Chromium from the version folder: it loads, shows the pack in
    Chinese, the browser reports no console error (a missing stylesheet or image would be one), and
    every link points at a file of the version (or its zip beside it)."""
    require_tool("chromium")
    from urllib.parse import unquote

    pack_dir, _ = airflow_pack
    expected = {
        "index.html": ["2023年上半年工作总结与计划报告包", "本期第一个版本", "网点工作总结"],
        "validation/index.html": ["数据校验结果：", "daily_balance", "outlet_balances"],  # replaces GX's CDN pages
        "validation/source/daily_balance.html": ["corporate_deposit 不得为负", "通过"],
    }
    for name, words in expected.items():
        page = pack_dir / name
        proc = subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'profile'}",
             "--enable-logging=stderr", "--v=0", "--dump-dom", page.resolve().as_uri()],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr[-2000:]
        dom = proc.stdout
        assert all(w in dom for w in words), (name, words)
        console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]  # console.* messages, errors included
        assert console == [], (name, console)
        # Chromium does not log a missing file:// stylesheet or image, so every href and src of the DOM
        # it built is checked here: each a file of the version (or its zip beside it), none from the network
        links = re.findall(r'(?:href|src)="([^"]+)"', dom)
        assert not [h for h in links if "//" in h], (name, links)
        assert links and not [h for h in links if not (page.parent / unquote(h)).resolve().is_file()], name


def test_a_backfill_builds_each_earlier_period_of_the_packs_cadence():
    """``airflow backfill create`` over Feb–Jul 2023 for the monthly pack: one run per month, and each
    run's logical date (the 2nd, 06:00 Beijing time) names the month before it — what the DAG's
    ``plan`` task computes (the bank's calendar, ``Period.last_before``)."""
    from zoneinfo import ZoneInfo

    from reportpack.periods import BANK_TIMEZONE, Period

    airflow = str(Path(sys.executable).with_name("airflow"))
    subprocess.run([airflow, "dags", "reserialize"], check=True, capture_output=True, timeout=300)
    proc = subprocess.run(
        [airflow, "backfill", "create", "--dag-id", "reportpack_monthly_brief", "--from-date", "2023-02-01",
         "--to-date", "2023-07-02", "--dry-run", "--reprocess-behavior", "completed"],  # runs done earlier included
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    stamps = re.findall(r"\| (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00:00) \|", proc.stdout)
    days = [datetime.fromisoformat(s).astimezone(ZoneInfo(BANK_TIMEZONE)).date() for s in stamps]
    assert [Period.last_before("month", d).label for d in days] == [
        "2023-01",
        "2023-02",
        "2023-03",
        "2023-04",
        "2023-05",
        "2023-06",
    ]


def test_the_warehouse_password_is_nowhere_the_run_leaves_anything(airflow_pack, secret_warehouse):
    """Issue #16, finding 2: the password of the warehouse URL (a PostgreSQL role's) is not in the
    run's output, Airflow's task logs, its metadata database (XCom, rendered fields), the pack, the
    run folder or the manifest."""
    import zipfile

    from reportpack import settings

    pack_dir, output = airflow_pack
    url, password = secret_warehouse
    secret = password.encode()
    assert password not in output
    home = Path(settings.airflow_env(settings.load())["AIRFLOW_HOME"])
    places = [*home.joinpath("logs").rglob("*"), *home.glob("airflow.db*"), *pack_dir.resolve().parent.parent.rglob("*")]
    leaked = []
    for path in (p for p in places if p.is_file()):
        if secret in path.read_bytes():
            leaked.append(str(path))
        elif path.suffix in (".docx", ".zip"):
            with zipfile.ZipFile(path) as z:
                leaked += [f"{path}!{n}" for n in z.namelist() if secret in z.read(n)]
    assert not leaked
    manifest = json.loads((pack_dir / "manifest.json").read_text("utf-8"))
    assert manifest["source"]["url"].startswith("postgresql+psycopg://reportpack_e2e_") and ":***@" in manifest["source"]["url"]


@pytest.fixture(scope="module")
def validated_run(sample_url, tmp_path_factory):
    """A 2023H1 run extracted and validated, once; each case hands the publish DAG a copy of it."""
    from reportpack import pipeline
    from reportpack import settings as _settings

    root = tmp_path_factory.mktemp("validated")
    s = _settings.load(
        {
            "REPORTPACK_HOME": str(ROOT),
            "REPORTPACK_WAREHOUSE_URL": sample_url,
            "REPORTPACK_OUTPUT_DIR": str(root / "output"),
            "REPORTPACK_INPUT_DIR": str(root / "inputs"),
        }
    )
    run = pipeline.start(s, "2023H1", "validated")
    pipeline.extract(s, run)
    pipeline.validate(s, run)
    return run


@pytest.mark.parametrize(
    ("conf", "says"),
    [
        # issue #33: a 2023H1 run handed to the publish DAG as 2023H2 published June as 截至12月末
        ({"period": "2023H2"}, "it is a run of period 2023H1, not of 2023H2"),
        # a run that failed a critical rule was published as latest
        ({"period": "2023H1", "failed": True}, "its data failed validation (1 critical:"),
        # and the other things a run folder records about itself
        ({"period": "2023H1", "stopped": True}, "the run stopped in its derive phase (a template error)"),
        ({"period": "2023H1", "pack": "outlet_summaries"}, "it is a run of pack outlet_summaries, not of half_year"),
        ({"period": "2023H1", "changed": True}, "its extracted data are not the data it validated"),
    ],
    ids=["other period", "failed validation", "stopped run", "other pack", "changed data"],
)
def test_the_publish_dag_refuses_a_run_folder_that_is_not_validated_and_passed_for_its_period(
    sample_url, validated_run, make_settings, conf, says
):
    """Through Airflow, as the asset event or an operator's trigger hands a run folder to
    ``reportpack_half_year_publish``: its ``receive`` task reads the folder's own record and refuses,
    naming what did not match; nothing is published."""
    from reportpack.run import Failure, Run, load_state, write_state

    s = make_settings(sample_url)
    run = Run(s.output_dir / ".runs" / "2023H1-handed", validated_run.period, sample_url)
    shutil.copytree(validated_run.folder, run.folder)  # (the run's files name no folder: a copy is the run)
    state = load_state(run.folder)
    if conf.get("pack"):  # as a run of another pack records itself
        write_state(run.folder, state := state.model_copy(update={"pack": conf["pack"]}))
    if conf.get("failed"):  # as a run whose critical rule failed leaves its record
        validation = state.validation.model_copy(
            update={"status": "failed", "critical": ["daily_balance: one row per unit_id, biz_date"]}
        )
        write_state(run.folder, state.model_copy(update={"validation": validation}))
    if conf.get("stopped"):  # as a phase that failed after validation leaves it
        write_state(
            run.folder, state.model_copy(update={"failed": Failure(phase="derive", exit_code=2, message="a template error")})
        )
    if conf.get("changed"):  # a file of the run folder edited after it was validated
        (next(run.data.glob("*.parquet"))).write_bytes(b"not what was validated")
    airflow = str(Path(sys.executable).with_name("airflow"))
    migrated = Path(os.environ["AIRFLOW_HOME"]) / ".migrated"  # as the airflow_pack fixture leaves it
    if not migrated.exists():
        subprocess.run([airflow, "db", "migrate"], check=True, capture_output=True)
        migrated.touch()
    env = {
        **os.environ,
        "REPORTPACK_OUTPUT_DIR": str(s.output_dir),
        "REPORTPACK_WAREHOUSE_URL": sample_url,
        "REPORTPACK_INPUT_DIR": str(s.input_dir),
    }
    proc = subprocess.run(
        [airflow, "dags", "test", "reportpack_half_year_publish", "--conf",
         json.dumps({"run_folder": str(run.folder), "period": conf["period"], "review": False})],
        capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip
    output = proc.stdout + proc.stderr
    assert says in output, output[-3000:]
    assert "receive" in output and "failed" in output.lower()
    assert not (s.output_dir / conf["period"]).exists()  # nothing published
