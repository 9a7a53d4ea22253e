-- Grain: one row per outlet open on any day of the period: its period-end and 年初 balances, the
-- day-weighted sums behind 日均 (a day without a row keeps the last balance), and counts that the
-- suite checks (rows, distinct days, negative rows, day-on-day jumps net of accounts moved that day). Amounts in 元. Aggregated here, in the
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
    -- the last row on or before each outlet's first day: carried into the period. Nearly always the
    -- first day's own row, found by the (biz_date, unit_id) index; only an outlet without one is
    -- looked for further back (reading every earlier row of every outlet grew with the history)
    select b.unit_id, coalesce(
        (select max(d.biz_date) from daily_balance d where d.biz_date = b.first_day and d.unit_id = b.unit_id),
        (select max(d.biz_date) from daily_balance d where d.biz_date < b.first_day and d.unit_id = b.unit_id)
    ) as anchor_date
    from bounds b
),
period_rows as (
    -- every row the figures and the checks read, each read once (one scan, one sort by outlet and
    -- day for all of them): each outlet's rows from its first day to its last (the period's bounds
    -- stated as constants too, so the database reads the period's rows by the (biz_date, unit_id)
    -- index), and its anchor row when that is earlier, which counts from the first day
    select
        d.unit_id, d.biz_date, b.first_day,
        d.corporate_deposit, d.savings_deposit, d.loans,
        d.npl_substandard + d.npl_doubtful + d.npl_loss as npl
    from daily_balance d
    join bounds b on b.unit_id = d.unit_id
    where d.biz_date >= b.first_day and d.biz_date <= b.last_day
      and d.biz_date between :period_start and :period_end
    union all
    select
        d.unit_id, d.biz_date, b.first_day,
        d.corporate_deposit, d.savings_deposit, d.loans,
        d.npl_substandard + d.npl_doubtful + d.npl_loss as npl
    from anchor a
    join bounds b on b.unit_id = a.unit_id
    join daily_balance d on d.unit_id = a.unit_id and d.biz_date = a.anchor_date
    where a.anchor_date < b.first_day
),
moves as (
    -- accounts moved onto (+) or off (−) an outlet's books on a day (account_transfer, at a
    -- closing or an opening): a balance that jumps by what was moved has not moved by itself
    select unit_id, moved_on, sum(corporate) as corporate, sum(savings) as savings
    from (
        select to_unit_id as unit_id, moved_on, corporate_deposit as corporate, savings_deposit as savings from account_transfer
        union all
        select from_unit_id, moved_on, -corporate_deposit, -savings_deposit from account_transfer
    ) m
    where moved_on between :period_start and :period_end
    group by unit_id, moved_on
),
ordered as (
    -- each row with the day its balance counts from (the anchor's: the first day) and its
    -- neighbours in day order: the next row's day ends its span; the previous row's day and
    -- balances find duplicate days and day-on-day jumps (net of what was moved that day)
    select
        r.unit_id, r.biz_date, r.first_day,
        r.corporate_deposit, r.savings_deposit, r.loans, r.npl,
        coalesce(mv.corporate, 0) as corporate_moved, coalesce(mv.savings, 0) as savings_moved,
        r.biz_date >= r.first_day as in_period,
        c.day_no,
        lead(c.day_no) over w as next_day_no,
        lag(r.biz_date) over w as prev_date,
        lag(r.corporate_deposit) over w as prev_corporate,
        lag(r.savings_deposit) over w as prev_savings
    from period_rows r
    join calendar c on c.cal_date = case when r.biz_date < r.first_day then r.first_day else r.biz_date end
    left join moves mv on mv.unit_id = r.unit_id and mv.moved_on = r.biz_date
    window w as (partition by r.unit_id order by r.biz_date)
),
per_outlet as (
    select
        o.unit_id,
        -- 日均's day-weighted sums: a row's balance holds until the next row (the last until the last day)
        sum(o.corporate_deposit * (coalesce(o.next_day_no, l.day_no + 1) - o.day_no)) as corporate_day_sum,
        sum(o.savings_deposit * (coalesce(o.next_day_no, l.day_no + 1) - o.day_no)) as savings_day_sum,
        sum(coalesce(o.next_day_no, l.day_no + 1) - o.day_no) as covered_days,
        max(case when o.next_day_no is null then o.corporate_deposit end) as corporate_end,
        max(case when o.next_day_no is null then o.savings_deposit end) as savings_end,
        max(case when o.next_day_no is null then o.loans end) as loans_end,
        max(case when o.next_day_no is null then o.npl end) as npl_end,
        -- the checks, on the rows from the first day on (not an earlier anchor)
        sum(case when o.in_period then 1 else 0 end) as rows_in_period,
        sum(case when o.in_period and (o.prev_date is null or o.prev_date <> o.biz_date) then 1 else 0 end) as distinct_days,
        sum(case when o.in_period and (o.corporate_deposit < 0 or o.savings_deposit < 0 or o.loans < 0) then 1 else 0 end) as negative_rows,
        sum(case when o.in_period and o.npl > o.loans then 1 else 0 end) as npl_over_loans_rows,
        min(case when o.in_period and (o.corporate_deposit < 0 or o.savings_deposit < 0 or o.loans < 0) then o.biz_date end) as first_negative_date,
        min(case when o.in_period and o.prev_date = o.biz_date then o.biz_date end) as first_duplicate_date,
        -- plausibility: the largest day-on-day relative change of each balance
        max(case when o.in_period and o.prev_date >= o.first_day and o.prev_corporate > 0
                 then abs(o.corporate_deposit - o.corporate_moved - o.prev_corporate) * 1.0 / o.prev_corporate end) as corporate_max_day_change,
        max(case when o.in_period and o.prev_date >= o.first_day and o.prev_savings > 0
                 then abs(o.savings_deposit - o.savings_moved - o.prev_savings) * 1.0 / o.prev_savings end) as savings_max_day_change
    from ordered o
    join bounds b on b.unit_id = o.unit_id
    join calendar l on l.cal_date = b.last_day
    group by o.unit_id
),
year_start as (
    -- the base growth is counted from: 年初 (the previous year's 31 December), or, for an outlet
    -- opened after it, its balance at the end of its opening day (较开业: never from zero)
    select d.unit_id, d.corporate_deposit, d.savings_deposit, d.loans
    from daily_balance d
    join bounds b on b.unit_id = d.unit_id
    where d.biz_date = case when b.opened_on > :year_start_date then b.opened_on else :year_start_date end
),
moved_since_base as (
    -- what moved onto (+) or off (−) the books after the base day, to the last day: a receiving
    -- outlet's end is not "three times its 年初" because a neighbour closed into it
    select b.unit_id, sum(t.corporate) as corporate, sum(t.savings) as savings
    from bounds b
    join (
        select to_unit_id as unit_id, moved_on, corporate_deposit as corporate, savings_deposit as savings from account_transfer
        union all
        select from_unit_id, moved_on, -corporate_deposit, -savings_deposit from account_transfer
    ) t on t.unit_id = b.unit_id
    where t.moved_on > case when b.opened_on > :year_start_date then b.opened_on else :year_start_date end
      and t.moved_on <= b.last_day
    group by b.unit_id
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
    coalesce(s.rows_in_period, 0) as rows_in_period,
    coalesce(s.distinct_days, 0) as distinct_days,
    coalesce(s.negative_rows, 0) as negative_rows,
    coalesce(s.npl_over_loans_rows, 0) as npl_over_loans_rows,
    s.first_negative_date,
    s.first_duplicate_date,
    -- 年初 must exist for every outlet already open on 年初 (a later opening counts from its opening day)
    case when y.unit_id is null and b.opened_on <= :year_start_date then 1 else 0 end as year_start_missing,
    coalesce(s.corporate_max_day_change, 0) as corporate_max_day_change,
    coalesce(s.savings_max_day_change, 0) as savings_max_day_change,
    -- plausibility: the period-end balance against the outlet's own 年初, accounts moved set aside
    coalesce((s.corporate_end - coalesce(mv.corporate, 0)) * 1.0 / nullif(y.corporate_deposit, 0), 1) as corporate_end_to_year_start,
    coalesce((s.savings_end - coalesce(mv.savings, 0)) * 1.0 / nullif(y.savings_deposit, 0), 1) as savings_end_to_year_start
from bounds b
join calendar fc on fc.cal_date = b.last_day
join calendar lc on lc.cal_date = b.first_day
left join per_outlet s on s.unit_id = b.unit_id
left join year_start y on y.unit_id = b.unit_id
left join moved_since_base mv on mv.unit_id = b.unit_id
order by b.unit_id
