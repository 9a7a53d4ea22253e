"""All derived figures of a run, from the validated frames: one pure function per document subject.

Returns plain DataFrames keyed by subject; the pipeline stores them as ``figures/<name>.parquet``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from reportpack.derive import confidentiality, finance, indicators, metrics, moves, operations, plans, service, targets, verdicts
from reportpack.derive.ratios import per_10k
from reportpack.derive.subjects import records
from reportpack.owner import indicators as owner_indicators
from reportpack.owner import targets as owner_targets
from reportpack.owner import verdicts as owner_verdicts
from reportpack.periods import Period
from reportpack.rounding import printed_change, printed_difference

# Figures whose median among a sub-branch's outlets the commentary rules compare with
# (columns ``<figure>_sub_median``).
PEER_MEDIANS = (
    "corporate_growth_rate",
    "savings_growth_rate",
    "complaint_rate_per_10k",
    "valid_complaint_rate_per_10k",
    "teller_error_rate_per_10k",
    "ebank_substitution_rate",
    "composite",
    "tier_10m_plus",  # customers of 1000万元 and more: "高端客户" is a problem only where they are few
)
# The same for the lobby plans (篇三): how busy, how well marked, how much referred against the peers.
# (referrals: service.referrals_against_peers, among the outlets open the whole period)
LOBBY_PEER_MEDIANS = ("transactions_per_hour", "service_score")


def derive(
    frames: dict[str, pd.DataFrame],
    period: Period,
    templates_dir: Path,
    overrides: Path | None = None,
    overrides_shown_as: Path | None = None,
) -> dict[str, pd.DataFrame]:
    """Every figure of ``period``; with the plan side (targets for the next period from
    ``templates/targets.yaml`` and the owner's ``overrides`` folder) and the summary side (completion
    against the targets the previous period's plans set)."""
    verdict_file = templates_dir / "verdicts.yaml"
    verdict_spec = owner_verdicts.load(verdict_file)
    derived = _figures(frames, period, templates_dir / "indicators.yaml", verdict_spec.teller_rank_min_days_share)
    rules_path = templates_dir / "targets.yaml"
    teller_plan, lobby_plan, accounting_plan = owner_targets.plan_targets(rules_path)
    derived["tellers"] = plans.teller_targets(derived["tellers"], teller_plan)
    derived["lobby"] = plans.lobby_targets(derived["lobby"], lobby_plan, len(period.next().months()))
    derived["sub_branches"] = plans.accounting_targets(
        derived["sub_branches"], derived["outlets"], accounting_plan, len(period.months())
    )
    rules = owner_targets.load(rules_path)
    # the verdicts first (a target rule reads them: the error rate to fall back where it rose, as the
    # summary says it rose), those of the plan results once they are there
    derived = verdicts.with_verdicts(derived, verdict_spec, verdict_file, tables=set(owner_verdicts.TABLES) - {"plan_results"})
    # A closed outlet gets no targets for the next period (and no plan): only outlets open at period end.
    open_outlets = derived["outlets"][derived["outlets"]["closed_in_period"].isna()]
    by_rule = targets.from_rules(rules, records(open_outlets), {"p": period.numbers()}, rules_path)
    units = set(open_outlets["unit_id"])
    by_owner = owner_targets.overrides(overrides, rules, units, overrides_shown_as)
    next_starts_year = period.next().start.month == 1
    derived["next_targets"] = targets.described(targets.merge(by_rule, by_owner), derived["outlets"], rules, next_starts_year)
    derived["plan_results"] = targets.completion(derived["outlets"], frames["period_targets"], rules)
    return verdicts.with_verdicts(derived, verdict_spec, verdict_file, tables={"plan_results"})


def _figures(
    frames: dict[str, pd.DataFrame], period: Period, indicators_file: Path, teller_rank_min_days_share: float
) -> dict[str, pd.DataFrame]:
    outlets = metrics.outlet_figures(frames, period)
    tellers = operations.teller_figures(frames, teller_rank_min_days_share)
    lobby = service.lobby_figures(frames)
    business = frames["outlet_business"].set_index("unit_id")
    ytd = [c for c in business.columns if c.endswith("_ytd")]
    outlets = outlets.join(business[ytd], on="unit_id")
    tiers = frames["customer_tiers"].set_index("unit_id")
    outlets = outlets.join(tiers, on="unit_id")
    for column in tiers.columns:  # an outlet without tracked customers has none in any band
        outlets[column] = outlets[column].fillna(0)
    outlets["tier_5m_plus"] = outlets["tier_5m_10m"] + outlets["tier_10m_plus"]  # 500万元以上, watched closely
    outlets = outlets.join(
        lobby.set_index("unit_id")[["complaints", "valid_complaints", "complaint_rate_per_10k", "valid_complaint_rate_per_10k"]],
        on="unit_id",
    )
    errors = tellers.groupby("unit_id")[["errors", "major_errors", "transactions"]].sum()
    outlets["teller_error_rate_per_10k"] = outlets["unit_id"].map(per_10k(errors["errors"], errors["transactions"]))
    # 重大业务差错 at the outlet in the period (what its managers' summaries report, spell by spell)
    outlets["major_errors"] = outlets["unit_id"].map(errors["major_errors"]).fillna(0).astype("int64")
    before = frames["tellers_previous"].groupby("unit_id")[["errors", "transactions"]].sum()
    # 环比: the previous period's rate (NaN where the outlet or the warehouse did not exist then)
    outlets["teller_error_rate_per_10k_previous"] = outlets["unit_id"].map(per_10k(before["errors"], before["transactions"]))
    # 上升N% from the two rates as printed (每万笔0.57笔 on 0.28笔: 103.57%), none where the previous prints 0
    outlets["teller_error_rise"] = printed_change(
        outlets["teller_error_rate_per_10k"], outlets["teller_error_rate_per_10k_previous"], 2
    )

    ind = owner_indicators.load(indicators_file)
    comp = indicators.completion(outlets, frames["plan_targets"], ind, period)
    score_rows = indicators.scores(outlets, comp, ind)
    outlets = outlets.merge(indicators.summary(score_rows, ind), on="unit_id", how="left")
    wide = comp.pivot(index="unit_id", columns="indicator", values=["completion", "target"])
    wide.columns = [f"{what}_{indicator}" for what, indicator in wide.columns]
    outlets = outlets.join(wide, on="unit_id")
    outlets["indicator_threshold"] = ind.threshold
    for name in ("corporate_growth", "savings_growth"):  # 超/落后序时进度 N个百分点, from the printed rates
        outlets[f"progress_gap_{name}"] = printed_difference(outlets[f"completion_{name}"], outlets["time_progress"], 4)
    monthly = metrics.monthly_daily_averages(frames)
    missing = monthly["corporate_avg_last_year"].isna().groupby(monthly["unit_id"]).sum()
    outlets["months_without_last_year"] = outlets["unit_id"].map(missing).fillna(0).astype("int64")
    # a closed outlet's hand-over counted against the register: how many items did not match (账实不符)
    handover = frames["closing_handover"].groupby("unit_id")["discrepancies"].sum()
    outlets["handover_discrepancies"] = outlets["unit_id"].map(handover)
    # every median is among the outlets open the whole year: the ones ranked (a closed outlet's five
    # months or a new one's four do not move the median the others are held to)
    outlets = metrics.with_peer_medians(outlets, PEER_MEDIANS, among=outlets["ranked"])
    # and the composite score is compared among them only: a new outlet's four months of flows, or a
    # closed one's five, are not weighed against six (composite_vs_peers)
    outlets["composite_ranked"] = outlets["composite"].where(outlets["ranked"].astype(bool))
    lobby = lobby.merge(outlets[["unit_id", "sub_branch_id", "partial_period"]], on="unit_id")
    lobby = service.referrals_against_peers(metrics.with_peer_medians(lobby, LOBBY_PEER_MEDIANS, among=~lobby["partial_period"]))
    subs = metrics.sub_branch_totals(outlets).merge(
        operations.accounting_figures(frames), on=["sub_branch_id", "sub_branch_name"]
    )
    subs = subs.merge(moves.growth_parts(outlets), on="sub_branch_id", how="left")
    subs = subs.merge(frames["fixed_assets"], on="sub_branch_id", how="left")
    return {
        "outlets": outlets,
        "outlet_monthly": monthly,
        "transfers": moves.transfers(frames["transfers"], outlets),
        # what a closed outlet handed over besides its accounts (印章、重空凭证、会计档案): printed as recorded
        "closing_handover": frames["closing_handover"],
        "sub_branches": subs,
        "ops_managers": operations.ops_manager_figures(frames, period),
        "tellers": tellers,
        "lobby": lobby,
        "budget": finance.budget_figures(frames, period),
        "confidentiality": confidentiality.confidentiality_figures(frames),
        "indicator_scores": score_rows,
        "completion": comp,
    }
