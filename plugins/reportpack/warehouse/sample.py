"""Deterministic sample warehouse for a fictional bank (fixed seed → identical data).

One branch, ``sub_branches`` sub-branches (支行), ``outlets`` outlets (网点) spread over them, daily
deposit balances from ``start`` to ``end`` and the monthly business figures quoted by the seed's 篇二.
Balances trend by outlet, vary by outlet size and spike at month end, so ranks differ and move.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from reportpack.warehouse.schema import metadata

BRANCH_NAME = "江城银行滨江分行"
SUB_BRANCH_NAMES = ["城东支行", "城西支行", "高新支行", "江北支行", "开发区支行", "临港支行"]
STREETS = [
    "解放路", "中山路", "人民路", "建设路", "和平路", "胜利路", "长江路", "黄河路", "文化路", "新华路",
    "光明路", "友谊路", "青年路", "学府路", "朝阳路", "湖滨路", "春晖路", "育才路", "富民路", "兴业路",
    "园林路", "滨河路", "金桥路", "花园路", "银杏路", "振兴路", "民主路", "跃进路", "翠柳路", "望江路",
]
OUTLET_SUFFIXES = ["分理处", "储蓄所", "网点"]


@dataclass(frozen=True)
class SampleSpec:
    outlets: int = 22
    sub_branches: int = 3
    start: date = date(2022, 12, 31)
    end: date = date(2023, 12, 31)
    seed: int = 20230630


def build_frames(spec: SampleSpec) -> dict[str, pd.DataFrame]:
    """The sample tables as DataFrames, keyed by table name."""
    if spec.outlets < spec.sub_branches:
        raise ValueError(f"--outlets {spec.outlets}: need at least one outlet per sub-branch")
    if spec.end < spec.start:
        raise ValueError(f"--end {spec.end} is before --start {spec.start}")
    rng = np.random.default_rng(spec.seed)
    org = _org_units(spec)
    outlets = org[org["level"] == "outlet"].reset_index(drop=True)
    return {
        "org_unit": org,
        "daily_balance": _daily_balances(outlets, spec, rng),
        "monthly_business": _monthly_business(outlets, spec, rng),
    }


def _name(i: int) -> str:
    street = STREETS[i % len(STREETS)]
    lap = i // len(STREETS)
    return f"{street}{'' if lap == 0 else lap + 1}{OUTLET_SUFFIXES[i % len(OUTLET_SUFFIXES)]}"


def _org_units(spec: SampleSpec) -> pd.DataFrame:
    rows = [("BR01", BRANCH_NAME, "branch", None)]
    for s in range(spec.sub_branches):
        name = SUB_BRANCH_NAMES[s] if s < len(SUB_BRANCH_NAMES) else f"第{s + 1}支行"
        rows.append((f"BR01-S{s + 1:02d}", name, "sub_branch", "BR01"))
    for o in range(spec.outlets):
        parent = f"BR01-S{o % spec.sub_branches + 1:02d}"
        rows.append((f"{parent}-O{o + 1:05d}", _name(o), "outlet", parent))
    frame = pd.DataFrame(rows, columns=["unit_id", "name", "level", "parent_id"])
    frame["opened_on"] = date(2005, 1, 1)
    frame["closed_on"] = None
    return frame


def _daily_balances(outlets: pd.DataFrame, spec: SampleSpec, rng: np.random.Generator) -> pd.DataFrame:
    days = pd.date_range(spec.start, spec.end, freq="D")
    n_days, n_out = len(days), len(outlets)
    t = np.arange(n_days)[:, None] / 365.0
    month_end = np.asarray(days.is_month_end)[:, None]
    quarter_end = np.asarray(days.is_quarter_end)[:, None]

    def series(base_low: float, base_high: float, growth_sd: float, noise: float) -> np.ndarray:
        base = np.exp(rng.uniform(np.log(base_low), np.log(base_high), n_out))  # 元
        growth = rng.normal(0.14, growth_sd, n_out)  # annual trend, some outlets shrink
        walk = np.cumsum(rng.normal(0, noise / np.sqrt(365), (n_days, n_out)), axis=0)
        spike = 1 + 0.012 * month_end + 0.015 * quarter_end * rng.uniform(0.5, 1.5, n_out)
        return np.round(base * (1 + growth * t + walk) * spike).clip(min=0)

    corporate = series(1.5e8, 2.5e9, 0.12, 0.06)
    savings = series(2.0e8, 1.5e9, 0.06, 0.02)
    frame = pd.DataFrame(
        {
            "unit_id": np.repeat(outlets["unit_id"].to_numpy()[None, :], n_days, axis=0).ravel(),
            "biz_date": np.repeat(days.date, n_out),
            "corporate_deposit": corporate.ravel().astype("int64"),
            "savings_deposit": savings.ravel().astype("int64"),
        }
    )
    return frame


def _monthly_business(outlets: pd.DataFrame, spec: SampleSpec, rng: np.random.Generator) -> pd.DataFrame:
    months = pd.period_range(spec.start, spec.end, freq="M")
    months = [str(m) for m in months if m.end_time.date() > spec.start]
    n = len(outlets) * len(months)
    size = np.repeat(rng.uniform(0.5, 2.0, len(outlets))[None, :], len(months), axis=0).ravel()
    counter = rng.poisson(6000 * size).astype("int64")
    share = rng.uniform(0.80, 0.97, n)  # electronic share of all transactions
    frame = pd.DataFrame(
        {
            "unit_id": np.tile(outlets["unit_id"].to_numpy(), len(months)),
            "month": np.repeat(months, len(outlets)),
            "new_corporate_accounts": rng.poisson(4 * size),
            "personal_loans_recovered": np.round(rng.gamma(2.0, 6e5, n) * size).astype("int64"),
            "npl_recovered": np.round(rng.gamma(0.8, 1.5e5, n) * size).astype("int64"),
            "payroll_customers_added": rng.poisson(25 * size),
            "card_spending": np.round(rng.gamma(3.0, 2.5e6, n) * size).astype("int64"),
            "merchants_added": rng.poisson(3 * size),
            "ebank_transactions": np.round(counter * share / (1 - share)).astype("int64"),
            "counter_transactions": counter,
            "online_banking_customers_added": rng.poisson(60 * size),
        }
    )
    return frame


def write(frames: dict[str, pd.DataFrame], url: str) -> None:
    """Create the schema at ``url`` and load ``frames``.

    A SQLite file is written beside its destination and renamed into place, so an interrupted run
    never leaves a half-written warehouse behind.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        final = Path(parsed.database)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.with_name(final.name + ".tmp")
        tmp.unlink(missing_ok=True)
        _load(frames, parsed.set(database=str(tmp)).render_as_string(hide_password=False))
        os.replace(tmp, final)
    else:
        _load(frames, url)


def _load(frames: dict[str, pd.DataFrame], url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            metadata.drop_all(conn)
            metadata.create_all(conn)
            for table in metadata.sorted_tables:
                frame = frames[table.name]
                rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
                conn.execute(table.insert(), rows)
    finally:
        engine.dispose()
