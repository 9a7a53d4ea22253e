-- Grain: one row per outlet per month of the period in which it has daily balances: the month's
-- 日均 of 对公存款 and 储蓄存款 and the number of days. 日均 here is the mean of the month's daily rows;
-- the outlet_balances suite guarantees one row per day an outlet is open (critical), so that mean
-- is the day-weighted mean of the open days. Amounts in 元. For the 日均 chart of the summaries.
-- Bound parameters: period_start, period_end (dates).
-- Tables: outlet_monthly (period), outlet_monthly_last_year (same period last year)
select
    d.unit_id,
    c.month,
    count(*) as days,
    avg(d.corporate_deposit) as corporate_avg,
    avg(d.savings_deposit) as savings_avg
from daily_balance d
join calendar c on c.cal_date = d.biz_date
join org_unit o on o.unit_id = d.unit_id and o.level = 'outlet'
where d.biz_date >= :period_start and d.biz_date <= :period_end
group by d.unit_id, c.month
order by d.unit_id, c.month
