"""Deterministic sample warehouse for a fictional bank, at any scale (fixed seed → identical data).

One branch, sub-branches (支行), outlets (网点) and departments; staff with roles, some of whom
move between outlets mid-year; outlets that open or close mid-year; daily balances that trend by
outlet, vary by size and spike at month end; and the monthly and event data every part of the
seed compilation quotes. Outlets are generated in fixed batches, each from its own seed, so the
data depend only on the spec and memory stays flat at 20,000 outlets.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

BRANCH_ID = "BR01"
BRANCH_NAME = "江城银行滨江分行"
SUB_BRANCH_NAMES = ["城东支行", "城西支行", "高新支行", "江北支行", "开发区支行", "临港支行", "新城支行", "湖滨支行"]
STREETS = [
    "解放路",
    "中山路",
    "人民路",
    "建设路",
    "和平路",
    "胜利路",
    "长江路",
    "黄河路",
    "文化路",
    "新华路",
    "光明路",
    "友谊路",
    "青年路",
    "学府路",
    "朝阳路",
    "湖滨路",
    "春晖路",
    "育才路",
    "富民路",
    "兴业路",
    "园林路",
    "滨河路",
    "金桥路",
    "花园路",
    "银杏路",
    "振兴路",
    "民主路",
    "跃进路",
    "翠柳路",
    "望江路",
]
OUTLET_SUFFIXES = ["分理处", "储蓄所", "网点"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉波宁婷颖琳"
EXPENSE_LINES = ["人员费用", "业务宣传费", "办公费", "差旅费", "电子设备运转费", "业务招待费"]
ASSET_CATEGORIES = ["电子设备", "办公家具", "安防设备", "运输工具"]
SIX_S = ["整理", "整顿", "清扫", "清洁", "素养", "安全"]
RISK_CATEGORIES = ["凭证管理", "印章管理", "授权管理", "现金管理", "账户管理"]
TRAINING_TOPICS = ["新会计科目与核算", "支付结算办法", "综合业务系统新版本", "反洗钱", "文明服务规范", "案件防范", "保密知识"]
BATCH = 500  # outlets per generation batch; fixed, so the data do not depend on memory


@dataclass(frozen=True)
class SampleSpec:
    outlets: int = 22
    sub_branches: int | None = None  # default: one per 8 outlets, at least 3
    start: date = date(2021, 12, 31)  # two years: 同比 for the second
    end: date = date(2023, 12, 31)
    seed: int = 20230630

    @property
    def n_sub_branches(self) -> int:
        return self.sub_branches or max(3, round(self.outlets / 8))

    def check(self) -> None:
        if self.outlets < 1:
            raise ValueError(f"--outlets {self.outlets}: need at least one outlet")
        if self.n_sub_branches > self.outlets:
            raise ValueError(f"--sub-branches {self.n_sub_branches}: more sub-branches than --outlets {self.outlets}")
        if self.end <= self.start:
            raise ValueError(f"--end {self.end} must be after --start {self.start}")


def _codes(prefix: str, outlet_seq, serial=None, width: int = 0) -> np.ndarray:
    """Identifiers like ``TE00012000345``: prefix, outlet number, serial within the outlet batch."""
    if serial is None:
        return np.array([f"{prefix}{o:05d}" for o in outlet_seq], dtype=object)
    return np.array([f"{prefix}{o:05d}{s:0{width}d}" for o, s in zip(outlet_seq, serial)], dtype=object)


class _Calendar:
    def __init__(self, spec: SampleSpec):
        self.days = pd.date_range(spec.start, spec.end, freq="D")
        self.dates = self.days.date
        self.months = self.days.strftime("%Y-%m").to_numpy()
        self.workday = self.days.day_of_week.to_numpy() < 5
        # Months that start inside the range (the range usually begins on 年初, 31 December,
        # whose month is not part of the data).
        self.month_labels = [m for m in dict.fromkeys(self.months) if date.fromisoformat(m + "-01") >= spec.start]

    def frame(self) -> pd.DataFrame:
        base = date(2000, 1, 1)
        return pd.DataFrame(
            {
                "cal_date": self.dates,
                "day_no": [(d - base).days for d in self.dates],
                "month": self.months,
                "is_workday": self.workday,
            }
        )


def generate(spec: SampleSpec) -> Iterator[tuple[str, pd.DataFrame]]:
    """Yield ``(table name, rows)`` pieces; a table may come in several pieces."""
    spec.check()
    cal = _Calendar(spec)
    yield "calendar", cal.frame()
    org = _organisation(spec)
    yield "org_unit", org
    outlets = org[org["level"] == "outlet"].reset_index(drop=True)
    parent = outlets.set_index("unit_id")["parent_id"]
    ledger = []  # the sub-branches' own daily totals, summed over their outlets' batches
    basis = []  # per outlet and year: what its annual plan is set from (never written to the warehouse)
    moves = _Moves(outlets, spec, cal)
    for first in range(0, len(outlets), BATCH):
        rng = np.random.default_rng([spec.seed, first // BATCH])
        for name, frame in _outlet_batch(outlets.iloc[first : first + BATCH].reset_index(drop=True), cal, spec, rng, moves):
            if name == PLAN_BASIS:
                basis.append(frame)
                continue
            if name == "daily_balance":
                ledger.append(frame.assign(unit_id=frame["unit_id"].map(parent)).groupby(["unit_id", "biz_date"]).sum())
            yield name, frame
    yield "account_transfer", moves.frame()
    yield "closing_handover", _handovers(outlets, moves)
    totals = pd.concat(ledger).groupby(level=[0, 1]).sum().reset_index()
    yield "daily_balance", totals[["unit_id", "biz_date", *[c for c in totals.columns if c not in ("unit_id", "biz_date")]]]
    plan_basis = pd.concat(basis).set_index(["unit_id", "year"])
    yield from _sub_branch_tables(org, cal, spec, np.random.default_rng([spec.seed, 10**6]), plan_basis)


def build_frames(spec: SampleSpec) -> dict[str, pd.DataFrame]:
    """The whole sample as one DataFrame per table (for small warehouses and tests)."""
    pieces: dict[str, list[pd.DataFrame]] = {}
    for name, frame in generate(spec):
        pieces.setdefault(name, []).append(frame)
    return {name: pd.concat(frames, ignore_index=True) for name, frames in pieces.items()}


PLAN_BASIS = "_plan_basis"  # an internal piece of generate(): what the plans are set from


def _outlet_name(i: int) -> str:
    street = STREETS[i % len(STREETS)]
    lap = i // len(STREETS)
    return f"{street}{'' if lap == 0 else lap + 1}{OUTLET_SUFFIXES[i % len(OUTLET_SUFFIXES)]}"


def _organisation(spec: SampleSpec) -> pd.DataFrame:
    founded = date(2005, 1, 1)
    rows = [
        (BRANCH_ID, BRANCH_NAME, "branch", None, founded, None),
        ("BR01-D01", "保密办公室", "department", BRANCH_ID, founded, None),
    ]
    for s in range(spec.n_sub_branches):
        sid = f"{BRANCH_ID}-S{s + 1:03d}"
        name = SUB_BRANCH_NAMES[s] if s < len(SUB_BRANCH_NAMES) else f"第{s + 1}支行"
        rows.append((sid, name, "sub_branch", BRANCH_ID, founded, None))
        rows.append((f"{sid}-D01", f"{name}会计结算部", "department", sid, founded, None))
        rows.append((f"{sid}-D02", f"{name}财务部", "department", sid, founded, None))
    # In the last year of the range, some outlets are merged into a neighbour (撤并) at the end of
    # May and some open in March: reports must rank them for the days they were open. In one
    # sub-branch of 25 (the third, the 28th, …; the last where there are fewer than three), its 2nd
    # outlet closes and its 4th opens, where it has them: every sample of three or more outlets a
    # sub-branch has a closing, and of four or more an opening, and no sub-branch loses or gains more.
    closes, opens = date(spec.end.year, 5, 31), date(spec.end.year, 3, 1)
    changing = min(2, spec.n_sub_branches - 1)
    for o in range(spec.outlets):
        sub = o % spec.n_sub_branches
        parent = f"{BRANCH_ID}-S{sub + 1:03d}"
        opened, closed = founded, None
        position = o // spec.n_sub_branches  # the outlet's place in its sub-branch, from 0
        # a closing outlet's accounts go to its next sibling (position 2), which must exist
        if sub % 25 == changing and position == 1 and spec.start < closes < spec.end and o + spec.n_sub_branches < spec.outlets:
            closed = closes
        elif sub % 25 == changing and position == 3 and spec.start < opens < spec.end:
            opened = opens
        rows.append((f"{parent}-O{o + 1:05d}", _outlet_name(o), "outlet", parent, opened, closed))
    return pd.DataFrame(rows, columns=["unit_id", "name", "level", "parent_id", "opened_on", "closed_on"])


def _open_mask(outlets: pd.DataFrame, cal: _Calendar) -> np.ndarray:
    """Day × outlet booleans: is the outlet open on that day."""
    opened = pd.to_datetime(outlets["opened_on"]).to_numpy()
    closed = pd.to_datetime([date(2200, 1, 1) if pd.isna(c) else c for c in outlets["closed_on"]]).to_numpy()
    days = cal.days.to_numpy()[:, None]
    return (days >= opened[None, :]) & (days <= closed[None, :])


class _Moves:
    """The accounts moved at closings and openings (``account_transfer``), and what they do to the
    balances of both sides.

    Who moves to whom follows from the organisation alone: a closing outlet's accounts go to its
    next sibling (its place + 1 in the sub-branch); a new outlet takes over accounts of the (up to)
    two siblings after it. Both are later in outlet order, so batches generated in order know every
    move before they generate the other side: a receiving outlet holds the moved balances from the
    day they arrive (a closing's keep a share of them, falling over a month to what stays); a
    giving outlet held them until the day it gave them away. Amounts follow the giving or new
    outlet's own balances; counts and shares come from a generator of each move's own, so the rest
    of the sample stays what it was.
    """

    def __init__(self, outlets: pd.DataFrame, spec: SampleSpec, cal: _Calendar):
        self.spec, self.cal = spec, cal
        ids = outlets["unit_id"].tolist()
        step = spec.n_sub_branches
        self.index = {d: i for i, d in enumerate(cal.dates)}
        self.receiver: dict[str, str] = {}
        self.donors: dict[str, list[str]] = {}
        self.closed_on: dict[str, date] = {}
        self.opened_on: dict[str, date] = {}
        for o, row in enumerate(outlets.itertuples()):
            if not pd.isna(row.closed_on) and row.closed_on in self.index and row.closed_on < cal.dates[-1]:
                self.receiver[row.unit_id] = ids[o + step]
                self.closed_on[row.unit_id] = row.closed_on
            if row.opened_on in self.index and row.opened_on > cal.dates[0]:
                self.donors[row.unit_id] = [ids[k] for k in (o + step, o + 2 * step) if k < len(ids)]
                self.opened_on[row.unit_id] = row.opened_on
        self.order = {u: o for o, u in enumerate(ids)}
        self.pending: dict[str, list[tuple[int, int, float, float, float, float]]] = {}
        self.rows: list[tuple] = []

    def _rng(self, unit_id: str) -> np.random.Generator:
        return np.random.default_rng([self.spec.seed, 7, self.order[unit_id]])

    def _row(self, rng, source, target, moved_on, reason, corporate, savings, loans, keep, held_then):
        corporate_accounts = corporate / rng.uniform(3e6, 6e6)
        savings_accounts = savings / rng.uniform(5e4, 1e5)
        accounts = int(round(corporate_accounts + savings_accounts))
        customers = int(round(0.9 * corporate_accounts + 0.7 * savings_accounts))
        retained_on = moved_on + timedelta(days=29)
        measured = retained_on <= self.cal.dates[-1]
        kept = [min(round(v * keep), held) if measured else None for v, held in zip((corporate, savings), held_then(retained_on))]
        self.rows.append(
            (
                source,
                target,
                moved_on,
                reason,
                accounts,
                customers,
                int(corporate),
                int(savings),
                int(loans),
                retained_on if measured else None,
                *kept,
            )
        )

    def settle(self, ids: np.ndarray, cal: _Calendar, corporate: np.ndarray, savings: np.ndarray, loans: np.ndarray) -> None:
        """Record the moves of this batch's closing and new outlets, then add every move known for
        this batch's outlets to their balances (day × outlet arrays, changed in place)."""
        column = {u: i for i, u in enumerate(ids)}
        n_days = len(cal.dates)

        def held(i):
            return lambda day: (corporate[self.index[day], i], savings[self.index[day], i])

        for unit_id, i in column.items():
            rng = self._rng(unit_id)
            if unit_id in self.receiver:
                last = self.index[self.closed_on[unit_id]]
                # most accounts move; a few customers close theirs instead
                share, keep = rng.uniform(0.92, 1.0), rng.uniform(0.85, 0.97)
                moved = [round(a[last, i] * share) for a in (corporate, savings)] + [round(loans[last, i])]
                target = self.receiver[unit_id]
                self.pending.setdefault(target, []).append((last + 1, n_days, *moved, keep))
                # what stays is exactly ``keep`` of it a month on (the receiver's balance holds it)
                self._row(rng, unit_id, target, cal.dates[last + 1], "closure", *moved, keep, lambda day: (np.inf, np.inf))
            if self.donors.get(unit_id):
                first = self.index[self.opened_on[unit_id]]
                weights = rng.dirichlet([3.0] * len(self.donors[unit_id]))
                share, keep = rng.uniform(0.75, 0.95), rng.uniform(0.85, 0.97)
                for donor, w in zip(self.donors[unit_id], weights):
                    moved = [round(a[first, i] * share * w) for a in (corporate, savings, loans)]
                    self.pending.setdefault(donor, []).append((0, first, *moved, 1.0))
                    self._row(rng, donor, unit_id, cal.dates[first], "opening", *moved, keep, held(i))
        for unit_id, i in column.items():
            for start, end, c, s, lo, keep in self.pending.pop(unit_id, []):
                # what stays of the moved balances: all on arrival, falling over a month to ``keep``
                stays = 1 - (1 - keep) * np.clip((np.arange(end - start) + 1) / 30, 0, 1)
                corporate[start:end, i] += np.round(c * stays)
                savings[start:end, i] += np.round(s * stays)
                loans[start:end, i] += lo

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            self.rows,
            columns=[
                "from_unit_id",
                "to_unit_id",
                "moved_on",
                "reason",
                "accounts",
                "customers",
                "corporate_deposit",
                "savings_deposit",
                "loans",
                "retained_on",
                "corporate_retained",
                "savings_retained",
            ],
        ).astype({"corporate_retained": "Int64", "savings_retained": "Int64"})


