-- Grain: one row per sub-branch (篇五): fixed assets in use at period end (count, cost 元) over
-- its outlets, assets written off (报损) during the period, and the training its units held in the
-- period: attendances (人次: one per person per held session) and the distinct people trained (人).
-- Bound parameters: period_start, period_end (dates).
-- Tables: fixed_assets
with subs as (
    select unit_id from org_unit where level = 'sub_branch'
),
units as (
    select u.unit_id, s.unit_id as sub_id from org_unit u join subs s on s.unit_id = u.parent_id
    union all
    select unit_id, unit_id from subs
),
assets as (
    select un.sub_id,
           sum(case when a.acquired_on <= :period_end and (a.written_off_on is null or a.written_off_on > :period_end) then 1 else 0 end) as assets_in_use,
           sum(case when a.acquired_on <= :period_end and (a.written_off_on is null or a.written_off_on > :period_end) then a.cost else 0 end) as assets_cost,
           sum(case when a.written_off_on between :period_start and :period_end then 1 else 0 end) as assets_written_off,
           sum(case when a.written_off_on between :period_start and :period_end then a.cost else 0 end) as written_off_cost
    from fixed_asset a join units un on un.unit_id = a.unit_id
    group by un.sub_id
),
trained as (
    select un.sub_id, count(*) as training_attendances, count(distinct ta.staff_id) as staff_trained
    from training_session ts
    join training_attendance ta on ta.session_id = ts.session_id
    join units un on un.unit_id = ts.unit_id
    where ts.held and ts.held_on between :period_start and :period_end
    group by un.sub_id
)
select
    s.unit_id as sub_branch_id,
    coalesce(a.assets_in_use, 0) as assets_in_use,
    coalesce(a.assets_cost, 0) as assets_cost,
    coalesce(a.assets_written_off, 0) as assets_written_off,
    coalesce(a.written_off_cost, 0) as written_off_cost,
    coalesce(t.training_attendances, 0) as training_attendances,
    coalesce(t.staff_trained, 0) as staff_trained
from subs s
left join assets a on a.sub_id = s.unit_id
left join trained t on t.sub_id = s.unit_id
order by s.unit_id
