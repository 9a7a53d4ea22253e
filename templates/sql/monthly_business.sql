-- Grain: one row per outlet per month of the period ('YYYY-MM'); amounts in 元, counts in 户 / 笔.
-- Bound parameters: first_month, last_month ('YYYY-MM').
select
    m.unit_id,
    m.month,
    m.new_corporate_accounts,
    m.personal_loans_recovered,
    m.npl_recovered,
    m.payroll_customers_added,
    m.card_spending,
    m.merchants_added,
    m.ebank_transactions,
    m.counter_transactions,
    m.online_banking_customers_added
from monthly_business m
join org_unit o on o.unit_id = m.unit_id and o.level = 'outlet'
where m.month between :first_month and :last_month
order by m.unit_id, m.month
