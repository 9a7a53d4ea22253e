-- Grain: one row per unit per indicator: the target that the previous period's plan set for this
-- period (table plan_target, period = this period's label, e.g. '2023H2'), with its provenance
-- (source: 'rule:<id>' or 'owner:<file>#<entry>'). Amounts in 元, rates as fractions. Empty when no
-- plan set targets for this period.
-- Bound parameters: period_label (text).
-- Tables: period_targets (period: the targets the previous period's plans set for it)
select unit_id, indicator, target, source
from plan_target
where period = :period_label
order by unit_id, indicator
