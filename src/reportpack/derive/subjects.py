"""Document subjects: who each document is about, and what its template sees.

``build`` turns the derived figures (``figures/*.parquet``) into one ``Subject`` per outlet, operations
manager, teller, sub-branch and the bank. A subject's ``context`` holds plain records (dicts; a
missing figure is ``None`` so a template printing it fails loudly rather than printing "nan").
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from reportpack.names import portable
from reportpack.textdata import data, shown


@dataclass(frozen=True)
class Subject:
    key: str  # unit or staff id; owner input names it as ``unit``
    name: str  # author of its documents and part of the file name
    file_stem: str
    sub_branch_id: str | None  # None: the bank — its documents belong to every compilation
    sub_branch_name: str | None
    context: dict = field(compare=False)
    grouped: bool = False  # its files go in one folder per sub-branch (outlets, managers, tellers)
    active: bool = True  # still there at period end: an outlet not closed, a teller still in post
    branch_name: str | None = None  # the 分行 it belongs to (a 主送 line may name it: packdef addressed_to)

    def __post_init__(self):  # built from records: who it is, as the warehouse says (not as the text form holds it)
        for name in ("key", "name", "file_stem", "sub_branch_id", "sub_branch_name", "branch_name"):
            if isinstance(value := getattr(self, name), str):
                object.__setattr__(self, name, shown(value))

    def path(self, folder: str) -> str:
        """Where its document goes inside the pack, under the part's ``folder`` (a portable name:
        ``reportpack.names``)."""
        name = portable(self.file_stem, ".docx")
        return f"{folder}/{self.sub_branch_folder}/{name}" if self.grouped else f"{folder}/{name}"

    @property
    def sub_branch_folder(self) -> str:
        """The folder its sub-branch's grouped documents share."""
        return portable(self.sub_branch_name or "")


def records(frame: pd.DataFrame) -> list[dict]:
    """The rows as a template sees them: dates as dates, missing as ``None``, text as data
    (``reportpack.textdata``: a name holding ``|`` or ``[[`` prints as itself)."""
    out = frame.astype(object).where(frame.notna(), None).to_dict("records")
    for row in out:
        for key, value in row.items():
            if isinstance(value, pd.Timestamp):
                row[key] = value.date()
            elif isinstance(value, str):
                row[key] = data(value)
    return out


def _by_unit(rows: list[dict], key: str = "unit_id") -> dict[str, list[dict]]:
    """Rows grouped by ``key`` in one pass (a filter per group would grow with groups × rows)."""
    out: dict[str, list[dict]] = {}
    for row in rows:
        out.setdefault(row[key], []).append(row)
    return out


