-- Grain: one row per outlet open on any day of the period (篇三): lobby opening hours, average
-- and highest monthly service-inspection score (0–100; the highest is what a scale check needs), referrals by lobby staff, complaints received, valid (有效投诉)
-- and resolved at first contact.
-- Bound parameters: period_start, period_end (dates), first_month, last_month ('YYYY-MM').
-- Tables: lobby
with outlets as (
    select unit_id from org_unit
    where level = 'outlet' and opened_on <= :period_end and (closed_on is null or closed_on >= :period_start)
),
lobby as (
    select unit_id,
           sum(opening_hours) as opening_hours,
           sum(service_score) * 1.0 / count(*) as service_score,
           max(service_score) as max_service_score,
           sum(referrals) as referrals,
           count(*) as months_reported
    from lobby_month
    where month between :first_month and :last_month
    group by unit_id
),
complaints as (
    select unit_id,
           count(*) as complaints,
           sum(case when valid then 1 else 0 end) as valid_complaints,
           sum(case when resolved_first_contact then 1 else 0 end) as resolved_first_contact
    from complaint
    where received_on between :period_start and :period_end
    group by unit_id
)
select
    o.unit_id,
    coalesce(l.opening_hours, 0) as opening_hours,
    l.service_score,
    l.max_service_score,
    coalesce(l.referrals, 0) as referrals,
    coalesce(l.months_reported, 0) as months_reported,
    coalesce(c.complaints, 0) as complaints,
    coalesce(c.valid_complaints, 0) as valid_complaints,
    coalesce(c.resolved_first_contact, 0) as resolved_first_contact
from outlets o
left join lobby l on l.unit_id = o.unit_id
left join complaints c on c.unit_id = o.unit_id
order by o.unit_id
