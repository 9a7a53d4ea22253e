-- Grain: one row per outlet closed in the period per item it handed over at its closing (撤并移交):
-- seal 印章 (枚), blank_voucher 重要空白凭证 (份), archive 会计档案 (卷), with the unit it went to and the
-- day, and how many did not match the register when counted (账实不符). A hand-over recorded after
-- the period's end is left out: a report does not quote what was not done when its data closed.
-- Bound parameters: period_start, period_end (dates).
-- Tables: closing_handover
-- Dates: closed_on, handed_on
select
    h.unit_id,
    h.item,
    h.quantity,
    h.handed_to_unit_id,
    r.name as handed_to_name,
    u.closed_on,
    h.handed_on,
    h.discrepancies
from closing_handover h
join org_unit u on u.unit_id = h.unit_id
join org_unit r on r.unit_id = h.handed_to_unit_id
where u.closed_on >= :period_start
  and u.closed_on <= :period_end
  and h.handed_on <= :period_end
order by h.unit_id, case h.item when 'seal' then 1 when 'blank_voucher' then 2 else 3 end
