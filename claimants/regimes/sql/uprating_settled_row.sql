-- One history row per decided AP w (classify_floor.sql's decided) of a claimant the change leaves settled: no
-- move, so previous_regime is the AP's own regime and the cause is the job's ('threshold'), as
-- claimant_recalculate writes them (a fragment following "INSERT INTO" and followed by "FROM ... w": phase one,
-- uprating_settle.sql, and the floor writing history, classify_floor_history.sql, which writes every AP so).
-- Params: job_id (none for the floor), effective_from_text.
claimants_regimeassessment (
  claimant_id, period_start, period_end, regime, partner_regime, previous_regime, cause,
  employed_earnings, self_employed_earnings, household_earnings, aet_individual, aet_couple, cet_individual,
  cet_partner, cet_household, easement_active, explanation, calculated_at, background_job_id)
SELECT w.claimant_id, w.period_start, iwp_period_end(w.period_start), iwp_regime_name(w.code),
  coalesce(iwp_regime_name(w.p_code), ''), iwp_regime_name(w.code), 'threshold',
  w.employed_earnings, w.self_employed_earnings,
  CASE WHEN w.kind > 0 THEN (w.emp + w.slf + w.pemp + w.pslf)::numeric / 100 END,
  /* include uprating_thresholds_shown */, w.easement,
  /* include uprating_explanation */,
  now(), %(job_id)s
