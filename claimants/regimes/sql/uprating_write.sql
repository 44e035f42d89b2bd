-- Retire the replaced latest rows, then write the new ones (two statements: the partial unique index on
-- (claimant, period_start) WHERE is_latest must see the old row retired first).
UPDATE claimants_regimeassessment a SET is_latest = false
FROM upr_write w
WHERE a.id = w.old_id AND a.claimant_id >= %(lo)s AND a.claimant_id < %(hi)s AND a.is_latest;
