-- Grain: one row per outlet open on any day of the period: the period's business flows summed
-- over its months (元, 户, 笔), and counts the suite checks (months reported, duplicated months,
-- negative values, channel totals that do not add up).
-- The *_ytd columns sum the year to date (January … the period's last month), for 完成率 against
-- the year's plan targets. corporate_non_cash_tellers and corporate_priority_windows count the
-- tellers staffing 对公非现金 windows and the cash windows kept 对公优先 (counter_window) on the
-- period's last day, or a closed outlet's closing day.
-- Bound parameters: period_start, period_end (dates), first_month, last_month, year_first_month ('YYYY-MM').
-- Tables: outlet_business
with outlets as (
    select unit_id, case when closed_on < :period_end then closed_on else :period_end end as as_of
    from org_unit
    where level = 'outlet'
      and opened_on <= :period_end
      and (closed_on is null or closed_on >= :period_start)
),
months as (
    select m.*
    from monthly_business m
    join outlets o on o.unit_id = m.unit_id
    where m.month between :first_month and :last_month
),
ytd as (
    select m.unit_id,
           sum(m.new_corporate_accounts) as new_corporate_accounts_ytd,
           sum(m.payroll_customers_added) as payroll_customers_added_ytd,
           sum(m.merchants_added) as merchants_added_ytd,
           sum(m.online_banking_customers_added) as online_banking_customers_added_ytd
    from monthly_business m
    join outlets o on o.unit_id = m.unit_id
    where m.month between :year_first_month and :last_month
    group by m.unit_id
),
windows as (
    select w.unit_id,
           count(distinct case when w.service = 'corporate_non_cash' then w.staff_id end) as corporate_non_cash_tellers,
           count(distinct case when w.service = 'corporate_priority_cash' then w.window_no end) as corporate_priority_windows
    from counter_window w
    join outlets o on o.unit_id = w.unit_id
    where w.opened_on <= o.as_of
      and (w.closed_on is null or w.closed_on >= o.as_of)
    group by w.unit_id
)
select
    o.unit_id,
    count(m.unit_id) as months_reported,
    count(distinct m.month) as distinct_months,
    coalesce(sum(m.new_corporate_accounts), 0) as new_corporate_accounts,
    coalesce(sum(m.personal_loans_recovered), 0) as personal_loans_recovered,
    coalesce(sum(m.npl_recovered), 0) as npl_recovered,
    coalesce(sum(m.payroll_customers_added), 0) as payroll_customers_added,
    coalesce(sum(m.card_spending), 0) as card_spending,
    coalesce(sum(m.merchants_added), 0) as merchants_added,
    coalesce(sum(m.ebank_transactions), 0) as ebank_transactions,
    coalesce(sum(m.counter_transactions), 0) as counter_transactions,
    coalesce(sum(m.total_transactions), 0) as total_transactions,
    coalesce(sum(m.online_banking_customers_added), 0) as online_banking_customers_added,
    coalesce(sum(case when m.new_corporate_accounts < 0 or m.personal_loans_recovered < 0 or m.npl_recovered < 0
                        or m.payroll_customers_added < 0 or m.card_spending < 0 or m.merchants_added < 0
                        or m.ebank_transactions < 0 or m.counter_transactions < 0
                        or m.online_banking_customers_added < 0 then 1 else 0 end), 0) as negative_rows,
    coalesce(sum(case when m.ebank_transactions + m.counter_transactions <> m.total_transactions then 1 else 0 end), 0)
        as channel_mismatch_rows,
    coalesce(max(y.new_corporate_accounts_ytd), 0) as new_corporate_accounts_ytd,
    coalesce(max(y.payroll_customers_added_ytd), 0) as payroll_customers_added_ytd,
    coalesce(max(y.merchants_added_ytd), 0) as merchants_added_ytd,
    coalesce(max(y.online_banking_customers_added_ytd), 0) as online_banking_customers_added_ytd,
    coalesce(max(w.corporate_non_cash_tellers), 0) as corporate_non_cash_tellers,
    coalesce(max(w.corporate_priority_windows), 0) as corporate_priority_windows
from outlets o
left join months m on m.unit_id = o.unit_id
left join ytd y on y.unit_id = o.unit_id
left join windows w on w.unit_id = o.unit_id
group by o.unit_id
order by o.unit_id