def build(figures: dict[str, pd.DataFrame], sub_branches: Collection[str] | None = None) -> dict[str, list[Subject]]:
    """The subjects of ``figures``; with ``sub_branches``, only theirs (the figures may hold other
    sub-branches' outlets: those that handed their accounts over to one of these outlets)."""
    every_outlet = records(figures["outlets"])
    by_unit = {o["unit_id"]: o for o in every_outlet}
    outlets = [o for o in every_outlet if sub_branches is None or o["sub_branch_id"] in sub_branches]
    lobby = {r["unit_id"]: r for r in records(figures["lobby"])}
    plan = _by_unit(records(figures["plan_results"]))
    next_targets = _by_unit(records(figures["next_targets"]))
    monthly = _by_unit(records(figures["outlet_monthly"]))
    moves = records(figures["transfers"])
    moves_in, moves_out = _by_unit(moves, "to_unit_id"), _by_unit(moves, "from_unit_id")
    handover = _by_unit(records(figures["closing_handover"]))

    def own_context(o: dict) -> dict:
        return {
            "o": o,
            "lobby": lobby.get(o["unit_id"]),
            "monthly": monthly.get(o["unit_id"], []),
            "plan": plan.get(o["unit_id"], []),
            "next_targets": next_targets.get(o["unit_id"], []),
            "moves_in": moves_in.get(o["unit_id"], []),
            "moves_out": moves_out.get(o["unit_id"], []),
            "handover": handover.get(o["unit_id"], []),  # a closed outlet's seals, blank vouchers, archives
        }

    def handed_over(o: dict) -> list[dict]:
        """The closed outlets whose accounts this one took over, each as its own summary sees it:
        what it left unsolved passes to this outlet's document (issue #34)."""
        closed = [m["from_unit_id"] for m in moves_in.get(o["unit_id"], []) if m["reason"] == "closure"]
        return [own_context(by_unit[u]) for u in dict.fromkeys(closed) if u in by_unit]

    tellers = records(figures["tellers"])
    tellers_of = _by_unit(tellers)
    subs = records(figures["sub_branches"])
    budget = records(figures["budget"])
    bank = records(figures["confidentiality"])

    def outlet_subject(o: dict, key: str, name: str, stem: str, context: dict, active: bool = True) -> Subject:
        return Subject(
            key,
            name,
            stem,
            o["sub_branch_id"],
            o["sub_branch_name"],
            context,
            grouped=True,
            active=active,
            branch_name=o["branch_name"],
        )

    result: dict[str, list[Subject]] = {
        "outlet": [
            outlet_subject(
                o,
                o["unit_id"],
                o["outlet_name"],
                f"{o['unit_id']}_{o['outlet_name']}",
                {**own_context(o), "handed_over": handed_over(o)},
                active=o["closed_in_period"] is None,
            )
            for o in outlets
        ],
        "ops_manager": [],
        "teller": [],
        "sub_branch": [],
        "bank": [],
    }
    mine = {o["unit_id"] for o in outlets}
    for m in records(figures["ops_managers"]):
        if m["unit_id"] not in mine:
            continue
        o = by_unit[m["unit_id"]]
        result["ops_manager"].append(
            outlet_subject(
                o,
                f"{m['staff_id']}@{m['unit_id']}",
                m["staff_name"],
                f"{m['unit_id']}_{o['outlet_name']}_{m['staff_name']}",
                # the outlet's targets for the next period: a manager's next step quotes the plan's figure
                {"m": m, "o": o, "handover": handover.get(m["unit_id"], []), "next_targets": next_targets.get(m["unit_id"], [])},
                active=not m["left_before_end"],  # one who left the outlet plans nothing for it
            )
        )
    for t in tellers:
        if t["unit_id"] not in mine:
            continue
        o = by_unit[t["unit_id"]]
        result["teller"].append(
            outlet_subject(
                o,
                t["staff_id"],
                t["staff_name"],
                f"{t['unit_id']}_{t['staff_id']}_{t['staff_name']}",
                {"t": t, "o": o, "colleagues": tellers_of[t["unit_id"]]},
                active=bool(t["in_post_at_period_end"]) and o["closed_in_period"] is None,
            )
        )
    outlets_of, budget_of = _by_unit(outlets, "sub_branch_id"), _by_unit(budget, "sub_branch_id")
    sub_of = {o["unit_id"]: o["sub_branch_id"] for o in outlets}
    tellers_in: dict[str, list[dict]] = {}  # per sub-branch, in the tellers' own order
    for t in tellers:
        tellers_in.setdefault(sub_of.get(t["unit_id"]), []).append(t)
    for sub in subs:
        if sub_branches is not None and sub["sub_branch_id"] not in sub_branches:
            continue
        members = outlets_of.get(sub["sub_branch_id"], [])
        lines = budget_of.get(sub["sub_branch_id"], [])
        result["sub_branch"].append(
            Subject(
                sub["sub_branch_id"],
                sub["sub_branch_name"],
                f"{sub['sub_branch_id']}_{sub['sub_branch_name']}",
                sub["sub_branch_id"],
                sub["sub_branch_name"],
                {
                    "sub": sub,
                    "outlets": members,
                    "budget": [b for b in lines if not b["is_total"]],
                    "budget_total": next(b for b in lines if b["is_total"]),
                    "outlet_tellers": tellers_in.get(sub["sub_branch_id"], []),
                },
                branch_name=sub["branch_name"],
            )
        )
    for b in bank:
        result["bank"].append(
            Subject(
                b["branch_name"],
                b["branch_name"],
                b["branch_name"],
                None,
                None,
                {"bank": b, "subs": subs, "staff": len(tellers)},
                branch_name=b["branch_name"],
            )
        )
    return result


def load(folder: Path, sub_branches: Collection[str] | None = None) -> dict[str, list[Subject]]:
    """The subjects of the figures in ``folder`` (``figures/*.parquet``); with ``sub_branches``, only
    theirs — their outlets, managers and tellers and the sub-branches themselves, each with the same
    context as in the whole pack (a render batch reads its rows, not every outlet's) — and no bank
    subject, whose documents see every sub-branch."""
    paths = sorted(folder.glob("*.parquet"))
    if sub_branches is None:
        return build({p.stem: pd.read_parquet(p) for p in paths})
    subs = sorted(sub_branches)
    # and the sub-branches of outlets that closed into one of theirs (their summaries' problems pass on)
    moves = pd.read_parquet(folder / "transfers.parquet", columns=["from_sub_branch_id", "to_sub_branch_id", "reason"])
    givers = moves[(moves["reason"] == "closure") & moves["to_sub_branch_id"].isin(subs)]["from_sub_branch_id"]
    read = sorted({*subs, *givers.dropna()})
    outlets = pd.read_parquet(folder / "outlets.parquet", filters=[("sub_branch_id", "in", read)])
    units = sorted({*outlets["unit_id"], *read})
    frames = {"outlets": outlets}
    for p in paths:
        if p.stem == "outlets":
            continue
        schema = pq.read_schema(p)
        # a column without a type (a table with no rows, e.g. no closings in the period) takes no filter
        typed = {name for name in schema.names if not pa.types.is_null(schema.field(name).type)}
        if "sub_branch_id" in typed:
            frames[p.stem] = pd.read_parquet(p, filters=[("sub_branch_id", "in", read)])
        elif "unit_id" in typed:
            frames[p.stem] = pd.read_parquet(p, filters=[("unit_id", "in", units)])
        else:
            frames[p.stem] = pd.read_parquet(p)
    return {**build(frames, subs), "bank": []}
