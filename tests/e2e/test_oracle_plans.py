"""The oracle for 篇三, 篇四, 篇五, 篇七 and the compilations' opening totals: every figure these
documents print, recomputed in pandas from the raw warehouse tables (not through the extraction SQL
or the derive code) and looked up in the `.docx` the Airflow run published.

The 口径 the oracle follows is the one `docs/口径说明.md` writes down: a period is 1 January – 30 June
2023; a unit's figures are those of its own rows (a sub-branch's: its departments', its outlets' and
its own); an outlet closed before 30 June plans nothing and is left out of period-end totals (not of
the sub-branch's 年初); an outlet opened in the year adds nothing to the sub-branch's 年初."""

from __future__ import annotations

import math
import re
from datetime import date

import pandas as pd
import pytest
import yaml

from reportpack.render.wording import count, fixed, money, pct, wan, yi
from tests.conftest import AIRFLOW_HOME, ROOT
from tests.e2e.conftest import cells, texts

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group(AIRFLOW_HOME)]  # the Airflow run of the checkout's home

START, END = date(2023, 1, 1), date(2023, 6, 30)
REFERRALS_GROWTH = yaml.safe_load((ROOT / "templates" / "targets.yaml").read_text("utf-8"))["lobby_plan"]["referrals_growth"]
MONTHS = [f"2023-{m:02d}" for m in range(1, 7)]
SIX_S = ["整理", "整顿", "清扫", "清洁", "素养", "安全"]


