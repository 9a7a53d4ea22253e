-- Grain: one row per sub-branch (篇四, 会计结算部): internal-control meetings and bank-enterprise
-- meetings held, outlet inspections, findings (teller errors found) and how many were rectified,
-- tellers, their average appraisal score, errors, tellers without error, penalties (元), and the
-- accounting department's training sessions planned and held.
-- Bound parameters: period_start, period_end (dates), first_month, last_month ('YYYY-MM').
-- Tables: accounting
with subs as (
    select unit_id, name from org_unit where level = 'sub_branch'
),
units as (
    -- every unit under a sub-branch (its outlets and departments) and the sub-branch itself
    select u.unit_id, s.unit_id as sub_id from org_unit u join subs s on s.unit_id = u.parent_id
    union all
    select unit_id, unit_id from subs
),
meetings as (
    select un.sub_id,
           sum(case when m.kind = 'internal_control' then 1 else 0 end) as internal_control_meetings,
           sum(case when m.kind = 'bank_enterprise' then 1 else 0 end) as bank_enterprise_meetings
    from meeting m join units un on un.unit_id = m.unit_id
    where m.held_on between :period_start and :period_end
    group by un.sub_id
),
inspections as (
    select un.sub_id,
           sum(o.inspections_done) as inspections,
           sum(o.errors_found) as findings,
           sum(o.errors_corrected) as findings_rectified
    from ops_manager_month o join units un on un.unit_id = o.unit_id
    where o.month between :first_month and :last_month
    group by un.sub_id
),
tellers as (
    select un.sub_id, t.staff_id, sum(t.appraisal_score) * 1.0 / count(*) as score
    from teller_month t join units un on un.unit_id = t.unit_id
    where t.month between :first_month and :last_month
    group by un.sub_id, t.staff_id
),
teller_errors as (
    select un.sub_id, e.staff_id, count(*) as errors, sum(e.penalty) as penalties
    from teller_error e join units un on un.unit_id = e.unit_id
    where e.occurred_on between :period_start and :period_end
    group by un.sub_id, e.staff_id
),
teller_summary as (
    select t.sub_id,
           count(*) as tellers,
           sum(t.score) / count(*) as appraisal_score,
           coalesce(sum(e.errors), 0) as teller_errors,
           sum(case when e.errors is null then 1 else 0 end) as tellers_without_error,
           coalesce(sum(e.penalties), 0) as penalties
    from tellers t left join teller_errors e on e.sub_id = t.sub_id and e.staff_id = t.staff_id
    group by t.sub_id
),
training as (
    select un.sub_id,
           count(*) as sessions_planned,
           sum(case when ts.held then 1 else 0 end) as sessions_held
    from training_session ts join units un on un.unit_id = ts.unit_id
    join org_unit d on d.unit_id = ts.unit_id and d.level = 'department'
    where ts.held_on between :period_start and :period_end
    group by un.sub_id
)
select
    s.unit_id as sub_branch_id,
    s.name as sub_branch_name,
    coalesce(m.internal_control_meetings, 0) as internal_control_meetings,
    coalesce(m.bank_enterprise_meetings, 0) as bank_enterprise_meetings,
    coalesce(i.inspections, 0) as inspections,
    coalesce(i.findings, 0) as findings,
    coalesce(i.findings_rectified, 0) as findings_rectified,
    coalesce(t.tellers, 0) as tellers,
    t.appraisal_score,
    coalesce(t.teller_errors, 0) as teller_errors,
    coalesce(t.tellers_without_error, 0) as tellers_without_error,
    coalesce(t.penalties, 0) as penalties,
    coalesce(tr.sessions_planned, 0) as sessions_planned,
    coalesce(tr.sessions_held, 0) as sessions_held
from subs s
left join meetings m on m.sub_id = s.unit_id
left join inspections i on i.sub_id = s.unit_id
left join teller_summary t on t.sub_id = s.unit_id
left join training tr on tr.sub_id = s.unit_id
order by s.unit_id
