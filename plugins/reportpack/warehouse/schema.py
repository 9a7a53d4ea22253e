"""Warehouse schema, portable across SQLite and PostgreSQL (SQLAlchemy Core).

Amounts are whole 元 (BIGINT); dates are calendar dates in the bank's timezone (Asia/Shanghai).
The tables deliberately carry no unique constraints on their natural keys: real warehouses often
don't, and the validation suites in ``expectations/`` are what guard (unit, day) uniqueness.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, Index, Integer, MetaData, String, Table

metadata = MetaData()

#: One row per organisational unit (branch → sub-branch → outlet). ``closed_on`` NULL = open.
org_unit = Table(
    "org_unit",
    metadata,
    Column("unit_id", String(32), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("level", String(16), nullable=False),  # branch | sub_branch | outlet
    Column("parent_id", String(32)),
    Column("opened_on", Date, nullable=False),
    Column("closed_on", Date),
)

#: One row per outlet per day: end-of-day deposit balances in 元.
daily_balance = Table(
    "daily_balance",
    metadata,
    Column("unit_id", String(32), nullable=False),
    Column("biz_date", Date, nullable=False),
    Column("corporate_deposit", BigInteger, nullable=False),
    Column("savings_deposit", BigInteger, nullable=False),
    Index("ix_daily_balance_date_unit", "biz_date", "unit_id"),
)

#: One row per outlet per month (``month`` = 'YYYY-MM'): business flows of the month.
#: Amounts in 元, counts in 户 / 笔.
monthly_business = Table(
    "monthly_business",
    metadata,
    Column("unit_id", String(32), nullable=False),
    Column("month", String(7), nullable=False),
    Column("new_corporate_accounts", Integer, nullable=False),
    Column("personal_loans_recovered", BigInteger, nullable=False),
    Column("npl_recovered", BigInteger, nullable=False),
    Column("payroll_customers_added", Integer, nullable=False),
    Column("card_spending", BigInteger, nullable=False),
    Column("merchants_added", Integer, nullable=False),
    Column("ebank_transactions", Integer, nullable=False),
    Column("counter_transactions", Integer, nullable=False),
    Column("online_banking_customers_added", Integer, nullable=False),
    Index("ix_monthly_business_month_unit", "month", "unit_id"),
)