def in_period(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame[frame[column].between(START, END)]


@pytest.fixture(scope="module")
def units(raw):
    """org_unit with each row's sub-branch (a sub-branch is its own)."""
    u = raw("org_unit", dates=("opened_on", "closed_on"))
    u["sub"] = u.unit_id.where(u.level == "sub_branch", u.parent_id)
    return u


def body(path) -> str:
    return "".join(t for _, t in texts(path))


def test_lobby_plans_quote_the_warehouse_figures(airflow_pack, raw, units):
    """篇三: an outlet open on 30 June gets a plan quoting its lobby months, complaints received in the
    half year and 6S inspections (average by dimension; the best and the worst named)."""
    pack_dir, _ = airflow_pack
    lobby = raw("lobby_month")
    lobby = lobby[lobby.month.isin(MONTHS)]
    complaints = in_period(raw("complaint", dates=("received_on",)), "received_on")
    six = in_period(raw("six_s_inspection", dates=("inspected_on",)), "inspected_on")
    outlets = units[units.level == "outlet"]
    open_at_end = outlets[(outlets.opened_on <= END) & (outlets.closed_on.isna() | (outlets.closed_on >= END))]
    for o in outlets.itertuples():
        found = list(pack_dir.glob(f"lobby_plans/*/{o.unit_id}_*.docx"))
        if o.unit_id not in set(open_at_end.unit_id):
            assert not found, o.unit_id  # closed before 6月末: no plan for the next half year
            continue
        (doc,) = found
        text = body(doc)
        months = lobby[lobby.unit_id == o.unit_id]
        mine = complaints[complaints.unit_id == o.unit_id]
        n, valid, first = len(mine), int(mine.valid.astype(bool).sum()), int(mine.resolved_first_contact.astype(bool).sum())
        sentence = (
            f"{o.name}大堂累计营业{count(months.opening_hours.sum())}小时，"
            f"服务规范检查平均得分{fixed(months.service_score.mean())}分（最高{fixed(months.service_score.max())}分），"
            f"受理客户投诉{count(n)}件，其中有效投诉{count(valid)}件"
            + (f"，首问解决{count(first)}件" if n else "")
            + (f"，首问解决率{pct(first / n)}" if n >= 5 else "")  # fewer than five: counted only (complaints_vs_handful)
            + f"；大堂人员成功推荐业务{count(months.referrals.sum())}笔"
            # opened in the half year: its months since opening, compared month for month
            + (f"、月均{fixed(months.referrals.mean())}笔" if o.opened_on > START else "")
        )
        assert sentence in text, (doc.name, sentence)
        scores = six[six.unit_id == o.unit_id].groupby("dimension").score.mean()
        assert set(scores.index) == set(SIX_S), o.unit_id
        strong, strong_score, weak, weak_score = re.search(
            r"“([^“”]+)”做得较为出色（([\d.]+)分），“([^“”]+)”得分最低（([\d.]+)分）", text
        ).groups()
        assert strong_score == fixed(scores.max()) == fixed(scores[strong]), (doc.name, strong)
        assert weak_score == fixed(scores.min()) == fixed(scores[weak]), (doc.name, weak)
        rows = {row[0]: row[1:] for row in cells(doc)}
        assert rows["服务规范检查平均得分"][0] == fixed(months.service_score.mean())
        assert rows["有效投诉（件）"][0] == count(valid)
        assert rows[f"6S最低项得分（{weak}）"][0] == fixed(scores.min())
        partial = f"（{len(months)}个月）" if o.opened_on > START else ""
        assert rows["推荐业务（笔）"][0] == count(months.referrals.sum()) + partial
        # the target: the monthly average over the six months of the next half year, grown by the rule's share
        target = math.ceil(round(months.referrals.mean() * 6 * (1 + REFERRALS_GROWTH), 9))
        assert rows["推荐业务（笔）"][1] == count(target), (doc.name, rows["推荐业务（笔）"])
        if partial:
            assert f"{o.opened_on.month}月{o.opened_on.day}日开业以来，{o.name}大堂累计营业" in text, doc.name
    assert len(list(pack_dir.glob("lobby_plans/*/*.docx"))) == len(open_at_end) >= 20


def test_a_closed_outlets_hand_over_is_quoted_in_its_summary_and_its_managers(airflow_pack, raw, units):
    """A closed outlet's seals, blank vouchers and archives (closing_handover), each with its count,
    the unit it went to and the day, in its summary's 撤并及移交情况 and in the summary of the
    manager on duty at its closing; and nowhere else."""
    pack_dir, _ = airflow_pack
    handover = raw("closing_handover", dates=("handed_on",))
    names = units.set_index("unit_id")["name"]
    words = {
        "seal": ("上缴", "印章", "枚"),
        "blank_voucher": ("移交", "重要空白凭证", "份"),
        "archive": ("移交", "会计档案", "卷"),
    }
    closed = units[(units.level == "outlet") & units.closed_on.between(START, END)]
    assert len(closed), "the sample should hold an outlet closed in 2023H1"
    for o in closed.itertuples():
        rows = handover[handover.unit_id == o.unit_id].set_index("item").loc[["seal", "blank_voucher", "archive"]]
        items = "，".join(
            f"{h.handed_on.year}年{h.handed_on.month}月{h.handed_on.day}日向{names[h.handed_to_unit_id]}"
            f"{words[item][0]}{words[item][1]}{count(h.quantity)}{words[item][2]}"
            for item, h in rows.iterrows()
        )
        checked = "账实相符" if rows.discrepancies.sum() == 0 else f"账实不符{count(rows.discrepancies.sum())}件"
        (summary,) = pack_dir.glob(f"outlets/*/{o.unit_id}_*.docx")
        assert f"逐项清点后交接：{items}，" in body(summary) and checked in body(summary), summary.name
        managers = sorted(pack_dir.glob(f"ops_managers/*/{o.unit_id}_*.docx"))
        on_duty = [m for m in managers if "做好撤并移交" in body(m)]
        assert len(on_duty) == 1, [m.name for m in managers]
        assert f"清点交接：{items}；" in body(on_duty[0]) and checked in body(on_duty[0])
    others = [d for d in pack_dir.glob("outlets/*/*.docx") if not any(d.name.startswith(u) for u in closed.unit_id)]
    assert not any("重要空白凭证" in body(d) and "清点后交接" in body(d) for d in others)


def test_accounting_plans_quote_the_warehouse_figures(airflow_pack, raw, units):
    """篇四: per sub-branch, over its departments, its outlets and itself — meetings held, the operations
    managers' inspections and findings, every teller who worked there in the half year (average of
    each teller's mean appraisal score), every teller error booked there, and the accounting
    department's training sessions."""
    pack_dir, _ = airflow_pack
    meetings = in_period(raw("meeting", dates=("held_on",)), "held_on")
    om = raw("ops_manager_month")
    om = om[om.month.isin(MONTHS)]
    tm = raw("teller_month")
    tm = tm[tm.month.isin(MONTHS)]
    errors = in_period(raw("teller_error", dates=("occurred_on",)), "occurred_on")
    sessions = in_period(raw("training_session", dates=("held_on",)), "held_on")
    sub_of = units.set_index("unit_id")["sub"]
    level = units.set_index("unit_id")["level"]
    figures = {}
    for s in units[units.level == "sub_branch"].itertuples():
        mine = lambda f, sub=s.unit_id: f[f.unit_id.map(sub_of) == sub]  # noqa: E731
        m, o, t, e = mine(meetings), mine(om), mine(tm), mine(errors)
        tr = mine(sessions)
        tr = tr[tr.unit_id.map(level) == "department"]
        outlets = units[(units.parent_id == s.unit_id) & (units.level == "outlet")]
        outlets = outlets[(outlets.opened_on <= END) & (outlets.closed_on.isna() | (outlets.closed_on >= START))]
        tellers = t.groupby("staff_id").appraisal_score.mean()
        figures[s.unit_id] = dict(
            s=s, m=m, o=o, t=t, e=e, tr=tr, outlets=outlets, tellers=tellers,
            without=sorted(set(tellers.index) - set(e.staff_id)),
            found=int(o.errors_found.sum()), fixed=int(o.errors_corrected.sum()),
            held=int(tr.held.astype(bool).sum()),
        )  # fmt: skip
    # the whole branch (one in the sample), from its sums: what each sub-branch is compared with
    every = list(figures.values())
    branch_rectified = sum(f["fixed"] for f in every) / sum(f["found"] for f in every)
    branch_score = sum(f["tellers"].sum() for f in every) / sum(len(f["tellers"]) for f in every)
    branch_rate = sum(len(f["e"]) for f in every) / sum(f["t"].transactions.sum() for f in every) * 10000

    def against(value, branch, shown):
        return f"，{'高于' if value > branch else '低于' if value < branch else '持平于'}全分行（{shown}）"

    for f in every:
        s, m, o, t, e, tr, tellers, without = (f[k] for k in ("s", "m", "o", "t", "e", "tr", "tellers", "without"))
        found, fixed_, held = f["found"], f["fixed"], f["held"]
        rate = len(e) / t.transactions.sum() * 10000
        rectified = (
            "已全部整改"
            if fixed_ >= found
            else f"已整改{count(fixed_)}个"
            if found < 5  # fewer than five: counted, no rate (findings_vs_handful)
            else f"已整改{count(fixed_)}个，整改率{pct(fixed_ / found)}"
            + against(fixed_ / found, branch_rectified, pct(branch_rectified))
        )
        penalty = f"，对差错人员经济处罚{count(e.penalty.sum())}元" if e.penalty.sum() else "，未对差错人员执行经济处罚"
        training = (
            f"计划组织培训{count(len(tr))}期，已全部按计划举办。"
            if held >= len(tr)
            else f"计划组织培训{count(len(tr))}期，实际举办{count(held)}期，完成{pct(held / len(tr))}，"
            f"尚有{count(len(tr) - held)}期未办。"
        )
        gone = f["outlets"][f["outlets"].closed_on.notna() & (f["outlets"].closed_on < END)]
        closed = f"（含期内撤并的{'、'.join(gone.name)}）" if len(gone) else ""  # inspected, closed since
        expected = (
            f"{s.name}会计结算部召开内控、制度、风险分析会议{count((m.kind == 'internal_control').sum())}次、"
            f"银企座谈会{count((m.kind == 'bank_enterprise').sum())}次，对所辖{len(f['outlets'])}个网点{closed}开展监督检查"
            f"{count(o.inspections_done.sum())}次，发现问题{count(found)}个，{rectified}。"
            f"全辖{count(len(tellers))}名柜员考核平均得分{fixed(tellers.mean())}分"
            f"{against(tellers.mean(), branch_score, fixed(branch_score) + '分')}；"
            f"发生业务差错{count(len(e))}笔，差错率为每万笔{fixed(rate, 2)}笔"
            f"{against(rate, branch_rate, '每万笔' + fixed(branch_rate, 2) + '笔')}；{count(len(without))}名柜员无差错"
            f"（占{pct(len(without) / len(tellers))}）{penalty}。{training}"
        )
        (doc,) = pack_dir.glob(f"accounting_plans/{s.unit_id}_*.docx")
        assert expected in body(doc), (doc.name, expected)
        # every teller error is a teller's who worked in the sub-branch: none falls out of the count
        assert set(e.staff_id) <= set(tellers.index), s.unit_id


def test_finance_plans_quote_the_warehouse_figures(airflow_pack, raw, units):
    """篇五: the sub-branch's expense lines (period budget and spending, the year's budget for the
    annual progress), its and its units' fixed assets in use on 30 June and written off in the
    half year, and the training its units held (人次 and distinct people)."""
    pack_dir, _ = airflow_pack
    budget = raw("budget_month")
    budget = budget[budget.month.str.startswith("2023-")]
    assets = raw("fixed_asset", dates=("acquired_on", "written_off_on"))
    sessions = in_period(raw("training_session", dates=("held_on",)), "held_on")
    sessions = sessions[sessions.held.astype(bool)]
    attendance = raw("training_attendance").merge(sessions, on="session_id")
    sub_of = units.set_index("unit_id")["sub"]
    for s in units[units.level == "sub_branch"].itertuples():
        (doc,) = pack_dir.glob(f"finance_plans/{s.unit_id}_*.docx")
        text, rows = body(doc), {row[0]: row[1:] for row in cells(doc)}
        b = budget[budget.unit_id == s.unit_id]
        period = b[b.month.isin(MONTHS)]
        lines = list(period.groupby("expense_line").groups) + ["合计"]
        for line in lines:
            p = period if line == "合计" else period[period.expense_line == line]
            y = b if line == "合计" else b[b.expense_line == line]
            spent, planned = p.actual.sum(), p.budget.sum()
            assert rows[line] == [wan(planned), wan(spent), pct(spent / planned), pct(spent / y.budget.sum())], (
                doc.name,
                line,
            )
        spent = period.groupby("expense_line").actual.sum() - period.groupby("expense_line").budget.sum()
        over = [line for line in rows if line in spent.index and spent[line] > 0]  # in the table's order
        total = period.actual.sum()
        assert (
            f"费用预算{wan(period.budget.sum())}，实际支出{wan(total)}，预算执行率{pct(total / period.budget.sum())}；"
            f"年度预算执行进度{pct(total / b.budget.sum())}"
        ) in text, doc.name
        if over:
            assert f"其中{'、'.join(over)}超出期间预算" in text, (doc.name, over)
        else:
            assert "超出期间预算" not in text, doc.name
        a = assets[assets.unit_id.map(sub_of) == s.unit_id]
        used = a[(a.acquired_on <= END) & (a.written_off_on.isna() | (a.written_off_on > END))]
        gone = a[a.written_off_on.notna() & a.written_off_on.between(START, END)]
        trained = attendance[attendance.unit_id.map(sub_of) == s.unit_id]
        expected = (
            f"截至6月末，在用固定资产{count(len(used))}件，原值{wan(used.cost.sum())}，期内按程序报损"
            f"{count(len(gone))}件（原值{wan(gone.cost.sum())}）；期内所辖机构组织员工培训"
            f"{count(len(trained))}人次（{count(trained.staff_id.nunique())}人）"
        )
        assert expected in text, (doc.name, expected)


def test_the_confidentiality_plan_quotes_the_warehouse_figures(airflow_pack, raw):
    """篇七, one for the bank: inspections, risks found and fixed, incidents in the half year; of the
    staff in post on 30 June, who signed a pledge in 2023 and who attended a held 保密知识 session."""
    pack_dir, _ = airflow_pack
    inspections = in_period(raw("confidentiality_inspection", dates=("inspected_on",)), "inspected_on")
    posts = raw("staff_assignment", dates=("start_date", "end_date"))
    in_post = set(posts[(posts.start_date <= END) & (posts.end_date.isna() | (posts.end_date >= END))].staff_id)
    pledges = raw("confidentiality_pledge", dates=("signed_on",))
    pledged = set(pledges[pledges.signed_on.between(START, END)].staff_id) & in_post
    sessions = in_period(raw("training_session", dates=("held_on",)), "held_on")
    sessions = sessions[sessions.held.astype(bool) & (sessions.topic == "保密知识")]
    trained = set(raw("training_attendance").merge(sessions, on="session_id").staff_id) & in_post
    incidents = in_period(raw("confidentiality_incident", dates=("occurred_on",)), "occurred_on")
    found, fixed_ = int(inspections.risks_found.sum()), int(inspections.risks_fixed.sum())
    (doc,) = pack_dir.glob("confidentiality_plans/*.docx")
    expected = (
        f"全行开展保密检查{count(len(inspections))}次，发现泄密隐患{count(found)}处，已整改{count(fixed_)}处"
        + (f"，整改率{pct(fixed_ / found)}" if found >= 5 else "")  # risks_found_vs_handful
        + f"；在岗员工{count(len(in_post))}人中{count(len(pledged))}人签订保密承诺书，"
        f"签订率{pct(len(pledged) / len(in_post))}；{count(len(trained))}人参加保密培训，"
        f"覆盖率{pct(len(trained) / len(in_post))}；"
        + (f"发生失泄密事件{count(len(incidents))}起。" if len(incidents) else "未发生失泄密事件。")
    )
    assert expected in body(doc), expected


def test_compilation_totals_are_the_open_outlets_at_period_end(airflow_pack, raw, units):
    """A compilation opens with its sub-branch's period-end balances: the outlets open on 30 June, each
    at its 30 June balance (an outlet closed in the half year is named and left out); 较年初 against
    the sub-branch's 31 December: every outlet open that day, the one closed since included, the one
    opened since absent (docs/口径说明.md §一 2, §二 3)."""
    pack_dir, _ = airflow_pack
    balances = raw("select unit_id, biz_date, corporate_deposit, savings_deposit from daily_balance", dates=("biz_date",))
    end = balances[balances.biz_date == END].set_index("unit_id")
    start = balances[balances.biz_date == date(2022, 12, 31)].set_index("unit_id")
    for s in units[units.level == "sub_branch"].itertuples():
        outlets = units[(units.parent_id == s.unit_id) & (units.level == "outlet")]
        open_ = outlets[(outlets.opened_on <= END) & (outlets.closed_on.isna() | (outlets.closed_on >= END))]
        closed = outlets[outlets.closed_on.notna() & outlets.closed_on.between(START, END - pd.Timedelta(days=1))]
        ids = list(open_.unit_id)
        c_end, s_end = end.corporate_deposit.reindex(ids).sum(), end.savings_deposit.reindex(ids).sum()
        assert end.corporate_deposit.reindex(ids).notna().all(), s.unit_id
        then = outlets[(outlets.opened_on < START) & (outlets.closed_on.isna() | (outlets.closed_on >= START))]
        c0 = start.corporate_deposit.reindex(then.unit_id).sum()
        s0 = start.savings_deposit.reindex(then.unit_id).sum()
        assert start.corporate_deposit.reindex(then.unit_id).notna().all(), s.unit_id
        word = lambda v, up: (up if v >= 0 else "减少") + money(abs(v))  # noqa: E731
        expected = (
            f"截至6月末，所辖{len(open_)}个网点对公存款余额合计{yi(c_end)}，较年初{word(c_end - c0, '新增')}；"
            f"储蓄存款余额合计{yi(s_end)}，较年初{word(s_end - s0, '增加')}"
        )
        (doc,) = pack_dir.glob(f"2023年上半年*{s.name}工作总结与计划（汇总*篇）.docx")
        (opening,) = [t for _, t in texts(doc) if t.startswith("截至6月末，所辖")]  # in the 编印说明
        assert expected in opening, (doc.name, expected, opening)
        if len(closed):
            names = "、".join(closed.name)
            assert f"{names}已于期内撤并，其余额不计入期末合计" in opening, opening
        else:
            assert "撤并" not in opening, opening
