-- Grain: one row per teller per outlet worked in the period (篇六): days worked, transactions,
-- customers served, remittances, praise, average appraisal score (0–100), errors found, major
-- errors, errors left uncorrected and penalties (元), and whether they still hold a teller post at the
-- outlet on the period's last day (1/0: a teller who left gets no plan for the next period), and
-- the service of the counter window they staff there that day (counter_window; NULL: none).
-- Bound parameters: period_start, period_end (dates), first_month, last_month ('YYYY-MM').
-- Tables: tellers (period), tellers_previous (previous period: 环比 of the error rate)
with months as (
    select staff_id, unit_id,
           sum(working_days) as working_days,
           sum(transactions) as transactions,
           max(max_day_transactions) as max_day_transactions,
           sum(customers_served) as customers_served,
           sum(remittances) as remittances,
           sum(praise) as praise,
           sum(appraisal_score) * 1.0 / count(*) as appraisal_score,
           max(appraisal_score) as max_appraisal_score,
           count(*) as months_reported,
           count(distinct month) as distinct_months
    from teller_month
    where month between :first_month and :last_month
    group by staff_id, unit_id
),
errors as (
    select staff_id, unit_id,
           count(*) as errors,
           sum(case when severity = 'major' then 1 else 0 end) as major_errors,
           sum(case when corrected then 0 else 1 end) as uncorrected_errors,
           sum(penalty) as penalties
    from teller_error
    where occurred_on between :period_start and :period_end
    group by staff_id, unit_id
)
select
    m.staff_id,
    s.name as staff_name,
    m.unit_id,
    m.working_days, m.transactions, m.max_day_transactions, m.customers_served, m.remittances, m.praise,
    m.appraisal_score, m.max_appraisal_score, m.months_reported, m.distinct_months,
    coalesce(e.errors, 0) as errors,
    coalesce(e.major_errors, 0) as major_errors,
    coalesce(e.uncorrected_errors, 0) as uncorrected_errors,
    coalesce(e.penalties, 0) as penalties,
    case when exists (
        select 1 from staff_assignment a
        where a.staff_id = m.staff_id and a.unit_id = m.unit_id and a.role = 'teller'
          and a.start_date <= :period_end and (a.end_date is null or a.end_date >= :period_end)
    ) then 1 else 0 end as in_post_at_period_end,
    (
        select w.service from counter_window w
        where w.staff_id = m.staff_id and w.unit_id = m.unit_id
          and w.opened_on <= :period_end and (w.closed_on is null or w.closed_on >= :period_end)
        order by w.opened_on desc
        limit 1
    ) as window_service
from months m
join staff s on s.staff_id = m.staff_id
left join errors e on e.staff_id = m.staff_id and e.unit_id = m.unit_id
order by m.unit_id, m.staff_id
