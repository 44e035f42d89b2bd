-- The big pass: every AP in the window of every claimant in upr_span, decided as claimants/regimes.assess does,
-- with the previous AP's decision beside it. One row per (claimant, AP). Amounts: earnings in pence, thresholds
-- in pence x 1200 (see migration 0003). grp: 0 all requirements, 1 preparing, 2 planning, 3 no requirements.
-- kind: 0 single, 1 partner who is a claimant, 2 partner not eligible for UC.
-- The chunk's claimants and their partners' earnings are temporary tables (uprating_facts.sql), analysed, not
-- CTEs: a CTE has no statistics, and with the join estimate of (span x id range) at a few rows the planner chose
-- nested loops over them that grew with the table (every AP of the chunk against every partner AP).
DROP TABLE IF EXISTS upr_rows;
CREATE TEMP TABLE upr_rows AS
WITH base AS (
  SELECT e.claimant_id, e.period_start, pr.period_end, e.paydays,
    e.employed_earnings, e.self_employed_earnings,
    (e.employed_earnings * 100)::bigint AS emp, (e.self_employed_earnings * 100)::bigint AS slf,
    e.period_start >= s.compare_from AS compared,
    (CASE cl.kind WHEN 1 THEN coalesce(pe.emp, 0)
      WHEN 2 THEN coalesce((e.non_uc_partner_employed * 100)::bigint, 0) ELSE 0 END) AS pemp,
    (CASE cl.kind WHEN 1 THEN coalesce(pe.slf, 0)
      WHEN 2 THEN coalesce((e.non_uc_partner_self_employed * 100)::bigint, 0) ELSE 0 END) AS pslf,
    cl.kind, cl.partner_id, cl.grp, cl.mif, cl.apprentice, cl.hours, pf.grp AS p_grp, pf.mif AS p_mif,
    pr.aet_s, pr.aet_c,
    -- The age on the AP's last day picks the band (rulebook §3).
    iwp_cet_u(cl.grp, cl.apprentice, cl.hours,
      iwp_band_rate((pr.end_key - cl.dob_key) / 10000, pr.m1, pr.r1, pr.m2, pr.r2, pr.m3, pr.r3,
                    pr.m4, pr.r4, pr.m5, pr.r5, pr.m6, pr.r6), pr.app_p) AS cet,
    CASE WHEN cl.kind = 1 THEN iwp_cet_u(pf.grp, pf.apprentice, pf.hours,
      iwp_band_rate((pr.end_key - pf.dob_key) / 10000, pr.m1, pr.r1, pr.m2, pr.r2, pr.m3, pr.r3,
                    pr.m4, pr.r4, pr.m5, pr.r5, pr.m6, pr.r6), pr.app_p) END AS pcet,
    -- A partner not eligible for UC adds 35 hours at the adult NLW to the household CET.
    CASE WHEN cl.kind = 2 THEN 3500 * pr.adult_p::bigint * 52 END AS nu_part,
    -- Only a claimant with an easement builds the AP's range.
    CASE WHEN cl.easements IS NULL THEN false
      ELSE coalesce(cl.easements && daterange(e.period_start, pr.period_end, '[]'), false) END AS easement
  FROM upr_span s
  -- Each claimant's APs from where deciding starts (alias e): the chunk's id range scanned when most of the chunk
  -- is decided, each claimant probed when few are (uprating_earnings_scan.sql, uprating_earnings_probe.sql).
  /* fragment earnings */
  -- The facts in force on the AP's first day, the claimant's and (for a joint claim) the partner's.
  JOIN upr_cl cl ON cl.id = s.claimant_id AND e.period_start >= cl.v_from AND e.period_start < cl.v_to
  LEFT JOIN upr_pf pf ON pf.claimant_id = cl.partner_id AND e.period_start >= pf.v_from AND e.period_start < pf.v_to
  JOIN upr_params pr ON pr.period_start = e.period_start
  LEFT JOIN upr_pe pe ON pe.claimant_id = cl.partner_id AND pe.period_start = e.period_start
  WHERE pr.aet_s IS NOT NULL AND pr.app_p IS NOT NULL
    -- A partner with no facts recorded for the AP leaves it undecided, as claimant_recalculate does.
    AND (cl.kind <> 1 OR pf.claimant_id IS NOT NULL)
    -- So does anyone under 16 on its last day (engine._check_person), the claimant, a partner not eligible for UC
    -- (upr_cl.youngest_key) or a joint partner; as classify_floor.sql does. Date keys are yyyymmdd, so "16 or
    -- over" is a difference of at least 16 × 10,000.
    AND pr.end_key - cl.youngest_key >= 160000 AND (cl.kind <> 1 OR pr.end_key - pf.dob_key >= 160000)
  -- OFFSET 0 keeps each layer's columns computed once: a flattened subquery would repeat the expressions.
  OFFSET 0
), decided AS (
  SELECT b.*,
    CASE b.kind WHEN 1 THEN b.cet + b.pcet WHEN 2 THEN b.cet + b.nu_part END AS hh
  FROM base b
  OFFSET 0
), coded AS (
  SELECT d.*,
    iwp_classify(d.grp, d.mif, d.emp, d.emp + d.slf, d.cet, d.kind > 0, d.emp + d.pemp,
                 d.emp + d.slf + d.pemp + d.pslf, d.hh, d.aet_s, d.aet_c) AS code,
    CASE WHEN d.kind = 1 THEN
      iwp_classify(d.p_grp, d.p_mif, d.pemp, d.pemp + d.pslf, d.pcet, true, d.emp + d.pemp,
                   d.emp + d.slf + d.pemp + d.pslf, d.hh, d.aet_s, d.aet_c) END AS p_code
  FROM decided d
  OFFSET 0
), lagged AS (
  -- One lag of a packed value (start, household kind, code, easement) costs a quarter of four lags.
  SELECT k.*,
    lag((k.period_start - date '2000-01-01')::bigint * 128 + k.kind * 32 + k.code * 2 + k.easement::integer)
      OVER (PARTITION BY k.claimant_id ORDER BY k.period_start) AS prev_packed
  FROM coded k
), unpacked AS (
  SELECT l.*,
    date '2000-01-01' + (l.prev_packed >> 7)::integer AS prev_start,
    ((l.prev_packed >> 5) & 3)::smallint AS prev_kind,
    ((l.prev_packed >> 1) & 15)::smallint AS prev_code,
    (l.prev_packed & 1) = 1 AS prev_easement
  FROM lagged l
  OFFSET 0
)
SELECT u.claimant_id, u.period_start, u.period_end, u.paydays, u.employed_earnings, u.self_employed_earnings,
  u.emp, u.slf, u.pemp, u.pslf, u.kind, u.grp, u.mif, u.aet_s, u.aet_c, u.cet, u.pcet, u.hh, u.easement,
  u.code, u.p_code, u.prev_start, u.prev_kind, u.prev_code, u.prev_easement, u.compared,
  -- In the same run as the previous AP (cycling windows): neither breaks the window and they are consecutive.
  (u.prev_packed IS NOT NULL AND NOT u.easement AND u.code <> 1 AND NOT u.prev_easement AND u.prev_code <> 1
    AND iwp_is_next_period(u.prev_start, u.period_start)) AS same_run
FROM unpacked u;
