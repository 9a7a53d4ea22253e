-- Grain: one row per move of accounts (account_transfer) between outlets in the year to the
-- period's end (after 年初, on or before the last day): at a closing (撤并) the closed outlet's
-- accounts going to the receiving outlets, at an opening (开业) the accounts a new outlet took over.
-- Amounts in 元, counts in 户. What stayed a month later is left out (NULL) when it was measured
-- after the period's end: a report does not quote what was not known when its data closed.
-- Bound parameters: period_end, year_start_date (dates).
-- Tables: transfers
-- Dates: moved_on, retained_on
select
    t.from_unit_id,
    f.name as from_name,
    t.to_unit_id,
    r.name as to_name,
    t.moved_on,
    t.reason,
    t.accounts,
    t.customers,
    t.corporate_deposit,
    t.savings_deposit,
    t.loans,
    case when t.retained_on <= :period_end then t.retained_on end as retained_on,
    case when t.retained_on <= :period_end then t.corporate_retained end as corporate_retained,
    case when t.retained_on <= :period_end then t.savings_retained end as savings_retained
from account_transfer t
join org_unit f on f.unit_id = t.from_unit_id
join org_unit r on r.unit_id = t.to_unit_id
where t.moved_on > :year_start_date
  and t.moved_on <= :period_end
order by t.moved_on, t.from_unit_id, t.to_unit_id
