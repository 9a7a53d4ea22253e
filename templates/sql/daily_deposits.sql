-- Grain: one row per outlet per day, end-of-day deposit balances in 元,
-- from 年初 (the previous year's 31 December) to the period end.
-- Bound parameters: year_start_date, period_end (dates).
select
    d.unit_id,
    d.biz_date,
    d.corporate_deposit,
    d.savings_deposit
from daily_balance d
join org_unit o on o.unit_id = d.unit_id and o.level = 'outlet'
where d.biz_date between :year_start_date and :period_end
order by d.unit_id, d.biz_date
