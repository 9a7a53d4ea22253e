-- Grain: one row per sub-branch: the days of the period on which its own ledger total (its row in
-- daily_balance) differs from the sum of its outlets' balances, the first such day and the largest
-- difference (元). Reconciliation: a sub-branch total must equal the sum of its outlets.
-- Bound parameters: period_start, period_end (dates).
-- Tables: sub_branch_reconciliation
-- Dates: first_mismatch_date
with subs as (
    select unit_id from org_unit where level = 'sub_branch'
),
outlet_sums as (
    select o.parent_id as unit_id, d.biz_date,
           sum(d.corporate_deposit) as corporate_deposit, sum(d.savings_deposit) as savings_deposit
    from daily_balance d
    join org_unit o on o.unit_id = d.unit_id and o.level = 'outlet'
    where d.biz_date between :period_start and :period_end
    group by o.parent_id, d.biz_date
),
ledger as (
    select d.unit_id, d.biz_date, d.corporate_deposit, d.savings_deposit
    from daily_balance d
    join subs s on s.unit_id = d.unit_id
    where d.biz_date between :period_start and :period_end
),
compared as (
    select coalesce(l.unit_id, o.unit_id) as unit_id, coalesce(l.biz_date, o.biz_date) as biz_date,
           abs(coalesce(l.corporate_deposit, 0) - coalesce(o.corporate_deposit, 0))
             + abs(coalesce(l.savings_deposit, 0) - coalesce(o.savings_deposit, 0)) as difference
    from ledger l
    left join outlet_sums o on o.unit_id = l.unit_id and o.biz_date = l.biz_date
    union all
    select o.unit_id, o.biz_date, o.corporate_deposit + o.savings_deposit as difference
    from outlet_sums o
    where not exists (select 1 from ledger l where l.unit_id = o.unit_id and l.biz_date = o.biz_date)
)
select
    s.unit_id as sub_branch_id,
    count(c.unit_id) as days_compared,
    coalesce(sum(case when c.difference <> 0 then 1 else 0 end), 0) as mismatched_days,
    min(case when c.difference <> 0 then c.biz_date end) as first_mismatch_date,
    coalesce(max(c.difference), 0) as max_difference
from subs s
left join compared c on c.unit_id = s.unit_id
group by s.unit_id
order by s.unit_id