def _handovers(outlets: pd.DataFrame, moves: _Moves) -> pd.DataFrame:
    """What each outlet closing in the range handed over (``closing_handover``): its seals to the
    sub-branch's 会计结算部 on the closing day, its blank vouchers to the outlet taking over its
    accounts the next day, its accounting archives to the 会计结算部 within a fortnight; counted
    against the register, all matching. Drawn from the outlet's own generator (its id)."""
    rows = []
    parent = outlets.set_index("unit_id")["parent_id"]
    for unit_id, closed in moves.closed_on.items():
        rng = np.random.default_rng(zlib.crc32(f"handover {unit_id}".encode()))
        accounting = f"{parent[unit_id]}-D01"
        rows += [
            (unit_id, "seal", int(rng.integers(8, 16)), accounting, closed, 0),
            (unit_id, "blank_voucher", int(rng.integers(800, 4000)), moves.receiver[unit_id], closed + timedelta(days=1), 0),
            (unit_id, "archive", int(rng.integers(60, 160)), accounting, closed + timedelta(days=int(rng.integers(3, 15))), 0),
        ]
    return pd.DataFrame(rows, columns=["unit_id", "item", "quantity", "handed_to_unit_id", "handed_on", "discrepancies"])


def _people(rng: np.random.Generator, n: int) -> list[str]:
    s = rng.integers(0, len(SURNAMES), n)
    g1 = rng.integers(0, len(GIVEN), n)
    g2 = rng.integers(-len(GIVEN), len(GIVEN), n)  # about half the names have one given character
    return [SURNAMES[a] + GIVEN[b] + (GIVEN[c] if c >= 0 else "") for a, b, c in zip(s, g1, g2)]


