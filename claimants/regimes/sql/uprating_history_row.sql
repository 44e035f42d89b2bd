-- One history row per decided AP w (upr_rows' columns), as claimant_recalculate writes it (a fragment following
-- "INSERT INTO" and followed by "FROM ... w", in phase two's uprating_insert.sql; phase one's settled claimants
-- have no move, and their rows are uprating_settled_row.sql's): cause
-- and previous_regime as claimant_recalculate sets them, the cause of a change from the previous AP (easement,
-- earnings, threshold or circumstance), else the job's cause ('threshold'). Params: job_id, effective_from_text.
claimants_regimeassessment (
  claimant_id, period_start, period_end, regime, partner_regime, previous_regime, cause,
  employed_earnings, self_employed_earnings, household_earnings, aet_individual, aet_couple, cet_individual,
  cet_partner, cet_household, easement_active, explanation, calculated_at, background_job_id)
SELECT w.claimant_id, w.period_start, w.period_end, iwp_regime_name(w.code),
  coalesce(iwp_regime_name(w.p_code), ''), coalesce(iwp_regime_name(w.prev_code), ''),
  CASE
    WHEN w.prev_code IS NULL OR iwp_regime_rank(w.code) = iwp_regime_rank(w.prev_code) THEN 'threshold'
    WHEN w.easement <> w.prev_easement THEN 'easement'
    -- A couple formed or separated (cycling._classify): no comparable partner earnings to carry over.
    WHEN (w.kind > 0) <> (w.prev_kind > 0) THEN 'circumstance'
    -- The rest moved regime, so their AP is in upr_changed: looked up by its index for these rows only, rather
    -- than joined to every row written (hashing 300,000 rows of a full re-decision for 20,000 moves).
    ELSE coalesce((
      SELECT CASE WHEN iwp_regime_rank(ch.carried) <> iwp_regime_rank(w.code) THEN 'earnings' ELSE (
          -- Rare: not earnings. An uprating if the previous AP's own facts (the versions in force then, and its own
          -- dates, so a birthday stays a circumstance) under this AP's parameters already change its regime.
          SELECT CASE WHEN iwp_regime_rank(iwp_classify(pv.grp, pv.mif, ch.prev_emp, ch.prev_emp + ch.prev_slf, u.cet,
              w.prev_kind > 0, ch.prev_emp + ch.prev_pemp, ch.prev_emp + ch.prev_slf + ch.prev_pemp + ch.prev_pslf,
              CASE w.prev_kind WHEN 1 THEN u.cet + u.pcet WHEN 2 THEN u.cet + 3500 * pr.adult_p::bigint * 52 END,
              w.aet_s, w.aet_c)) <> iwp_regime_rank(w.prev_code) THEN 'threshold' ELSE 'circumstance' END
          FROM upr_cl pv
          LEFT JOIN upr_pf pp ON pp.claimant_id = pv.partner_id AND w.prev_start >= pp.v_from AND w.prev_start < pp.v_to
          JOIN upr_params pr ON pr.period_start = w.period_start
          CROSS JOIN LATERAL (SELECT
            iwp_cet_u(pv.grp, pv.apprentice, pv.hours,
              iwp_band_rate((iwp_date_key(iwp_period_end(w.prev_start)) - pv.dob_key) / 10000,
                pr.m1, pr.r1, pr.m2, pr.r2, pr.m3, pr.r3, pr.m4, pr.r4, pr.m5, pr.r5, pr.m6, pr.r6), pr.app_p) AS cet,
            CASE WHEN w.prev_kind = 1 THEN iwp_cet_u(pp.grp, pp.apprentice, pp.hours,
              iwp_band_rate((iwp_date_key(iwp_period_end(w.prev_start)) - pp.dob_key) / 10000,
                pr.m1, pr.r1, pr.m2, pr.r2, pr.m3, pr.r3, pr.m4, pr.r4, pr.m5, pr.r5, pr.m6, pr.r6), pr.app_p)
            END AS pcet) u
          WHERE pv.id = w.claimant_id AND w.prev_start >= pv.v_from AND w.prev_start < pv.v_to) END
      FROM upr_changed ch WHERE ch.claimant_id = w.claimant_id AND ch.period_start = w.period_start),
      'circumstance')
  END,
  w.employed_earnings, w.self_employed_earnings,
  CASE WHEN w.kind > 0 THEN (w.emp + w.slf + w.pemp + w.pslf)::numeric / 100 END,
  /* include uprating_thresholds_shown */,
  w.easement,
  /* include uprating_explanation */,
  now(), %(job_id)s
