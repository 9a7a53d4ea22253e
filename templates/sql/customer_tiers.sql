-- Grain: one row per outlet with tracked customers in the period (篇二): customers counted by
-- their 日均 over the period (monthly average daily balances weighted by the days of each month),
-- in bands 下限(含)-上限: 100万(含)-500万, 500万(含)-1000万, 1000万(含)以上, and below 100万.
-- Bound parameters: first_month, last_month ('YYYY-MM').
-- Tables: customer_tiers
with month_days as (
    select month, count(*) as days from calendar where month between :first_month and :last_month group by month
),
per_customer as (
    select cm.customer_id, cm.unit_id,
           sum(cm.avg_daily_balance * d.days) * 1.0 / sum(d.days) as daily_avg
    from customer_month cm
    join month_days d on d.month = cm.month
    group by cm.customer_id, cm.unit_id
)
select
    unit_id,
    count(*) as customers,
    sum(case when daily_avg < 1000000 then 1 else 0 end) as below_1m,
    sum(case when daily_avg >= 1000000 and daily_avg < 5000000 then 1 else 0 end) as tier_1m_5m,
    sum(case when daily_avg >= 5000000 and daily_avg < 10000000 then 1 else 0 end) as tier_5m_10m,
    sum(case when daily_avg >= 10000000 then 1 else 0 end) as tier_10m_plus,
    sum(case when daily_avg >= 5000000 then daily_avg else 0 end) as deposits_5m_plus
from per_customer
group by unit_id
order by unit_id