def _long(unit_ids: np.ndarray, days_or_months: np.ndarray, mask: np.ndarray, **columns: np.ndarray) -> pd.DataFrame:
    """Day-or-month × outlet arrays → long rows where ``mask`` holds."""
    rows, cols = np.nonzero(mask)
    frame = {"unit_id": unit_ids[cols]}
    frame.update({k: v[rows, cols] for k, v in columns.items()})
    out = pd.DataFrame(frame)
    out.insert(1, "_t", days_or_months[rows])
    return out


def _outlet_batch(outlets: pd.DataFrame, cal: _Calendar, spec: SampleSpec, rng: np.random.Generator, moves: _Moves):
    n = len(outlets)
    ids = outlets["unit_id"].to_numpy()
    seq = np.array([int(u.rsplit("O", 1)[1]) for u in ids])
    size = np.exp(rng.normal(0, 0.55, n))  # outlet size factor, ~0.3 … 3
    open_day = _open_mask(outlets, cal)
    n_days = len(cal.days)
    t = np.arange(n_days)[:, None] / 365.0
    month_end = np.asarray(cal.days.is_month_end)[:, None]
    quarter_end = np.asarray(cal.days.is_quarter_end)[:, None]

    trends: list[np.ndarray] = []  # each balance's yearly growth trend, which the outlet's plans follow

    def balance(level: float, growth_mean: float, growth_sd: float, noise: float) -> np.ndarray:
        base = level * size * np.exp(rng.normal(0, 0.35, n))
        growth = rng.normal(growth_mean, growth_sd, n)
        trends.append(growth)
        walk = np.cumsum(rng.normal(0, noise / np.sqrt(365), (n_days, n)), axis=0)
        spike = 1 + 0.012 * month_end + 0.015 * quarter_end * rng.uniform(0.5, 1.5, n)
        return np.round(base * np.clip(1 + growth * t + walk, 0.05, None) * spike)

    corporate = balance(6e8, 0.14, 0.12, 0.06)
    savings = balance(5e8, 0.10, 0.06, 0.02)
    loans = balance(3e8, 0.06, 0.05, 0.02)
    npl_share = rng.uniform(0.005, 0.03, n) * np.clip(1 - 0.3 * t, 0.5, None)  # NPL improving
    npl = loans * npl_share
    moves.settle(ids, cal, corporate, savings, loans)
    split = rng.dirichlet([4, 2, 1], n)
    daily = _long(
        ids,
        cal.dates,
        open_day,
        corporate_deposit=corporate,
        savings_deposit=savings,
        loans=loans,
        npl_substandard=np.round(npl * split[:, 0]),
        npl_doubtful=np.round(npl * split[:, 1]),
        npl_loss=np.round(npl * split[:, 2]),
    ).rename(columns={"_t": "biz_date"})
    for col in daily.columns[2:]:
        daily[col] = daily[col].astype("int64")
    yield "daily_balance", daily
    # What the sample's annual plans are set from: each year's opening balance (31 December before;
    # none for an outlet not open that day) and the outlet's own growth trend, as a bank sets plans.
    year_starts = [i for i, d in enumerate(cal.dates) if (d.month, d.day) == (12, 31)]
    yield (
        PLAN_BASIS,
        pd.DataFrame(
            {
                "unit_id": np.tile(ids, len(year_starts)),
                "year": np.repeat([cal.dates[i].year + 1 for i in year_starts], n),
                "corporate_start": np.concatenate([np.where(open_day[i], corporate[i], np.nan) for i in year_starts]),
                "savings_start": np.concatenate([np.where(open_day[i], savings[i], np.nan) for i in year_starts]),
                "corporate_trend": np.tile(trends[0], len(year_starts)),
                "savings_trend": np.tile(trends[1], len(year_starts)),
            }
        ),
    )

    months = np.array(cal.month_labels)
    month_index = {m: i for i, m in enumerate(months)}
    in_months = np.array([m in month_index for m in cal.months])
    m_of_day = np.array([month_index.get(m, 0) for m in cal.months])
    work_days_month = np.zeros((len(months), n), dtype=int)
    np.add.at(work_days_month, m_of_day[in_months], (open_day & cal.workday[:, None])[in_months].astype(int))
    open_month = work_days_month > 0  # open at least one working day of the month
    workdays = np.bincount(m_of_day[in_months], weights=cal.workday[in_months], minlength=len(months))
    frac = work_days_month / np.maximum(1, workdays[:, None])
    shape = (len(months), n)

    def pois(lam: float) -> np.ndarray:
        return rng.poisson(lam * size[None, :] * frac, shape)

    def amount(scale: float, k: float = 2.0) -> np.ndarray:
        return np.round(rng.gamma(k, scale / k, shape) * size[None, :] * frac)

    counter = pois(6000)
    electronic = np.round(counter * (s := rng.uniform(0.80, 0.97, shape)) / (1 - s)).astype(int)
    business = _long(
        ids,
        months,
        open_month,
        new_corporate_accounts=pois(4),
        personal_loans_recovered=amount(1.2e6),
        npl_recovered=amount(2.5e5, 0.8),
        payroll_customers_added=pois(25),
        card_spending=amount(7.5e6, 3.0),
        merchants_added=pois(3),
        ebank_transactions=electronic,
        counter_transactions=counter,
        total_transactions=electronic + counter,
        online_banking_customers_added=pois(60),
    ).rename(columns={"_t": "month"})
    for col in business.columns[2:]:
        business[col] = business[col].astype("int64")
    yield "monthly_business", business

    yield from _customers(ids, seq, size, months, open_month, rng)
    yield from _staff_and_operations(outlets, ids, seq, size, cal, months, m_of_day, open_day, open_month, work_days_month, rng)
    yield from _lobby(ids, seq, size, cal, months, m_of_day, open_day, open_month, work_days_month, rng)


