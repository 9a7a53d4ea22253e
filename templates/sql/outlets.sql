-- Grain: one row per outlet open on any day of the period, with its sub-branch and branch.
-- Bound parameters: period_start, period_end (dates).
-- Tables: outlets
-- Dates: opened_on, closed_on
with outlets as (
    select unit_id, name, parent_id, opened_on, closed_on
    from org_unit
    where level = 'outlet'
),
sub_branches as (
    select unit_id, name, parent_id from org_unit where level = 'sub_branch'
),
branches as (
    select unit_id, name from org_unit where level = 'branch'
)
select
    o.unit_id,
    o.name as outlet_name,
    s.unit_id as sub_branch_id,
    s.name as sub_branch_name,
    b.name as branch_name,
    o.opened_on,
    o.closed_on
from outlets o
left join sub_branches s on s.unit_id = o.parent_id
left join branches b on b.unit_id = s.parent_id
where o.opened_on <= :period_end
  and (o.closed_on is null or o.closed_on >= :period_start)
order by o.unit_id
