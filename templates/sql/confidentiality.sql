-- Grain: one row for the bank (篇七): confidentiality inspections in the period, hidden risks found
-- and fixed, staff in post at period end, of whom signed a confidentiality pledge in the year to
-- date and attended 保密知识 training in the period, and incidents (泄密事件).
-- Bound parameters: period_start, period_end, year_first_day (dates).
-- Tables: confidentiality
with in_post as (
    select distinct staff_id from staff_assignment
    where start_date <= :period_end and (end_date is null or end_date >= :period_end)
),
inspections as (
    select count(*) as inspections, coalesce(sum(risks_found), 0) as risks_found, coalesce(sum(risks_fixed), 0) as risks_fixed
    from confidentiality_inspection where inspected_on between :period_start and :period_end
),
pledged as (
    select count(distinct p.staff_id) as pledged
    from confidentiality_pledge p join in_post s on s.staff_id = p.staff_id
    where p.signed_on between :year_first_day and :period_end
),
trained as (
    select count(distinct ta.staff_id) as trained
    from training_session ts
    join training_attendance ta on ta.session_id = ts.session_id
    join in_post s on s.staff_id = ta.staff_id
    where ts.held and ts.topic = '保密知识' and ts.held_on between :period_start and :period_end
),
incidents as (
    select count(*) as incidents from confidentiality_incident where occurred_on between :period_start and :period_end
)
select
    (select name from org_unit where level = 'branch' order by unit_id limit 1) as branch_name,
    i.inspections, i.risks_found, i.risks_fixed,
    (select count(*) from in_post) as staff_in_post,
    p.pledged, t.trained, n.incidents
from inspections i, pledged p, trained t, incidents n
