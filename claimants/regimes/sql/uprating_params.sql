-- The parameters in force on each day an AP of this chunk can start (rulebook §3: those in force on the AP's
-- first day apply to the whole AP), as exact integers: AET thresholds in pence x 1200, hourly rates in pence, and
-- up to six age bands oldest first. Apprentices without a row on a date carry the previous apprentice rate
-- forward (claimants/selectors.rate_tables). No row in force leaves NULLs, and those APs are not decided.
DROP TABLE IF EXISTS upr_params;
CREATE TEMP TABLE upr_params AS
WITH wage_dates AS (
  SELECT w.effective_from AS wage_from,
    array_agg(w.min_age ORDER BY w.min_age DESC) FILTER (WHERE w.band <> 'apprentice') AS mins,
    array_agg((w.rate * 100)::integer ORDER BY w.min_age DESC) FILTER (WHERE w.band <> 'apprentice') AS rates,
    max(w.rate) FILTER (WHERE w.band <> 'apprentice' AND w.max_age IS NULL) AS adult_rate,
    min(w.rate) FILTER (WHERE w.band <> 'apprentice') AS lowest_rate
  FROM claimants_wagerate w
  GROUP BY w.effective_from
), wages AS (
  SELECT wd.*, coalesce(
      (SELECT a.rate FROM claimants_wagerate a
       WHERE a.band = 'apprentice' AND a.effective_from <= wd.wage_from
       ORDER BY a.effective_from DESC LIMIT 1),
      (SELECT f.lowest_rate FROM wage_dates f ORDER BY f.wage_from LIMIT 1)) AS apprentice_rate
  FROM wage_dates wd
), days AS (
  SELECT d::date AS period_start, iwp_period_end(d::date) AS period_end
  FROM generate_series(
    (SELECT min(first_start) FROM upr_span), (SELECT max(last_start) FROM upr_span), interval '1 day') d
)
SELECT d.period_start, d.period_end, iwp_date_key(d.period_end) AS end_key,
  coalesce(a.single_cash * 120000, a.single_hours * a.hourly_rate * 520000)::bigint AS aet_s,
  coalesce(a.couple_cash * 120000, a.couple_hours * a.hourly_rate * 520000)::bigint AS aet_c,
  (w.adult_rate * 100)::integer AS adult_p, (w.apprentice_rate * 100)::integer AS app_p,
  w.mins[1] AS m1, w.rates[1] AS r1, w.mins[2] AS m2, w.rates[2] AS r2, w.mins[3] AS m3, w.rates[3] AS r3,
  w.mins[4] AS m4, w.rates[4] AS r4, w.mins[5] AS m5, w.rates[5] AS r5, w.mins[6] AS m6, w.rates[6] AS r6,
  cardinality(w.mins) AS bands
FROM days d
LEFT JOIN LATERAL (
  SELECT * FROM claimants_aetparameter x WHERE x.effective_from <= d.period_start
  ORDER BY x.effective_from DESC LIMIT 1) a ON true
LEFT JOIN LATERAL (
  SELECT * FROM wages x WHERE x.wage_from <= d.period_start ORDER BY x.wage_from DESC LIMIT 1) w ON true;
-- One row per day: indexed so a join on period_start is a lookup even when the planner misjudges the rows.
CREATE UNIQUE INDEX ON upr_params (period_start);