def _customers(ids, seq, size, months, open_month, rng):
    per_outlet = np.clip(np.round(10 * size), 4, 30).astype(int)
    owner = np.repeat(np.arange(len(ids)), per_outlet)
    k = np.concatenate([np.arange(c) for c in per_outlet])
    cust_ids = _codes("C", seq[owner], k, 3)
    # average daily deposits from 50万 to a few 千万, heavy-tailed
    base = np.exp(rng.uniform(np.log(5e5), np.log(4e7), len(owner)))
    kind = np.where(rng.random(len(owner)) < 0.7, "corporate", "personal")
    yield "customer", pd.DataFrame({"customer_id": cust_ids, "unit_id": ids[owner], "kind": kind, "opened_on": date(2010, 1, 1)})
    drift = np.cumprod(rng.normal(1.0, 0.08, (len(months), len(owner))), axis=0)
    values = np.round(base[None, :] * drift).astype("int64")
    mask = open_month[:, owner]
    r, c = np.nonzero(mask)
    yield (
        "customer_month",
        pd.DataFrame(
            {"customer_id": cust_ids[c], "unit_id": ids[owner][c], "month": months[r], "avg_daily_balance": values[r, c]}
        ),
    )


def _staff_and_operations(outlets, ids, seq, size, cal, months, m_of_day, open_day, open_month, work_days_month, rng):
    n = len(ids)
    tellers = np.clip(np.round(3 + 1.5 * size), 3, 8).astype(int)
    roles_per_outlet = [
        ["outlet_head", "operations_manager", "lobby_manager", "customer_manager", "customer_manager"] + ["teller"] * t
        for t in tellers
    ]
    staff_rows, spells = [], []
    first_day = cal.dates[0]
    for i, roles in enumerate(roles_per_outlet):
        for j, role in enumerate(roles):
            staff_rows.append(f"E{seq[i]:05d}{j:02d}")
            opened = outlets["opened_on"].iat[i]
            closed = outlets["closed_on"].iat[i]
            spells.append([staff_rows[-1], ids[i], role, max(first_day, opened), None if pd.isna(closed) else closed])
    # Operations managers rotate between neighbouring outlets at mid-year (the seed's 篇一 author
    # moved from one sub-branch to another).
    mid = max(date(cal.dates[-1].year, 4, 1), cal.dates[1])  # rotation in April of the last year
    by_outlet = {s[1]: k for k, s in enumerate(spells) if s[2] == "operations_manager"}
    for i in range(0, n - 1, 20):
        a, b = by_outlet[ids[i]], by_outlet[ids[i + 1]]
        if spells[a][4] is None and spells[b][4] is None and outlets["opened_on"].iat[i + 1] <= mid:
            for x, y in ((a, b), (b, a)):
                spells.append([spells[x][0], spells[y][1], "operations_manager", mid, None])
            spells[a][4] = spells[b][4] = mid - timedelta(days=1)
    staff_ids = np.array(staff_rows)
    hired = pd.Timestamp(2008, 1, 1) + pd.to_timedelta(rng.integers(0, 5000, len(staff_ids)), unit="D")
    yield "staff", pd.DataFrame({"staff_id": staff_ids, "name": _people(rng, len(staff_ids)), "hired_on": hired.date})
    yield "staff_assignment", pd.DataFrame(spells, columns=["staff_id", "unit_id", "role", "start_date", "end_date"])
    yield "counter_window", _windows(outlets, [s for s in spells if s[2] == "teller"])

    # Tellers: one row per teller per open month.
    teller_outlet = np.concatenate([[i] * t for i, t in enumerate(tellers)])
    teller_ids = np.array([s[0] for s in spells if s[2] == "teller"])
    wd = work_days_month[:, teller_outlet]
    active = wd > 0
    shape = wd.shape
    per_day = rng.normal(200, 25, shape).clip(80, None)  # the seed: "每天…近两百笔"
    transactions = np.round(per_day * wd).astype(int)
    r, c = np.nonzero(active)
    yield (
        "teller_month",
        pd.DataFrame(
            {
                "staff_id": teller_ids[c],
                "unit_id": ids[teller_outlet][c],
                "month": months[r],
                "working_days": wd[r, c],
                "transactions": transactions[r, c],
                "max_day_transactions": np.round(per_day[r, c] * rng.uniform(1.2, 1.6, len(r))).astype(int),
                "customers_served": np.round(transactions[r, c] * rng.uniform(0.9, 1.0, len(r))).astype(int),
                "remittances": rng.poisson(3 * wd[r, c]),
                "praise": rng.poisson(1.0, len(r)),
                "appraisal_score": rng.integers(75, 101, len(r)),
            }
        ),
    )
    errors = rng.poisson(0.25, shape) * active
    er, ec = np.nonzero(errors)
    counts = errors[er, ec]
    er, ec = np.repeat(er, counts), np.repeat(ec, counts)
    day_in_month = rng.integers(0, 28, len(er))
    occurred = pd.to_datetime(months[er] + "-01") + pd.to_timedelta(day_in_month, unit="D")
    corrected = rng.random(len(er)) < 0.9
    severity = np.where(rng.random(len(er)) < 0.03, "major", "minor")
    error_outlet = teller_outlet[ec]
    yield (
        "teller_error",
        pd.DataFrame(
            {
                "error_id": _codes("TE", seq[error_outlet], np.arange(len(er)), 6),
                "staff_id": teller_ids[ec],
                "unit_id": ids[error_outlet],
                "occurred_on": occurred.date,
                "severity": severity,
                "corrected": corrected,
                "penalty": np.where(corrected, 0, rng.integers(1, 5, len(er)) * 50).astype("int64"),
            }
        ),
    )
    # Operations managers find most of the tellers' errors of the month at their outlet in their
    # checks (监督检查发现问题); the rest come to light in the back office's 事后监督, so the
    # accounting plan's 检查发现问题 is not its 业务差错 under another name. Drawn from a stream of
    # its own (spawned: the batch's other draws stay as they were).
    by_manager = np.random.default_rng(rng.bit_generator.seed_seq.spawn(1)[0]).random(len(er)) < 0.85
    found = np.zeros((len(months), n), dtype=int)
    fixed = np.zeros((len(months), n), dtype=int)
    np.add.at(found, (er[by_manager], error_outlet[by_manager]), 1)
    np.add.at(fixed, (er[by_manager], error_outlet[by_manager]), corrected[by_manager].astype(int))
    mgr_spells = [s for s in spells if s[2] == "operations_manager"]
    month_start = pd.to_datetime(pd.Series(months) + "-01").dt.date.to_numpy()
    out = []
    index_of = {u: i for i, u in enumerate(ids)}
    for staff_id, unit_id, _, start, end in mgr_spells:
        i = index_of[unit_id]
        for m, m0 in enumerate(month_start):
            if not open_month[m, i] or m0 < date(start.year, start.month, 1) or (end is not None and m0 > end):
                continue
            out.append((staff_id, unit_id, months[m], m, i))
    if out:
        mm = np.array([o[3] for o in out])
        oi = np.array([o[4] for o in out])
        wdm = work_days_month[mm, oi]
        yield (
            "ops_manager_month",
            pd.DataFrame(
                {
                    "staff_id": [o[0] for o in out],
                    "unit_id": [o[1] for o in out],
                    "month": [o[2] for o in out],
                    "authorisations_reviewed": rng.poisson(30 * wdm * size[oi]),
                    "inspections_done": rng.poisson(wdm),
                    "errors_found": found[mm, oi],
                    "errors_corrected": fixed[mm, oi],
                }
            ),
        )
    # Risk events and case-prevention meetings, per outlet-month.
    ev = rng.poisson(1.2 * size[None, :], (len(months), n)) * open_month
    rr, rc = np.nonzero(ev)
    rr, rc = np.repeat(rr, ev[rr, rc]), np.repeat(rc, ev[rr, rc])
    occurred = pd.to_datetime(months[rr] + "-01") + pd.to_timedelta(rng.integers(0, 28, len(rr)), unit="D")
    replied = occurred + pd.to_timedelta(rng.integers(1, 6, len(rr)), unit="D")
    manager = {s[1]: s[0] for s in spells if s[2] == "operations_manager"}
    yield (
        "risk_event",
        pd.DataFrame(
            {
                "event_id": _codes("RE", seq[rc], np.arange(len(rr)), 6),
                "unit_id": ids[rc],
                "staff_id": [manager[u] for u in ids[rc]],
                "occurred_on": occurred.date,
                "category": np.array(RISK_CATEGORIES)[rng.integers(0, len(RISK_CATEGORIES), len(rr))],
                "replied_on": replied.date,
                "reply_accurate": rng.random(len(rr)) < 0.9,
            }
        ),
    )
    held = (rng.random((len(months), n)) < 0.95) & open_month
    mr, mc = np.nonzero(held)
    yield (
        "meeting",
        pd.DataFrame(
            {
                "meeting_id": _codes("MT", seq[mc], mr, 3),
                "unit_id": ids[mc],
                "held_on": (pd.to_datetime(months[mr] + "-01") + pd.Timedelta(days=24)).date,
                "kind": "case_prevention",
            }
        ),
    )
    # Training at outlets: one session a quarter, attended by the outlet's tellers.
    sessions, attendance = [], []
    for i in range(n):
        for q, m in enumerate(range(2, len(months), 3)):
            if not open_month[m, i]:
                continue
            sid = f"TS{seq[i]:05d}{q:02d}"
            sessions.append(
                (sid, ids[i], date.fromisoformat(months[m] + "-15"), TRAINING_TOPICS[(q + i) % len(TRAINING_TOPICS)], True)
            )
            attendance += [(sid, s[0]) for s in spells if s[1] == ids[i] and s[2] == "teller" and rng.random() < 0.9]
    yield "training_session", pd.DataFrame(sessions, columns=["session_id", "unit_id", "held_on", "topic", "held"])
    yield "training_attendance", pd.DataFrame(attendance, columns=["session_id", "staff_id"])
    for year in sorted({d.year for d in cal.dates if d >= date(d.year, 1, 1) and d.month <= 3}):
        signed = rng.random(len(staff_ids)) < 0.97  # a few pledges are always late or missing
        yield (
            "confidentiality_pledge",
            pd.DataFrame(
                {
                    "staff_id": staff_ids[signed],
                    "signed_on": (pd.Timestamp(year, 1, 2) + pd.to_timedelta(rng.integers(0, 80, signed.sum()), unit="D")).date,
                }
            ),
        )


