-- Grain: one row per outlet open on any day of the period: its period-end and 年初 balances, the
-- day-weighted sums behind 日均 (a day without a row keeps the last balance), and counts that the
-- suite checks (rows, distinct days, negative rows, day-on-day jumps). Amounts in 元. Aggregated here, in the
-- database: a 20,000-outlet year is never pulled into pandas row by row.
-- Bound parameters: period_start, period_end, year_start_date (dates).
-- Tables: outlet_balances (period), outlet_balances_last_year (same period last year: 同比; empty where the warehouse does not reach back),
--   outlet_balances_previous_year (previous year: 上年全年日均, what 日均 is compared with)
-- Dates: first_day, last_day, first_negative_date, first_duplicate_date
with bounds as (
    select
        o.unit_id,
        o.opened_on,
        case when o.opened_on > :period_start then o.opened_on else :period_start end as first_day,
        case when o.closed_on is not null and o.closed_on < :period_end then o.closed_on else :period_end end as last_day
    from org_unit o
    where o.level = 'outlet'
      and o.opened_on <= :period_end
      and (o.closed_on is null or o.closed_on >= :period_start)
),
anchor as (
    -- the last row on or before each outlet's first day: carried into the period
    select b.unit_id, max(d.biz_date) as anchor_date
    from bounds b
    join daily_balance d on d.unit_id = b.unit_id and d.biz_date <= b.first_day
    group by b.unit_id
),
in_period as (
    -- the rows after each outlet's first day (the period's bounds stated as constants too, so
    -- the database reads the period's rows by the (biz_date, unit_id) index, not the whole table),
    -- and its anchor row, which counts from the first day
    select
        d.unit_id,
        d.biz_date as eff_date,
        d.corporate_deposit, d.savings_deposit, d.loans,
        d.npl_substandard + d.npl_doubtful + d.npl_loss as npl
    from daily_balance d
    join bounds b on b.unit_id = d.unit_id
    where d.biz_date > b.first_day and d.biz_date <= b.last_day
      and d.biz_date between :period_start and :period_end
    union all
    select
        d.unit_id,
        b.first_day as eff_date,
        d.corporate_deposit, d.savings_deposit, d.loans,
        d.npl_substandard + d.npl_doubtful + d.npl_loss as npl
    from anchor a
    join bounds b on b.unit_id = a.unit_id
    join daily_balance d on d.unit_id = a.unit_id and d.biz_date = a.anchor_date
),
spans as (
    select
        r.unit_id, r.corporate_deposit, r.savings_deposit, r.loans, r.npl, c.day_no,
        lead(c.day_no) over (partition by r.unit_id order by c.day_no) as next_day_no
    from in_period r
    join calendar c on c.cal_date = r.eff_date
),
weighted as (
    select
        s.unit_id,
        s.corporate_deposit, s.savings_deposit, s.loans, s.npl,
        s.next_day_no is null as is_last,
        coalesce(s.next_day_no, l.day_no + 1) - s.day_no as days
    from spans s
    join bounds b on b.unit_id = s.unit_id
    join calendar l on l.cal_date = b.last_day
),
sums as (
    select
        unit_id,
        sum(corporate_deposit * days) as corporate_day_sum,
        sum(savings_deposit * days) as savings_day_sum,
        sum(days) as covered_days,
        max(case when is_last then corporate_deposit end) as corporate_end,
        max(case when is_last then savings_deposit end) as savings_end,
        max(case when is_last then loans end) as loans_end,
        max(case when is_last then npl end) as npl_end
    from weighted
    group by unit_id
),
checks as (
    select
        d.unit_id,
        count(*) as rows_in_period,
        count(distinct d.biz_date) as distinct_days,
        sum(case when d.corporate_deposit < 0 or d.savings_deposit < 0 or d.loans < 0 then 1 else 0 end) as negative_rows,
        sum(case when d.npl_substandard + d.npl_doubtful + d.npl_loss > d.loans then 1 else 0 end) as npl_over_loans_rows,
        min(case when d.corporate_deposit < 0 or d.savings_deposit < 0 or d.loans < 0 then d.biz_date end) as first_negative_date
    from daily_balance d
    join bounds b on b.unit_id = d.unit_id
    where d.biz_date between b.first_day and b.last_day
      and d.biz_date between :period_start and :period_end
    group by d.unit_id
),
duplicates as (
    select unit_id, min(biz_date) as first_duplicate_date
    from (
        select d.unit_id, d.biz_date
        from daily_balance d
        join bounds b on b.unit_id = d.unit_id
        where d.biz_date between b.first_day and b.last_day
      and d.biz_date between :period_start and :period_end
        group by d.unit_id, d.biz_date
        having count(*) > 1
    ) x
    group by unit_id
),
day_changes as (
    -- plausibility: the largest day-on-day relative change of each balance
    select unit_id,
           max(case when prev_corporate > 0 then abs(corporate_deposit - prev_corporate) * 1.0 / prev_corporate end) as corporate_max_day_change,
           max(case when prev_savings > 0 then abs(savings_deposit - prev_savings) * 1.0 / prev_savings end) as savings_max_day_change
    from (
        select d.unit_id, d.corporate_deposit, d.savings_deposit,
               lag(d.corporate_deposit) over (partition by d.unit_id order by d.biz_date) as prev_corporate,
               lag(d.savings_deposit) over (partition by d.unit_id order by d.biz_date) as prev_savings
        from daily_balance d
        join bounds b on b.unit_id = d.unit_id
        where d.biz_date between b.first_day and b.last_day
      and d.biz_date between :period_start and :period_end
    ) x
    group by unit_id
),
year_start as (
    -- the base growth is counted from: 年初 (the previous year's 31 December), or, for an outlet
    -- opened after it, its balance at the end of its opening day (较开业: never from zero)
    select d.unit_id, d.corporate_deposit, d.savings_deposit, d.loans
    from daily_balance d
    join bounds b on b.unit_id = d.unit_id
    where d.biz_date = case when b.opened_on > :year_start_date then b.opened_on else :year_start_date end
)
select
    b.unit_id,
    b.first_day,
    b.last_day,
    fc.day_no - lc.day_no + 1 as open_days,
    s.corporate_end, s.savings_end, s.loans_end, s.npl_end,
    y.corporate_deposit as corporate_year_start,
    y.savings_deposit as savings_year_start,
    y.loans as loans_year_start,
    s.corporate_day_sum, s.savings_day_sum,
    coalesce(s.covered_days, 0) as covered_days,
    coalesce(k.rows_in_period, 0) as rows_in_period,
    coalesce(k.distinct_days, 0) as distinct_days,
    coalesce(k.negative_rows, 0) as negative_rows,
    coalesce(k.npl_over_loans_rows, 0) as npl_over_loans_rows,
    k.first_negative_date,
    dup.first_duplicate_date,
    -- 年初 must exist for every outlet already open on 年初 (a later opening counts from its opening day)
    case when y.unit_id is null and b.opened_on <= :year_start_date then 1 else 0 end as year_start_missing,
    coalesce(j.corporate_max_day_change, 0) as corporate_max_day_change,
    coalesce(j.savings_max_day_change, 0) as savings_max_day_change,
    -- plausibility: the period-end balance against the outlet's own 年初
    coalesce(s.corporate_end * 1.0 / nullif(y.corporate_deposit, 0), 1) as corporate_end_to_year_start,
    coalesce(s.savings_end * 1.0 / nullif(y.savings_deposit, 0), 1) as savings_end_to_year_start
from bounds b
join calendar fc on fc.cal_date = b.last_day
join calendar lc on lc.cal_date = b.first_day
left join sums s on s.unit_id = b.unit_id
left join checks k on k.unit_id = b.unit_id
left join year_start y on y.unit_id = b.unit_id
left join day_changes j on j.unit_id = b.unit_id
left join duplicates dup on dup.unit_id = b.unit_id
order by b.unit_id
