-- The date key of the youngest person whose age decides whether an AP can be decided (a fragment of
-- uprating_facts.sql and classify_floor.sql; v: a facts version, cc: the claimant's row): the claimant, and a
-- partner not eligible for UC, whose date of birth is the claimant's when none is recorded, as claimant_recalculate
-- reads it. An AP that ends before they are 16 is left undecided (engine._check_person); a joint partner's own
-- date of birth is checked beside it.
greatest(iwp_date_key(cc.date_of_birth), CASE WHEN v.partner_id IS NULL AND v.has_non_uc_partner
    THEN iwp_date_key(coalesce(v.non_uc_partner_date_of_birth, cc.date_of_birth)) END) AS youngest_key
