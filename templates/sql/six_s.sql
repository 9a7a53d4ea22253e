-- Grain: one row per outlet per 6S dimension inspected in the period (篇三): the average score
-- (0–100) and the number of inspections.
-- Bound parameters: period_start, period_end (dates).
-- Tables: six_s
select
    unit_id,
    dimension,
    sum(score) * 1.0 / count(*) as score,
    count(*) as inspections,
    min(score) as min_score,
    max(score) as max_score
from six_s_inspection
where inspected_on between :period_start and :period_end
group by unit_id, dimension
order by unit_id, dimension
