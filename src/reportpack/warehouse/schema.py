"""Warehouse schema, portable across SQLite and PostgreSQL (SQLAlchemy Core).

Every table states its grain. Amounts are whole 元 (BIGINT); dates are calendar dates in the bank's
timezone (Asia/Shanghai); months are 'YYYY-MM' text. Natural keys carry no unique constraints on
purpose: real warehouses often don't, and the suites in ``expectations/`` are what guard them.

Roles (``staff_assignment.role``): outlet_head 网点负责人, operations_manager 营业经理,
lobby_manager 大堂经理, teller 柜员, customer_manager 客户经理, accountant 会计结算,
finance 财务, confidentiality_officer 保密员.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Date, Float, Index, Integer, MetaData, String, Table

from reportpack.errors import DataFailedValidation

metadata = MetaData()


def _table(name: str, *columns, index: tuple[str, ...] = ()) -> Table:
    args = list(columns)
    if index:
        args.append(Index(f"ix_{name}_{'_'.join(index)}", *index))
    return Table(name, metadata, *args)


def _money(name: str) -> Column:
    return Column(name, BigInteger, nullable=False)


def _count(name: str) -> Column:
    return Column(name, Integer, nullable=False)


#: One row per calendar day. ``day_no`` counts days (portable date arithmetic: SQLite and
#: PostgreSQL subtract dates differently, integers the same way).
calendar = _table(
    "calendar",
    Column("cal_date", Date, primary_key=True),
    Column("day_no", Integer, nullable=False, unique=True),
    Column("month", String(7), nullable=False),
    Column("is_workday", Boolean, nullable=False),
)

#: One row per organisational unit: branch → sub_branch → outlet, and departments
#: (会计结算部, 财务部 under a sub-branch; 保密办公室 under the branch). ``closed_on`` NULL = open;
#: an outlet closed on day D has balances up to and including D.
org_unit = _table(
    "org_unit",
    Column("unit_id", String(32), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("level", String(16), nullable=False),  # branch | sub_branch | outlet | department
    Column("parent_id", String(32)),  # NULL: the branch, the root of the tree
    Column("opened_on", Date, nullable=False),
    Column("closed_on", Date),  # NULL: open
)

#: One row per move of accounts from one outlet to another (划转): at a closing (撤并) an outlet's
#: accounts go to the receiving outlets, at an opening (开业) a new outlet takes over accounts of its
#: neighbours. ``moved_on`` is the first day the accounts are on the receiving outlet's books (a
#: closing: the day after ``closed_on``; an opening: ``opened_on``). Amounts are the moved accounts'
#: balances at the end of the day before (元); ``*_retained`` are the same accounts' balances at the
#: receiving outlet on ``retained_on`` (a month later; NULL until it has been measured).
account_transfer = _table(
    "account_transfer",
    Column("from_unit_id", String(32), nullable=False),
    Column("to_unit_id", String(32), nullable=False),
    Column("moved_on", Date, nullable=False),
    Column("reason", String(16), nullable=False),  # closure | opening
    _count("accounts"),
    _count("customers"),
    _money("corporate_deposit"),
    _money("savings_deposit"),
    _money("loans"),
    Column("retained_on", Date),  # NULL: not measured yet
    Column("corporate_retained", BigInteger),  # NULL with retained_on
    Column("savings_retained", BigInteger),  # NULL with retained_on
    index=("moved_on",),
)

#: One row per closed outlet per item it handed over at its closing (撤并移交): ``item`` seal 印章
#: (枚, surrendered for sealing or destruction) | blank_voucher 重要空白凭证 (份) | archive 会计档案 (卷);
#: to whom (``handed_to_unit_id``: its sub-branch's 会计结算部, the sub-branch, or the outlet that took
#: over its accounts), on which day, and how many were found not to match the register when counted
#: (``discrepancies``, 账实不符; 0 when all matched).
closing_handover = _table(
    "closing_handover",
    Column("unit_id", String(32), nullable=False),
    Column("item", String(16), nullable=False),
    _count("quantity"),
    Column("handed_to_unit_id", String(32), nullable=False),
    Column("handed_on", Date, nullable=False),
    _count("discrepancies"),
)

#: One row per teller per counter window per spell (the window a teller staffs, and what it serves):
#: ``service`` corporate_non_cash 对公非现金 | corporate_priority_cash 现金（对公优先）| cash 现金 |
#: personal_non_cash 个人非现金. A teller moved to another window, or a window whose service changes,
#: closes the row (``closed_on``, the last day) and opens another.
counter_window = _table(
    "counter_window",
    Column("unit_id", String(32), nullable=False),
    Column("window_no", Integer, nullable=False),
    Column("staff_id", String(32), nullable=False),
    Column("service", String(32), nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("closed_on", Date),  # NULL: still so
    index=("unit_id",),
)

#: One row per member of staff.
staff = _table(
    "staff",
    Column("staff_id", String(32), primary_key=True),
    Column("name", String(50), nullable=False),
    Column("hired_on", Date, nullable=False),
)

#: One row per staff member per assignment spell (staff move between outlets mid-year).
staff_assignment = _table(
    "staff_assignment",
    Column("staff_id", String(32), nullable=False),
    Column("unit_id", String(32), nullable=False),
    Column("role", String(32), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date),  # NULL: still in post
    index=("unit_id", "role"),
)

#: One row per outlet per day, and one per sub-branch per day (the sub-branch's own ledger total,
#: which must equal the sum of its outlets open that day): end-of-day balances in 元. ``loans`` are
#: all loans; the three NPL columns are its 次级 / 可疑 / 损失 parts (五级分类; 正常 and 关注 are
#: the rest).
daily_balance = _table(
    "daily_balance",
    Column("unit_id", String(32), nullable=False),
    Column("biz_date", Date, nullable=False),
    _money("corporate_deposit"),
    _money("savings_deposit"),
    _money("loans"),
    _money("npl_substandard"),
    _money("npl_doubtful"),
    _money("npl_loss"),
    index=("biz_date", "unit_id"),
)

#: One row per outlet per month: business flows of the month (元, 户, 笔). Transactions:
#: electronic (online, mobile, ATM, self-service) + counter = total.
monthly_business = _table(
    "monthly_business",
    Column("unit_id", String(32), nullable=False),
    Column("month", String(7), nullable=False),
    _count("new_corporate_accounts"),
    _money("personal_loans_recovered"),
    _money("npl_recovered"),
    _count("payroll_customers_added"),
    _money("card_spending"),
    _count("merchants_added"),
    _count("ebank_transactions"),
    _count("counter_transactions"),
    _count("total_transactions"),
    _count("online_banking_customers_added"),
    index=("month", "unit_id"),
)

#: One row per tracked deposit customer (average daily deposit of 50万元 or more in some month).
customer = _table(
    "customer",
    Column("customer_id", String(32), primary_key=True),
    Column("unit_id", String(32), nullable=False),
    Column("kind", String(16), nullable=False),  # corporate | personal
    Column("opened_on", Date, nullable=False),
)

#: One row per tracked customer per month: the month's average daily deposit balance (元).
customer_month = _table(
    "customer_month",
    Column("customer_id", String(32), nullable=False),
    Column("unit_id", String(32), nullable=False),
    Column("month", String(7), nullable=False),
    _money("avg_daily_balance"),
    index=("month", "unit_id"),
)

#: One row per teller per outlet per month worked.
teller_month = _table(
    "teller_month",
    Column("staff_id", String(32), nullable=False),
    Column("unit_id", String(32), nullable=False),
    Column("month", String(7), nullable=False),
    _count("working_days"),
    _count("transactions"),
    _count("max_day_transactions"),
    _count("customers_served"),
    _count("remittances"),
    _count("praise"),
    Column("appraisal_score", Integer, nullable=False),  # 0–100
    index=("month", "unit_id"),
)

#: One row per teller error found (most tellers have none most days).
teller_error = _table(
    "teller_error",
    Column("error_id", String(32), primary_key=True),
    Column("staff_id", String(32), nullable=False),
    Column("unit_id", String(32), nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("severity", String(16), nullable=False),  # minor | major
    Column("corrected", Boolean, nullable=False),
    _money("penalty"),
    index=("occurred_on", "unit_id"),
)

#: One row per operations manager (营业经理) per outlet per month.
ops_manager_month = _table(
    "ops_manager_month",
    Column("staff_id", String(32), nullable=False),
    Column("unit_id", String(32), nullable=False),
    Column("month", String(7), nullable=False),
    _count("authorisations_reviewed"),
    _count("inspections_done"),
    _count("errors_found"),
    _count("errors_corrected"),
    index=("month", "unit_id"),
)

#: One row per operational risk event, with the operations manager's reply.
risk_event = _table(
    "risk_event",
    Column("event_id", String(32), primary_key=True),
    Column("unit_id", String(32), nullable=False),
    Column("staff_id", String(32)),  # not read: an event belongs to the manager in post at the unit that day
    Column("occurred_on", Date, nullable=False),
    Column("category", String(32), nullable=False),
    Column("replied_on", Date),  # NULL: not replied (counted as unreplied)
    Column("reply_accurate", Boolean),  # NULL: not replied or not judged (not counted as accurate)
    index=("occurred_on", "unit_id"),
)

#: One row per meeting held (case_prevention 案防会议, internal_control 内控会议,
#: bank_enterprise 银企座谈会).
meeting = _table(
    "meeting",
    Column("meeting_id", String(32), primary_key=True),
    Column("unit_id", String(32), nullable=False),
    Column("held_on", Date, nullable=False),
    Column("kind", String(32), nullable=False),
    index=("held_on", "unit_id"),
)

#: One row per customer complaint received.
complaint = _table(
    "complaint",
    Column("complaint_id", String(32), primary_key=True),
    Column("unit_id", String(32), nullable=False),
    Column("received_on", Date, nullable=False),
    Column("valid", Boolean, nullable=False),  # 有效投诉
    Column("resolved_first_contact", Boolean, nullable=False),
    index=("received_on", "unit_id"),
)

#: One row per outlet per month: lobby opening hours, service inspection score (0–100), referrals
#: made by lobby staff.
lobby_month = _table(
    "lobby_month",
    Column("unit_id", String(32), nullable=False),
    Column("month", String(7), nullable=False),
    _count("opening_hours"),
    Column("service_score", Integer, nullable=False),
    _count("referrals"),
    index=("month", "unit_id"),
)

#: One row per outlet per 6S inspection per dimension (整理 seiri, 整顿 seiton, 清扫 seiso,
#: 清洁 seiketsu, 素养 shitsuke, 安全 safety); score 0–100.
six_s_inspection = _table(
    "six_s_inspection",
    Column("unit_id", String(32), nullable=False),
    Column("inspected_on", Date, nullable=False),
    Column("dimension", String(16), nullable=False),
    Column("score", Integer, nullable=False),
    index=("inspected_on", "unit_id"),
)

#: One row per sub-branch per month per expense line: budget and actual spending (元).
budget_month = _table(
    "budget_month",
    Column("unit_id", String(32), nullable=False),
    Column("month", String(7), nullable=False),
    Column("expense_line", String(32), nullable=False),
    _money("budget"),
    _money("actual"),
    index=("month", "unit_id"),
)

#: One row per fixed asset; ``written_off_on`` set when it was written off (报损).
fixed_asset = _table(
    "fixed_asset",
    Column("asset_id", String(32), primary_key=True),
    Column("unit_id", String(32), nullable=False),
    Column("category", String(32), nullable=False),
    Column("acquired_on", Date, nullable=False),
    _money("cost"),
    Column("written_off_on", Date),  # NULL: still held
)

#: One row per training session (planned or held: ``held`` false = planned, not yet held).
training_session = _table(
    "training_session",
    Column("session_id", String(32), primary_key=True),
    Column("unit_id", String(32), nullable=False),
    Column("held_on", Date, nullable=False),
    Column("topic", String(100), nullable=False),
    Column("held", Boolean, nullable=False),
    index=("held_on", "unit_id"),
)

#: One row per staff member attending a session.
training_attendance = _table(
    "training_attendance",
    Column("session_id", String(32), nullable=False),
    Column("staff_id", String(32), nullable=False),
    index=("session_id",),
)

#: One row per confidentiality inspection: hidden risks found and fixed.
confidentiality_inspection = _table(
    "confidentiality_inspection",
    Column("inspection_id", String(32), primary_key=True),
    Column("unit_id", String(32), nullable=False),
    Column("inspected_on", Date, nullable=False),
    _count("risks_found"),
    _count("risks_fixed"),
)

#: One row per staff member per confidentiality pledge signed.
confidentiality_pledge = _table(
    "confidentiality_pledge",
    Column("staff_id", String(32), nullable=False),
    Column("signed_on", Date, nullable=False),
)

#: One row per confidentiality incident (泄密事件).
confidentiality_incident = _table(
    "confidentiality_incident",
    Column("incident_id", String(32), primary_key=True),
    Column("unit_id", String(32), nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("severity", String(16), nullable=False),
)

#: One row per unit per period label per indicator: the plan target, with its provenance
#: (``source`` = rule id or 'owner'). Amount targets in 元, rates as fractions.
plan_target = _table(
    "plan_target",
    Column("unit_id", String(32), nullable=False),
    Column("period", String(8), nullable=False),
    Column("indicator", String(64), nullable=False),
    Column("target", Float, nullable=False),
    Column("source", String(64), nullable=False),
    Column("set_on", Date, nullable=False),
    index=("period", "unit_id"),
)


class SchemaMismatch(DataFailedValidation):
    """The warehouse lacks a table or a column the pack reads: named, never retried (it will not
    appear by waiting)."""


def check(conn) -> None:
    """Refuse a warehouse that lacks a table or column of ``metadata`` (``SchemaMismatch``, naming
    every one missing), before any rule or extraction query fails on it one by one."""
    from sqlalchemy import inspect

    found = inspect(conn)
    tables = set(found.get_table_names())
    missing = []
    for table in metadata.sorted_tables:
        if table.name not in tables:
            missing.append(f"table {table.name}")
            continue
        columns = {c["name"] for c in found.get_columns(table.name)}
        missing += [f"column {table.name}.{c.name}" for c in table.columns if c.name not in columns]
    if missing:
        raise SchemaMismatch(
            f"the warehouse lacks {len(missing)} of what the pack reads: {', '.join(missing)} "
            "(the schema is reportpack.warehouse.schema; `reportpack seed` creates it in an empty database)"
        )