def _windows(outlets: pd.DataFrame, teller_spells: list[list]) -> pd.DataFrame:
    """Each teller staffs one counter window for their spell (the seed's 篇二: "x名对公非现金柜员、x个现金
    对公优先窗口"): every outlet of the sample holds corporate deposits, so each gives one or two tellers
    对公非现金 windows and may make one cash window 对公优先; the rest are cash windows. Drawn from each
    outlet's own generator (its id), so the other tables of the sample stay as they were."""
    rows = []
    by_unit: dict[str, list[list]] = {}
    for spell in teller_spells:
        by_unit.setdefault(spell[1], []).append(spell)
    for unit_id, spells in by_unit.items():
        rng = np.random.default_rng(zlib.crc32(unit_id.encode()))
        corporate, priority = int(rng.integers(1, 3)), int(rng.integers(0, 2))
        corporate = min(corporate, len(spells) - 2)  # at least one cash window besides
        priority = min(priority, len(spells) - corporate - 1)
        services = ["corporate_non_cash"] * corporate + ["corporate_priority_cash"] * priority
        services += ["cash"] * (len(spells) - len(services))
        for n, (spell, service) in enumerate(zip(spells, services, strict=True), start=1):
            rows.append((unit_id, n, spell[0], service, spell[3], spell[4]))
    return pd.DataFrame(rows, columns=["unit_id", "window_no", "staff_id", "service", "opened_on", "closed_on"])


