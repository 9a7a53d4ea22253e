-- Grain: one row per sub-branch per expense line (篇五): budget and actual spending (元) for the
-- period, and the budget of the whole year the period ends in (for 预算执行率 against 时序进度).
-- Bound parameters: first_month, last_month, year_first_month, year_last_month ('YYYY-MM').
-- Tables: budget
select
    b.unit_id as sub_branch_id,
    b.expense_line,
    sum(case when b.month between :first_month and :last_month then b.budget else 0 end) as budget,
    sum(case when b.month between :first_month and :last_month then b.actual else 0 end) as actual,
    sum(case when b.month between :year_first_month and :last_month then b.actual else 0 end) as actual_year_to_date,
    sum(b.budget) as annual_budget,
    sum(case when b.month between :first_month and :last_month then 1 else 0 end) as months_reported
from budget_month b
where b.month between :year_first_month and :year_last_month
group by b.unit_id, b.expense_line
order by b.unit_id, b.expense_line
