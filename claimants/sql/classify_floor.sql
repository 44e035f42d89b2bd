-- The benchmark's floor: one statement that decides every AP in the window (last 24 current APs) of every
-- claimant whose latest AP starts on or after effective_from, claimant and partner, with the thresholds as
-- displayed, and nothing else: no history, no cycling, no claimant rows. Params: effective_from.
WITH span AS (
  SELECT e.claimant_id, max(e.period_start) AS last_start, min(e.period_start) AS first_start, count(*) AS n
  FROM claimants_earningsrecord e WHERE e.is_current
  GROUP BY e.claimant_id HAVING max(e.period_start) >= %(effective_from)s
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
  SELECT d::date AS period_start, iwp_period_end(d::date) AS period_end, iwp_date_key(iwp_period_end(d::date)) AS end_key,
    coalesce(a.single_cash * 120000, a.single_hours * a.hourly_rate * 520000)::bigint AS aet_s,
    coalesce(a.couple_cash * 120000, a.couple_hours * a.hourly_rate * 520000)::bigint AS aet_c,
    (w.adult_rate * 100)::integer AS adult_p, (w.apprentice_rate * 100)::integer AS app_p,
    w.mins[1] AS m1, w.rates[1] AS r1, w.mins[2] AS m2, w.rates[2] AS r2, w.mins[3] AS m3, w.rates[3] AS r3,
    w.mins[4] AS m4, w.rates[4] AS r4, w.mins[5] AS m5, w.rates[5] AS r5, w.mins[6] AS m6, w.rates[6] AS r6
  FROM generate_series((SELECT min(first_start) FROM span), (SELECT max(last_start) FROM span), interval '1 day') d
  LEFT JOIN LATERAL (SELECT * FROM claimants_aetparameter x WHERE x.effective_from <= d::date
                     ORDER BY x.effective_from DESC LIMIT 1) a ON true
  LEFT JOIN LATERAL (SELECT * FROM wages x WHERE x.wage_from <= d::date ORDER BY x.wage_from DESC LIMIT 1) w ON true
), rows AS (
  SELECT e.employed_earnings, e.self_employed_earnings,
    (e.employed_earnings * 100)::bigint AS emp, (e.self_employed_earnings * 100)::bigint AS slf,
    (CASE WHEN c.partner_id IS NOT NULL THEN coalesce((pe.employed_earnings * 100)::bigint, 0)
      WHEN c.has_non_uc_partner THEN coalesce((e.non_uc_partner_employed * 100)::bigint, 0) ELSE 0 END) AS pemp,
    (CASE WHEN c.partner_id IS NOT NULL THEN coalesce((pe.self_employed_earnings * 100)::bigint, 0)
      WHEN c.has_non_uc_partner THEN coalesce((e.non_uc_partner_self_employed * 100)::bigint, 0) ELSE 0 END) AS pslf,
    (CASE WHEN c.partner_id IS NOT NULL THEN 1 WHEN c.has_non_uc_partner THEN 2 ELSE 0 END) AS kind,
    (CASE c.conditionality_group WHEN 'work_preparation' THEN 1 WHEN 'work_focused_interview' THEN 2
      WHEN 'no_work_related_requirements' THEN 3 ELSE 0 END)::smallint AS grp,
    (CASE p.conditionality_group WHEN 'work_preparation' THEN 1 WHEN 'work_focused_interview' THEN 2
      WHEN 'no_work_related_requirements' THEN 3 ELSE 0 END)::smallint AS p_grp,
    c.minimum_income_floor AS mif, p.minimum_income_floor AS p_mif, pr.aet_s, pr.aet_c,
    iwp_cet_u((CASE c.conditionality_group WHEN 'work_preparation' THEN 1 WHEN 'work_focused_interview' THEN 2
      WHEN 'no_work_related_requirements' THEN 3 ELSE 0 END)::smallint, c.apprentice, (c.expected_hours * 100)::integer,
      iwp_band_rate((pr.end_key - iwp_date_key(c.date_of_birth)) / 10000, pr.m1, pr.r1, pr.m2, pr.r2, pr.m3, pr.r3,
                    pr.m4, pr.r4, pr.m5, pr.r5, pr.m6, pr.r6), pr.app_p) AS cet,
    CASE WHEN c.partner_id IS NOT NULL THEN iwp_cet_u((CASE p.conditionality_group WHEN 'work_preparation' THEN 1
      WHEN 'work_focused_interview' THEN 2 WHEN 'no_work_related_requirements' THEN 3 ELSE 0 END)::smallint,
      p.apprentice, (p.expected_hours * 100)::integer,
      iwp_band_rate((pr.end_key - iwp_date_key(p.date_of_birth)) / 10000, pr.m1, pr.r1, pr.m2, pr.r2, pr.m3, pr.r3,
                    pr.m4, pr.r4, pr.m5, pr.r5, pr.m6, pr.r6), pr.app_p) END AS pcet,
    CASE WHEN c.partner_id IS NULL AND c.has_non_uc_partner THEN 3500 * pr.adult_p::bigint * 52 END AS nu_part
  FROM span s
  JOIN claimants_earningsrecord e ON e.claimant_id = s.claimant_id AND e.is_current
  JOIN claimants_claimant c ON c.id = s.claimant_id
  LEFT JOIN claimants_claimant p ON p.id = c.partner_id
  LEFT JOIN claimants_earningsrecord pe
    ON pe.claimant_id = c.partner_id AND pe.period_start = e.period_start AND pe.is_current
  JOIN params pr ON pr.period_start = e.period_start
  WHERE s.n <= 24 OR e.period_start >= (
    SELECT x.period_start FROM claimants_earningsrecord x WHERE x.claimant_id = s.claimant_id AND x.is_current
    ORDER BY x.period_start DESC OFFSET 23 LIMIT 1)
), household AS (
  SELECT r.*, CASE r.kind WHEN 1 THEN r.cet + r.pcet WHEN 2 THEN r.cet + r.nu_part END AS hh FROM rows r
), decided AS (
  SELECT iwp_classify(h.grp, h.mif, h.emp, h.emp + h.slf, h.cet, h.kind > 0, h.emp + h.pemp,
           h.emp + h.slf + h.pemp + h.pslf, h.hh, h.aet_s, h.aet_c) AS code,
    CASE WHEN h.kind = 1 THEN iwp_classify(h.p_grp, h.p_mif, h.pemp, h.pemp + h.pslf, h.pcet, true, h.emp + h.pemp,
           h.emp + h.slf + h.pemp + h.pslf, h.hh, h.aet_s, h.aet_c) END AS p_code,
    iwp_money(h.aet_s) + coalesce(iwp_money(h.aet_c), 0) + iwp_money(h.cet) + coalesce(iwp_money(h.pcet), 0)
      + coalesce(iwp_money(h.hh), 0) AS shown
  FROM household h
)
SELECT iwp_regime_name(code) AS regime, count(*) AS periods, sum(shown) AS thresholds_shown
FROM decided GROUP BY 1;
