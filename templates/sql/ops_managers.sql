-- Grain: one row per operations manager (营业经理) per outlet served in the period (篇一), with the
-- spell's dates, the outlet served before (when they moved), authorisations reviewed, inspections,
-- teller errors found and corrected, risk events and the accuracy of their replies, case-prevention
-- meetings, and the teller errors (and major ones) at the outlet during the spell.
-- Bound parameters: period_start, period_end (dates).
-- Tables: ops_managers
-- Dates: first_day, last_day
with history as (
    -- each spell with the outlet the same person served in the spell before
    select staff_id, unit_id, start_date, end_date,
           lag(unit_id) over (partition by staff_id order by start_date) as previous_unit_id
    from staff_assignment
    where role = 'operations_manager'
),
clipped as (
    select
        a.staff_id, a.unit_id, a.previous_unit_id,
        case when a.start_date > :period_start then a.start_date else :period_start end as first_day,
        case when a.end_date is not null and a.end_date < :period_end then a.end_date else :period_end end as last_day
    from history a
    where a.start_date <= :period_end
      and (a.end_date is null or a.end_date >= :period_start)
),
spells as (
    select c.*, f.month as first_month, l.month as last_month
    from clipped c
    join calendar f on f.cal_date = c.first_day
    join calendar l on l.cal_date = c.last_day
),
monthly as (
    select sp.staff_id, sp.unit_id,
           sum(m.authorisations_reviewed) as authorisations_reviewed,
           sum(m.inspections_done) as inspections_done,
           sum(m.errors_found) as errors_found,
           sum(m.errors_corrected) as errors_corrected
    from spells sp
    join ops_manager_month m on m.staff_id = sp.staff_id and m.unit_id = sp.unit_id
    where m.month between sp.first_month and sp.last_month
    group by sp.staff_id, sp.unit_id
),
events as (
    -- by unit and date: an event belongs to whoever managed the outlet that day, whatever staff id
    -- the upstream system stamped on it (at a handover it often carries the successor's)
    select sp.staff_id, sp.unit_id,
           count(*) as risk_events,
           sum(case when r.replied_on is not null then 1 else 0 end) as replies,
           sum(case when r.reply_accurate then 1 else 0 end) as accurate_replies
    from spells sp
    join risk_event r on r.unit_id = sp.unit_id
    where r.occurred_on between sp.first_day and sp.last_day
    group by sp.staff_id, sp.unit_id
),
meetings as (
    select sp.staff_id, sp.unit_id, count(*) as case_prevention_meetings
    from spells sp
    join meeting mt on mt.unit_id = sp.unit_id and mt.kind = 'case_prevention'
    where mt.held_on between sp.first_day and sp.last_day
    group by sp.staff_id, sp.unit_id
),
major as (
    -- every teller error at the outlet in the spell, whoever found it (the manager finds most: errors_found)
    select sp.staff_id, sp.unit_id, count(*) as teller_errors,
           sum(case when e.severity = 'major' then 1 else 0 end) as major_errors
    from spells sp
    join teller_error e on e.unit_id = sp.unit_id
    where e.occurred_on between sp.first_day and sp.last_day
    group by sp.staff_id, sp.unit_id
)
select
    sp.staff_id,
    s.name as staff_name,
    sp.unit_id,
    sp.first_day,
    sp.last_day,
    pu.name as previous_unit_name,
    coalesce(m.authorisations_reviewed, 0) as authorisations_reviewed,
    coalesce(m.inspections_done, 0) as inspections_done,
    coalesce(m.errors_found, 0) as errors_found,
    coalesce(m.errors_corrected, 0) as errors_corrected,
    coalesce(ev.risk_events, 0) as risk_events,
    coalesce(ev.replies, 0) as replies,
    coalesce(ev.accurate_replies, 0) as accurate_replies,
    coalesce(mt.case_prevention_meetings, 0) as case_prevention_meetings,
    coalesce(mj.teller_errors, 0) as teller_errors,
    coalesce(mj.major_errors, 0) as major_errors
from spells sp
join staff s on s.staff_id = sp.staff_id
left join org_unit pu on pu.unit_id = sp.previous_unit_id
left join monthly m on m.staff_id = sp.staff_id and m.unit_id = sp.unit_id
left join events ev on ev.staff_id = sp.staff_id and ev.unit_id = sp.unit_id
left join meetings mt on mt.staff_id = sp.staff_id and mt.unit_id = sp.unit_id
left join major mj on mj.staff_id = sp.staff_id and mj.unit_id = sp.unit_id
order by sp.unit_id, sp.first_day, sp.staff_id
