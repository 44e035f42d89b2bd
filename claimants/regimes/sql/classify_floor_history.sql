-- The floor that writes history (a fragment of classify_floor.sql; the benchmark's "floor writing history"): the
-- same decisions written as the uprating must write them, one row per AP into the real history table with its
-- indexes and the job's explanation, so the job's distance from its floor can be split into what writing history
-- costs and what the job's own pipeline costs. The caller rolls it back. The floor knows no previous AP:
-- previous_regime is the AP's own (a settled claimant's row, as phase one writes it). Params: effective_from_text.
  INSERT INTO claimants_regimeassessment (
    claimant_id, period_start, period_end, regime, partner_regime, previous_regime, cause,
    employed_earnings, self_employed_earnings, household_earnings, aet_individual, aet_couple, cet_individual,
    cet_partner, cet_household, easement_active, explanation, calculated_at, background_job_id)
  SELECT w.claimant_id, w.period_start, iwp_period_end(w.period_start), iwp_regime_name(w.code),
    coalesce(iwp_regime_name(w.p_code), ''), iwp_regime_name(w.code), 'threshold',
    w.emp::numeric / 100, w.slf::numeric / 100,
    CASE WHEN w.kind > 0 THEN (w.emp + w.slf + w.pemp + w.pslf)::numeric / 100 END,
    /* include uprating_thresholds_shown */, w.easement,
    /* include uprating_explanation */,
    now(), NULL
  FROM decided w
  RETURNING regime