def _lobby(ids, seq, size, cal, months, m_of_day, open_day, open_month, work_days_month, rng):
    n = len(ids)
    shape = (len(months), n)
    weekend = rng.random(n) < 0.3  # some outlets open at weekends too
    hours = np.round(work_days_month * 8 + weekend[None, :] * 8 * 8 * (work_days_month > 0)).astype(int)
    r, c = np.nonzero(open_month)
    yield (
        "lobby_month",
        pd.DataFrame(
            {
                "unit_id": ids[c],
                "month": months[r],
                "opening_hours": hours[r, c],
                "service_score": rng.integers(78, 101, shape)[r, c],
                "referrals": rng.poisson(15 * size[c]),
            }
        ),
    )
    complaints = rng.poisson(1.5 * size[None, :], shape) * open_month
    cr, cc = np.nonzero(complaints)
    cr, cc = np.repeat(cr, complaints[cr, cc]), np.repeat(cc, complaints[cr, cc])
    yield (
        "complaint",
        pd.DataFrame(
            {
                "complaint_id": _codes("CP", seq[cc], np.arange(len(cr)), 6),
                "unit_id": ids[cc],
                "received_on": (
                    pd.to_datetime(months[cr] + "-01") + pd.to_timedelta(rng.integers(0, 28, len(cr)), unit="D")
                ).date,
                "valid": rng.random(len(cr)) < 0.25,
                "resolved_first_contact": rng.random(len(cr)) < 0.8,
            }
        ),
    )
    quarter_months = [m for m in range(len(months)) if months[m][5:] in ("03", "06", "09", "12")]
    rows = []
    for m in quarter_months:
        for i in np.nonzero(open_month[m])[0]:
            day = date.fromisoformat(months[m] + "-20")
            for dim in SIX_S:
                bias = 6 if dim in ("安全", "清洁") else (-6 if dim == "素养" else 0)  # the seed: 素养 lags
                rows.append((ids[i], day, dim, int(np.clip(rng.normal(86 + bias, 5), 50, 100))))
    yield "six_s_inspection", pd.DataFrame(rows, columns=["unit_id", "inspected_on", "dimension", "score"])
    # Fixed assets: acquired over the years, a few written off within the data range.
    count = np.clip(np.round(15 * size), 5, 60).astype(int)
    owner = np.repeat(np.arange(n), count)
    acquired = pd.Timestamp(2012, 1, 1) + pd.to_timedelta(rng.integers(0, 4000, len(owner)), unit="D")
    off = rng.random(len(owner)) < 0.06
    written = pd.Series(pd.NaT, index=range(len(owner)), dtype="datetime64[s]")
    drawn = pd.Timestamp(cal.dates[0]) + pd.to_timedelta(rng.integers(1, len(cal.dates), off.sum()), unit="D")
    written[off] = np.maximum(drawn, acquired[off] + pd.Timedelta(days=30))  # never before it was acquired
    yield (
        "fixed_asset",
        pd.DataFrame(
            {
                "asset_id": _codes("FA", seq[owner], np.concatenate([np.arange(k) for k in count]), 3),
                "unit_id": ids[owner],
                "category": np.array(ASSET_CATEGORIES)[rng.integers(0, len(ASSET_CATEGORIES), len(owner))],
                "acquired_on": acquired.date,
                "cost": np.round(rng.gamma(2, 15000, len(owner))).astype("int64"),
                "written_off_on": [None if pd.isna(w) else w.date() for w in written],
            }
        ),
    )
    incidents = rng.random(n) < 0.01
    yield (
        "confidentiality_incident",
        pd.DataFrame(
            {
                "incident_id": _codes("CI", seq[incidents]),
                "unit_id": ids[incidents],
                "occurred_on": date.fromisoformat(months[len(months) // 2] + "-10"),
                "severity": "minor",
            }
        ),
    )


def _sub_branch_tables(org: pd.DataFrame, cal: _Calendar, spec: SampleSpec, rng: np.random.Generator, plan_basis: pd.DataFrame):
    subs = org[org["level"] == "sub_branch"]["unit_id"].to_numpy()
    months = np.array(cal.month_labels)
    outlets = org[org["level"] == "outlet"]
    per_sub = outlets.groupby("parent_id").size().reindex(subs).fillna(0).to_numpy()
    rows = []
    annual = {line: w for line, w in zip(EXPENSE_LINES, [60, 8, 6, 3, 10, 2])}  # 万元 per outlet per year
    for s, sid in enumerate(subs):
        execution = rng.normal(0.95, 0.08)
        for m in months:
            for line, w in annual.items():
                budget = round(w * 1e4 * max(1, per_sub[s]) / 12)
                rows.append((sid, m, line, budget, round(budget * max(0.0, rng.normal(execution, 0.12)))))
    yield "budget_month", pd.DataFrame(rows, columns=["unit_id", "month", "expense_line", "budget", "actual"])
    meetings, sessions, inspections = [], [], []
    for s, sid in enumerate(subs):
        for k, m in enumerate(months):
            meetings.append((f"MI{s:04d}{k:03d}", f"{sid}-D01", date.fromisoformat(m + "-10"), "internal_control"))
            if k % 3 == 2:
                meetings.append((f"MB{s:04d}{k:03d}", sid, date.fromisoformat(m + "-18"), "bank_enterprise"))
                found = int(rng.poisson(2))
                inspections.append(
                    (
                        f"CS{s:04d}{k:03d}",
                        sid,
                        date.fromisoformat(m + "-22"),
                        found,
                        found - int(rng.random() < 0.2 and found > 0),
                    )
                )
            held = bool(rng.random() < 0.92)
            sessions.append(
                (
                    f"TD{s:04d}{k:03d}",
                    f"{sid}-D01",
                    date.fromisoformat(m + "-12"),
                    TRAINING_TOPICS[k % len(TRAINING_TOPICS)],
                    held,
                )
            )
    yield "meeting", pd.DataFrame(meetings, columns=["meeting_id", "unit_id", "held_on", "kind"])
    yield "training_session", pd.DataFrame(sessions, columns=["session_id", "unit_id", "held_on", "topic", "held"])
    yield (
        "confidentiality_inspection",
        pd.DataFrame(inspections, columns=["inspection_id", "unit_id", "inspected_on", "risks_found", "risks_fixed"]),
    )
    # Annual plan targets per outlet (the sample's "owner" plans). A deposit plan is the outlet's
    # opening balance times its own growth trend, give or take (the draw, as before, decides how
    # much: 80–130 % of the trend, at least 3 %); an outlet not open on 31 December gets a plan in
    # money, as a new outlet does. So 完成率 lands where a bank's would, not at 1,200 %.
    t_rows = []
    annual: dict[tuple[str, int, str], float] = {}
    for year, uid in ((y, u) for y in sorted({int(m[:4]) for m in months}) for u in outlets["unit_id"]):
        for indicator, low, high in (
            ("corporate_deposit_growth", 3e7, 2.5e8),
            ("savings_deposit_growth", 2e7, 1.2e8),
            ("new_corporate_accounts", 30, 90),
            ("payroll_customers_added", 200, 600),
            ("merchants_added", 20, 60),
            ("online_banking_customers_added", 500, 1500),
        ):
            value = float(round(drawn := rng.uniform(low, high)))
            kind = {"corporate_deposit_growth": "corporate", "savings_deposit_growth": "savings"}.get(indicator)
            start = plan_basis[f"{kind}_start"].get((uid, year), np.nan) if kind else np.nan
            if kind and np.isfinite(start):
                share = 0.8 + 0.5 * (drawn - low) / (high - low)
                value = float(round(start * max(plan_basis[f"{kind}_trend"][(uid, year)] * share, 0.03)))
            annual[(uid, year, indicator)] = value
            t_rows.append((uid, str(year), indicator, value, "owner", date(year, 1, 15)))
    # First-half targets as the previous year's second-half plans set them (templates/targets.yaml
    # indicators), so a first-half summary has targets to report completion against: for deposits,
    # half the year's plan (one base: the plan split into halves); the others drawn. A generator of
    # its own: the draws above stay what they were.
    plan_rng = np.random.default_rng([spec.seed, 6])
    opened_on = dict(zip(outlets["unit_id"], outlets["opened_on"]))
    half_of = {"corporate_growth": "corporate_deposit_growth", "savings_growth": "savings_deposit_growth"}
    for year, uid in ((y, u) for y in sorted({int(m[:4]) for m in months}) for u in outlets["unit_id"]):
        for indicator, low, high in (
            ("corporate_growth", 1e7, 6e7),
            ("savings_growth", 5e6, 3e7),
            ("teller_error_rate_per_10k", 0.3, 0.8),
            ("ebank_substitution_rate", 0.88, 0.94),
        ):
            value = plan_rng.uniform(low, high)  # drawn for every indicator: the later draws stay put
            value = float(round(value)) if high > 1 else round(float(value), 4)
            if indicator in half_of:
                value = float(round(annual[(uid, year, half_of[indicator])] / 2))
            if opened_on[uid] > date(year - 1, 12, 31):
                continue  # no plan was set for an outlet that did not exist yet: its first summary has none
            t_rows.append((uid, f"{year}H1", indicator, value, "owner", date(year - 1, 12, 31)))
    yield "plan_target", pd.DataFrame(t_rows, columns=["unit_id", "period", "indicator", "target", "source", "set_on"])
