"""Lobby and service figures (篇三): complaints, service scores, 6S by dimension, referrals.

Complaint rates are per 10,000 transactions of the outlet; scores are on a 0–100 scale.
"""

from __future__ import annotations

import pandas as pd

from reportpack.derive.ratios import per_10k, ratio

SIX_S = ["整理", "整顿", "清扫", "清洁", "素养", "安全"]


def lobby_figures(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per outlet: 投诉率 and 有效投诉率 per 10,000 transactions, 首问解决率, transactions
    per opening hour (the tellers' transactions: how busy the hall is), 6S scores by dimension (columns ``six_s_<dimension>``),
    the weakest and strongest dimension."""
    lobby = frames["lobby"].set_index("unit_id")
    volume = frames["outlet_business"].set_index("unit_id")["total_transactions"].reindex(lobby.index)
    out = lobby.copy()
    out["complaint_rate_per_10k"] = per_10k(lobby["complaints"], volume)
    out["valid_complaint_rate_per_10k"] = per_10k(lobby["valid_complaints"], volume)
    out["first_contact_rate"] = ratio(lobby["resolved_first_contact"], lobby["complaints"])
    # the hall's own load: what its tellers handled (the figure the teller plans quote; e-banking
    # transactions never pass through the hall)
    counter = frames["tellers"].groupby("unit_id")["transactions"].sum().reindex(lobby.index)
    out["transactions_per_hour"] = ratio(counter, lobby["opening_hours"])
    six = frames["six_s"].pivot(index="unit_id", columns="dimension", values="score").reindex(lobby.index)
    present = [d for d in SIX_S if d in six.columns]
    for dim in present:
        out[f"six_s_{dim}"] = six[dim]
    scored = six[present].dropna(how="all")  # an outlet without inspections has neither
    out["six_s_weakest"] = scored.idxmin(axis=1).reindex(out.index) if present else None
    out["six_s_strongest"] = scored.idxmax(axis=1).reindex(out.index) if present else None
    return out.reset_index()


def referrals_against_peers(lobby: pd.DataFrame) -> pd.DataFrame:
    """``lobby`` (with ``sub_branch_id`` and ``partial_period``) with what its referrals are compared
    on: an outlet open the whole period on its total against the median total of the sub-branch's
    outlets open the whole period; one open part of it (a new outlet's four months) on its monthly
    average (``referrals_per_month``) against their median monthly average — never a four-month
    total against six-month ones (``referrals_compared`` against ``referrals_reference``)."""
    out = lobby.copy()
    out["referrals_per_month"] = out["referrals"] / out["months_reported"].where(out["months_reported"] > 0)
    whole = ~out["partial_period"].astype(bool)
    for column in ("referrals", "referrals_per_month"):
        out[f"{column}_sub_median"] = out[column].where(whole).groupby(out["sub_branch_id"]).transform("median")
    out["referrals_compared"] = out["referrals"].where(whole, out["referrals_per_month"])
    out["referrals_reference"] = out["referrals_sub_median"].where(whole, out["referrals_per_month_sub_median"])
    return out
