-- Grain: one row per unit per indicator: the plan target for the year the period ends in
-- (amounts in 元, counts as numbers), with its provenance (rule id or 'owner').
-- Bound parameters: year_label (text, e.g. '2023').
-- Tables: plan_targets
-- Dates: set_on
select unit_id, indicator, target, source, set_on
from plan_target
where period = :year_label
order by unit_id, indicator
