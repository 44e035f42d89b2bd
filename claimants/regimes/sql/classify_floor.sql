-- One statement that decides every AP in the window (last 24 current APs) of every claimant lo <= id < hi whose
-- latest AP starts on or after effective_from (only those from decide_from on, when given), claimant and partner,
-- with the thresholds as displayed and whether an easement covers the AP, then hands each decided AP (decided)
-- to the caller's fragments: "reached" (which claimants of the span are decided), "written" (one or more CTEs over
-- decided, the first named written) and "result" (the statement's final SELECT).
-- * The benchmark's floor: written is one row of iwp_floor_outcome per AP (classify_floor_outcome.sql, a plain
--   table without indexes) or one history row (classify_floor_history.sql, rolled back), and nothing else: no
--   history diff, no cycling, no claimant rows; result counts them per regime (classify_floor_result.sql).
-- * The uprating preview (issue #13): written compares each AP with its latest history row
--   (uprating_preview_compared.sql) and result counts what the job would do (uprating_preview_result.sql).
-- * Phase one of the job's chunk (issue #13): reached keeps the claimants whose window reaches back before the
--   change, with their history row before it (uprating_from.sql); written settles them and writes their rows
--   (uprating_settle.sql); result counts what it did (uprating_settle_result.sql).
-- The floors and the preview decide the whole span (classify_floor_reached.sql).
-- Params: effective_from, decide_from, lo, hi (the floor: one statement per session; the preview and phase one:
-- per chunk); job_id and effective_from_text where a history row is written.
-- Each layer is a subquery with OFFSET 0, which the planner does not pull up: every value is computed once per
-- row and the next layer reads it as a plain column (inlined SQL functions would otherwise repeat their
-- argument expressions in every branch that uses them).
WITH span AS (
  SELECT e.claimant_id, max(e.period_start) AS last_start, min(e.period_start) AS first_start, count(*) AS n
  FROM claimants_earningsrecord e WHERE e.is_current AND e.claimant_id >= %(lo)s AND e.claimant_id < %(hi)s
    -- With decide_from (never later than effective_from) only the APs from it on are read and counted: when at
    -- most 24 of them, they are all in the window (n <= 24 below).
    AND e.period_start >= coalesce(%(decide_from)s::date, '-infinity')
  GROUP BY e.claimant_id HAVING max(e.period_start) >= %(effective_from)s
), reached AS (
  -- The claimants decided: the span (the floors, the preview) or, for phase one of the job, those of it whose
  -- window reaches back before the change, each with their history row before it (uprating_from.sql).
  /* fragment reached */
), wage_dates AS (
  SELECT w.effective_from AS wage_from,
    array_agg(w.min_age ORDER BY w.min_age DESC) FILTER (WHERE w.band <> 'apprentice') AS mins,
    array_agg((w.rate * 100)::integer ORDER BY w.min_age DESC) FILTER (WHERE w.band <> 'apprentice') AS rates,
    max(w.rate) FILTER (WHERE w.band <> 'apprentice' AND w.max_age IS NULL) AS adult_rate,
    min(w.rate) FILTER (WHERE w.band <> 'apprentice') AS lowest_rate
  FROM claimants_wagerate w GROUP BY w.effective_from
), wages AS (
  SELECT wd.*, coalesce(
      (SELECT a.rate FROM claimants_wagerate a WHERE a.band = 'apprentice' AND a.effective_from <= wd.wage_from
       ORDER BY a.effective_from DESC LIMIT 1),
      (SELECT f.lowest_rate FROM wage_dates f ORDER BY f.wage_from LIMIT 1)) AS apprentice_rate
  FROM wage_dates wd
), params AS MATERIALIZED (
  SELECT d::date AS period_start, iwp_period_end(d::date) AS period_end,
    iwp_date_key(iwp_period_end(d::date)) AS end_key,
    coalesce(a.single_cash * 120000, a.single_hours * a.hourly_rate * 520000)::bigint AS aet_s,
    coalesce(a.couple_cash * 120000, a.couple_hours * a.hourly_rate * 520000)::bigint AS aet_c,
    3500 * (w.adult_rate * 100)::integer::bigint * 52 AS nu_part, (w.apprentice_rate * 100)::integer AS app_p,
    w.mins[1] AS m1, w.rates[1] AS r1, w.mins[2] AS m2, w.rates[2] AS r2, w.mins[3] AS m3, w.rates[3] AS r3,
    w.mins[4] AS m4, w.rates[4] AS r4, w.mins[5] AS m5, w.rates[5] AS r5, w.mins[6] AS m6, w.rates[6] AS r6
  FROM generate_series((SELECT min(first_start) FROM span), (SELECT max(last_start) FROM span), interval '1 day') d
  LEFT JOIN LATERAL (SELECT * FROM claimants_aetparameter x WHERE x.effective_from <= d::date
                     ORDER BY x.effective_from DESC LIMIT 1) a ON true
  LEFT JOIN LATERAL (SELECT * FROM wages x WHERE x.wage_from <= d::date ORDER BY x.wage_from DESC LIMIT 1) w ON true
), base AS (
  -- (1) Per AP: earnings in pence, the group, and the age in completed years on the AP's last day (per person
  -- values come from the claimant rows once, not once per AP).
  SELECT e.claimant_id, e.period_start, s.last_start, e.employed_earnings, e.self_employed_earnings,
    c.current_regime, pr.aet_s, pr.aet_c, pr.app_p,
    pr.m1, pr.r1, pr.m2, pr.r2, pr.m3, pr.r3, pr.m4, pr.r4, pr.m5, pr.r5, pr.m6, pr.r6,
    (e.employed_earnings * 100)::bigint AS emp, (e.self_employed_earnings * 100)::bigint AS slf,
    (CASE c.kind WHEN 1 THEN coalesce((pe.employed_earnings * 100)::bigint, 0)
      WHEN 2 THEN coalesce((e.non_uc_partner_employed * 100)::bigint, 0) ELSE 0 END) AS pemp,
    (CASE c.kind WHEN 1 THEN coalesce((pe.self_employed_earnings * 100)::bigint, 0)
      WHEN 2 THEN coalesce((e.non_uc_partner_self_employed * 100)::bigint, 0) ELSE 0 END) AS pslf,
    c.kind, c.grp, c.mif, c.apprentice, c.hours, (pr.end_key - c.dob_key) / 10000 AS age,
    p.grp AS p_grp, p.mif AS p_mif, p.apprentice AS p_apprentice, p.hours AS p_hours,
    (pr.end_key - p.dob_key) / 10000 AS p_age,
    CASE WHEN c.kind = 2 THEN pr.nu_part END AS nu_part,
    -- An easement is active in an AP it overlaps (claimant_recalculate); only a claimant with one builds the range.
    CASE WHEN c.easements IS NULL THEN false
      ELSE coalesce(c.easements && daterange(e.period_start, pr.period_end, '[]'), false) END AS easement
  FROM reached s
  JOIN claimants_earningsrecord e ON e.claimant_id = s.claimant_id AND e.is_current
    -- The range's APs from decide_from on, read as a range rather than probed claimant by claimant.
    AND e.claimant_id >= %(lo)s AND e.claimant_id < %(hi)s AND e.period_start >= coalesce(%(decide_from)s::date, '-infinity')
  -- The parameters in force, joined to the APs before the facts: past the facts' date ranges the planner expects a
  -- row or two and scanned the parameters once per AP (0.13 s of a 25,000-claimant chunk's 0.9 s) instead of
  -- hashing them once.
  JOIN params pr ON pr.period_start = e.period_start
  -- The facts in force on each AP's first day (claimants_claimantfacts, issue #16), of this range's claimants
  -- only (read in id order, facts and claimant rows alike) and of their partners only.
  JOIN (
    SELECT v.claimant_id AS id, v.partner_id, v.minimum_income_floor AS mif, v.apprentice,
      (CASE WHEN v.partner_id IS NOT NULL THEN 1 WHEN v.has_non_uc_partner THEN 2 ELSE 0 END)::smallint AS kind,
      (CASE v.conditionality_group WHEN 'work_preparation' THEN 1 WHEN 'work_focused_interview' THEN 2
        WHEN 'no_work_related_requirements' THEN 3 ELSE 0 END)::smallint AS grp,
      (v.expected_hours * 100)::integer AS hours, iwp_date_key(cc.date_of_birth) AS dob_key,
      /* include uprating_youngest_key */,
      coalesce(v.effective_from, '-infinity'::date) AS v_from, coalesce(v.effective_to, 'infinity'::date) AS v_to,
      cc.current_regime, ea.easements
    FROM claimants_claimantfacts v JOIN claimants_claimant cc ON cc.id = v.claimant_id
    LEFT JOIN (
      SELECT x.claimant_id, range_agg(daterange(x.starts_on, x.ends_on, '[]')) AS easements
      FROM claimants_easement x WHERE x.claimant_id >= %(lo)s AND x.claimant_id < %(hi)s GROUP BY x.claimant_id
    ) ea ON ea.claimant_id = v.claimant_id
    WHERE v.claimant_id >= %(lo)s AND v.claimant_id < %(hi)s AND cc.id >= %(lo)s AND cc.id < %(hi)s OFFSET 0
  ) c ON c.id = s.claimant_id AND e.period_start >= c.v_from AND e.period_start < c.v_to
  LEFT JOIN (
    SELECT v.claimant_id AS id, v.minimum_income_floor AS mif, v.apprentice,
      (CASE v.conditionality_group WHEN 'work_preparation' THEN 1 WHEN 'work_focused_interview' THEN 2
        WHEN 'no_work_related_requirements' THEN 3 ELSE 0 END)::smallint AS grp,
      (v.expected_hours * 100)::integer AS hours, iwp_date_key(pp.date_of_birth) AS dob_key,
      coalesce(v.effective_from, '-infinity'::date) AS v_from, coalesce(v.effective_to, 'infinity'::date) AS v_to
    FROM claimants_claimantfacts v JOIN claimants_claimant pp ON pp.id = v.claimant_id
    WHERE v.claimant_id = ANY (ARRAY(SELECT DISTINCT x.partner_id FROM claimants_claimantfacts x
      WHERE x.claimant_id >= %(lo)s AND x.claimant_id < %(hi)s AND x.partner_id IS NOT NULL)) OFFSET 0
  ) p ON p.id = c.partner_id AND e.period_start >= p.v_from AND e.period_start < p.v_to
  LEFT JOIN claimants_earningsrecord pe
    ON pe.claimant_id = c.partner_id AND pe.period_start = e.period_start AND pe.is_current
  -- No AET or wage rates in force leaves an AP undecided, as does a partner with no facts for it
  -- (claimant_recalculate).
  WHERE pr.aet_s IS NOT NULL AND pr.app_p IS NOT NULL AND (c.kind <> 1 OR p.id IS NOT NULL)
    -- So does anyone under 16 on its last day (engine._check_person), as in uprating_rows.sql.
    AND pr.end_key - c.youngest_key >= 160000 AND (c.kind <> 1 OR pr.end_key - p.dob_key >= 160000)
    AND (s.n <= 24 OR e.period_start >= (
    SELECT x.period_start FROM claimants_earningsrecord x WHERE x.claimant_id = s.claimant_id AND x.is_current
    ORDER BY x.period_start DESC OFFSET 23 LIMIT 1))
  OFFSET 0
), thresholds AS (
  -- (2) The band rate and CET from plain columns.
  SELECT b.claimant_id, b.period_start, b.last_start, b.employed_earnings, b.self_employed_earnings,
    b.current_regime, b.easement, b.emp, b.slf, b.pemp, b.pslf, b.kind, b.grp, b.mif, b.p_grp, b.p_mif, b.aet_s, b.aet_c, b.nu_part,
    iwp_cet_u(b.grp, b.apprentice, b.hours,
      iwp_band_rate(b.age, b.m1, b.r1, b.m2, b.r2, b.m3, b.r3, b.m4, b.r4, b.m5, b.r5, b.m6, b.r6), b.app_p) AS cet,
    CASE WHEN b.kind = 1 THEN iwp_cet_u(b.p_grp, b.p_apprentice, b.p_hours,
      iwp_band_rate(b.p_age, b.m1, b.r1, b.m2, b.r2, b.m3, b.r3, b.m4, b.r4, b.m5, b.r5, b.m6, b.r6), b.app_p)
      END AS pcet
  FROM base b
  OFFSET 0
), household AS (
  -- (3) The household CET and the earnings sums.
  SELECT t.*, CASE t.kind WHEN 1 THEN t.cet + t.pcet WHEN 2 THEN t.cet + t.nu_part END AS hh,
    t.emp + t.slf AS total, t.pemp + t.pslf AS p_total, t.emp + t.pemp AS couple_emp,
    t.emp + t.slf + t.pemp + t.pslf AS couple_total
  FROM thresholds t
  OFFSET 0
), decided AS (
  -- (4) The decisions, from plain columns.
  SELECT h.claimant_id, h.period_start, h.last_start, h.employed_earnings, h.self_employed_earnings,
    h.current_regime, h.easement,
    iwp_classify(h.grp, h.mif, h.emp, h.total, h.cet, h.kind > 0, h.couple_emp,
      h.couple_total, h.hh, h.aet_s, h.aet_c) AS code,
    CASE WHEN h.kind = 1 THEN iwp_classify(h.p_grp, h.p_mif, h.pemp, h.p_total, h.pcet, true, h.couple_emp,
      h.couple_total, h.hh, h.aet_s, h.aet_c) END AS p_code,
    h.aet_s, h.aet_c, h.cet, h.pcet, h.hh, h.kind, h.emp, h.slf, h.pemp, h.pslf
  FROM household h
),
-- (5) The outcome written (the floors), compared with history (the preview) or settled (phase one of the job):
-- one or more CTEs, the first named written.
/* fragment written */
/* fragment result */;
