-- Regime cycling (claimants/cycling.detect_cycling, rulebook §6) for the claimants of this chunk, set-based.
-- A crossing: the regime changes between consecutive APs of one run and the previous AP's earnings, decided with
-- this AP's parameters and circumstances, still give a different regime. Params: short_window, short_min,
-- long_window, long_min, marginal_percent (CyclingSettings).
DROP TABLE IF EXISTS upr_cross;
CREATE TEMP TABLE upr_cross AS
WITH x AS (
  -- upr_changed carries each changed AP's own figures beside the previous AP's.
  SELECT ch.claimant_id, ch.period_start, ch.prev_start, ch.code, ch.prev_code, ch.carried,
    ch.emp, ch.slf, ch.pemp, ch.pslf, ch.prev_emp, ch.prev_slf, ch.prev_pemp, ch.prev_pslf,
    ch.paydays, ch.prev_paydays, ch.grp, ch.mif, ch.kind, ch.cet, ch.hh, ch.aet_s, ch.aet_c,
    ch.prev_same_run, ch.prev2_code,
    -- The less conditional decision names the threshold that separates the two bands (cycling._crossed_limb).
    CASE WHEN iwp_regime_rank(ch.carried) < iwp_regime_rank(ch.code) THEN ch.carried ELSE ch.code END AS higher
  FROM upr_changed ch
  WHERE ch.same_run AND iwp_regime_rank(ch.carried) <> iwp_regime_rank(ch.code)
    -- A couple formed or separated between the two APs is a change of circumstances, not a crossing.
    AND (ch.kind > 0) = (ch.prev_kind > 0)
), limbs AS (
  SELECT x.*,
    (CASE x.higher WHEN 3 THEN 3 WHEN 4 THEN 4 WHEN 7 THEN 7 WHEN 8 THEN 8
      ELSE CASE WHEN iwp_regime_rank(x.higher) = 4 THEN 7 ELSE 3 END END)::smallint AS limb
  FROM x
), typical AS (
  -- The most common payday count among the window's APs that record one; ties go to the smaller count.
  SELECT DISTINCT ON (t.claimant_id) t.claimant_id, t.paydays AS typical
  FROM (
    SELECT r.claimant_id, r.paydays, count(*) AS seen FROM upr_rows r
    WHERE r.paydays IS NOT NULL AND r.claimant_id IN (SELECT x.claimant_id FROM x)
    GROUP BY r.claimant_id, r.paydays
  ) t
  ORDER BY t.claimant_id, t.seen DESC, t.paydays
), measured AS (
  SELECT l.*, ty.typical,
    CASE l.limb WHEN 7 THEN l.aet_s WHEN 8 THEN l.aet_c WHEN 3 THEN l.cet ELSE l.hh END AS threshold,
    CASE l.limb WHEN 7 THEN l.emp WHEN 3 THEN l.emp + l.slf WHEN 8 THEN l.emp + l.pemp
      ELSE l.emp + l.slf + l.pemp + l.pslf END AS now_p,
    CASE l.limb WHEN 7 THEN l.prev_emp WHEN 3 THEN l.prev_emp + l.prev_slf WHEN 8 THEN l.prev_emp + l.prev_pemp
      ELSE l.prev_emp + l.prev_slf + l.prev_pemp + l.prev_pslf END AS then_p,
    (ty.typical IS NOT NULL AND ty.typical <> 0
      AND ((l.prev_paydays IS NOT NULL AND l.prev_paydays <> ty.typical)
        OR (l.paydays IS NOT NULL AND l.paydays <> ty.typical))) AS check_pay
  FROM limbs l LEFT JOIN typical ty ON ty.claimant_id = l.claimant_id
), normalised AS (
  -- Employed pay scaled to the typical number of paydays, as numerator / denominator (exact); an AP with no
  -- payday borrows the other AP's pay per payday (cycling._normalised).
  SELECT m.*,
    CASE WHEN NOT m.check_pay OR m.prev_paydays IS NULL OR m.prev_paydays = m.typical THEN m.prev_emp
      WHEN m.prev_paydays > 0 THEN m.prev_emp * m.typical
      WHEN coalesce(m.paydays, m.typical) = 0 THEN m.prev_emp
      ELSE m.emp * m.typical END AS nb_num,
    CASE WHEN NOT m.check_pay OR m.prev_paydays IS NULL OR m.prev_paydays = m.typical THEN 1
      WHEN m.prev_paydays > 0 THEN m.prev_paydays
      WHEN coalesce(m.paydays, m.typical) = 0 THEN 1
      ELSE coalesce(m.paydays, m.typical) END::bigint AS nb_den,
    CASE WHEN NOT m.check_pay OR m.paydays IS NULL OR m.paydays = m.typical THEN m.emp
      WHEN m.paydays > 0 THEN m.emp * m.typical
      WHEN coalesce(m.prev_paydays, m.typical) = 0 THEN m.emp
      ELSE m.prev_emp * m.typical END AS na_num,
    CASE WHEN NOT m.check_pay OR m.paydays IS NULL OR m.paydays = m.typical THEN 1
      WHEN m.paydays > 0 THEN m.paydays
      WHEN coalesce(m.prev_paydays, m.typical) = 0 THEN 1
      ELSE coalesce(m.prev_paydays, m.typical) END::bigint AS na_den
  FROM measured m
)
SELECT n.claimant_id, n.period_start, n.prev_start, n.code, n.prev_code, n.limb, n.threshold, n.now_p, n.then_p,
  n.paydays, n.prev_paydays, n.typical,
  (CASE WHEN iwp_regime_rank(n.code) < iwp_regime_rank(n.prev_code) THEN 'up' ELSE 'down' END) AS direction,
  (abs(n.now_p * 1200 - n.threshold) * 100 <= n.threshold * %(marginal_percent)s::numeric
    AND abs(n.then_p * 1200 - n.threshold) * 100 <= n.threshold * %(marginal_percent)s::numeric) AS marginal,
  (n.check_pay AND iwp_regime_rank(iwp_classify(n.grp, n.mif, n.nb_num, n.nb_num + n.prev_slf * n.nb_den,
      n.cet * n.nb_den, n.kind > 0, n.nb_num + n.prev_pemp * n.nb_den,
      n.nb_num + (n.prev_slf + n.prev_pemp + n.prev_pslf) * n.nb_den, n.hh * n.nb_den, n.aet_s * n.nb_den,
      n.aet_c * n.nb_den))
    = iwp_regime_rank(iwp_classify(n.grp, n.mif, n.na_num, n.na_num + n.slf * n.na_den,
      n.cet * n.na_den, n.kind > 0, n.na_num + n.pemp * n.na_den,
      n.na_num + (n.slf + n.pemp + n.pslf) * n.na_den, n.hh * n.na_den, n.aet_s * n.na_den,
      n.aet_c * n.na_den))) AS pay_cycle,
  -- The higher-earnings band held for 2 APs of the run: this AP and the next after a rise, the two before a fall.
  (CASE WHEN iwp_regime_rank(n.code) < iwp_regime_rank(n.prev_code)
    THEN coalesce(nx.same_run AND iwp_regime_rank(nx.code) = iwp_regime_rank(n.code), false)
    ELSE coalesce(n.prev_same_run AND iwp_regime_rank(n.prev2_code) = iwp_regime_rank(n.prev_code), false)
   END) AS held
FROM normalised n
LEFT JOIN upr_rows nx ON nx.claimant_id = n.claimant_id AND nx.prev_start = n.period_start;

DROP TABLE IF EXISTS upr_cycling;
CREATE TEMP TABLE upr_cycling AS
WITH counted AS (
  SELECT * FROM upr_cross WHERE NOT pay_cycle
), candidates AS (
  SELECT claimant_id FROM counted GROUP BY claimant_id HAVING count(*) >= least(%(short_min)s, %(long_min)s)
), runs AS (
  -- Windows never span an easement, No work-related requirements or a gap: number the APs and the runs.
  SELECT r.claimant_id, r.period_start, row_number() OVER w AS i,
    sum(CASE WHEN NOT r.easement AND r.code <> 1 AND NOT r.same_run THEN 1 ELSE 0 END) OVER w AS run_id
  FROM upr_rows r
  WHERE r.claimant_id IN (SELECT claimant_id FROM candidates)
  WINDOW w AS (PARTITION BY r.claimant_id ORDER BY r.period_start ROWS UNBOUNDED PRECEDING)
), windows AS (
  -- The best window of N APs starts just before one of its crossings: count the crossings from each crossing
  -- to N - 2 APs on, within its run.
  SELECT c.claimant_id,
    count(*) OVER (PARTITION BY c.claimant_id, ru.run_id ORDER BY ru.i
                   RANGE BETWEEN CURRENT ROW AND %(short_span)s FOLLOWING) AS short_n,
    count(*) OVER (PARTITION BY c.claimant_id, ru.run_id ORDER BY ru.i
                   RANGE BETWEEN CURRENT ROW AND %(long_span)s FOLLOWING) AS long_n
  FROM counted c JOIN runs ru ON ru.claimant_id = c.claimant_id AND ru.period_start = c.period_start
), best AS (
  SELECT claimant_id, max(short_n) AS short_n, max(long_n) AS long_n FROM windows GROUP BY claimant_id
), seasonal AS (
  -- Same-direction counted crossings 11 to 13 calendar months apart, the higher band held each time.
  SELECT DISTINCT a.claimant_id
  FROM counted a
  JOIN counted z ON z.claimant_id = a.claimant_id AND z.period_start > a.period_start AND z.direction = a.direction
  WHERE a.held AND z.held
    AND (extract(year FROM z.period_start) - extract(year FROM a.period_start)) * 12
      + extract(month FROM z.period_start) - extract(month FROM a.period_start) BETWEEN 11 AND 13
), flags AS (
  SELECT x.claimant_id,
    coalesce(b.short_n >= %(short_min)s OR b.long_n >= %(long_min)s, false) AS regime_cycling,
    coalesce(bool_and(x.marginal) FILTER (WHERE NOT x.pay_cycle), false) AS all_marginal,
    bool_or(x.pay_cycle) AS pay_cycle, bool_or(s.claimant_id IS NOT NULL) AS seasonal,
    b.short_n, b.long_n
  FROM upr_cross x
  LEFT JOIN best b ON b.claimant_id = x.claimant_id
  LEFT JOIN seasonal s ON s.claimant_id = x.claimant_id
  GROUP BY x.claimant_id, b.short_n, b.long_n
), described AS (
  SELECT x.claimant_id, x.period_start,
    to_char(x.prev_start, 'FMMonth YYYY') || ' → ' || to_char(x.period_start, 'FMMonth YYYY') || ': '
    || ('{No work-related requirements,Working Enough,Working Enough,Working Enough,Preparing for work,Planning for work,Light Touch,Light Touch,Intensive Work Search}'::text[])[x.prev_code]
    || ' → '
    || ('{No work-related requirements,Working Enough,Working Enough,Working Enough,Preparing for work,Planning for work,Light Touch,Light Touch,Intensive Work Search}'::text[])[x.code]
    || ', ' || CASE WHEN x.limb IN (4, 8) THEN 'the couple''s ' ELSE '' END
    || '£' || to_char(x.now_p::numeric / 100, 'FM999,999,990.00') || ' '
    || CASE x.direction WHEN 'up' THEN 'crossed' ELSE 'fell below' END || ' the '
    || CASE x.limb WHEN 7 THEN 'single AET' WHEN 8 THEN 'couple AET' WHEN 3 THEN 'CET' ELSE 'household CET' END
    || ' of £' || to_char(iwp_money(x.threshold), 'FM999,999,990.00')
    || CASE
      WHEN x.pay_cycle THEN ' — a pay-cycle effect ('
        || CASE WHEN x.paydays IS NOT NULL AND x.paydays <> x.typical
             THEN to_char(x.period_start, 'FMMonth YYYY') || ' had ' || x.paydays
             ELSE to_char(x.prev_start, 'FMMonth YYYY') || ' had ' || x.prev_paydays END
        || ' paydays against the usual ' || x.typical || '), not counted'
      WHEN x.marginal THEN ' (within ' || %(marginal_percent_text)s || '%% of the threshold)'
      ELSE '' END || '.' AS line
  FROM upr_cross x
), lines AS (
  SELECT d.claimant_id, array_agg(d.line ORDER BY d.period_start) AS lines FROM described d GROUP BY d.claimant_id
)
SELECT f.claimant_id, f.regime_cycling, f.regime_cycling AND f.all_marginal AS marginal, f.pay_cycle, f.seasonal,
  CASE WHEN f.regime_cycling OR f.pay_cycle OR f.seasonal THEN to_jsonb(array_remove(
    ARRAY[CASE WHEN f.regime_cycling THEN
      'Regime cycling: ' || CASE WHEN f.short_n >= %(short_min)s THEN f.short_n || ' crossings within '
        || %(short_window)s ELSE f.long_n || ' crossings within ' || %(long_window)s END
      || ' assessment periods (the flag is raised at ' || %(short_min)s || ' crossings in ' || %(short_window)s
      || ' assessment periods, or ' || %(long_min)s || ' in ' || %(long_window)s || ').' END]
    || l.lines
    || ARRAY[
      CASE WHEN f.regime_cycling AND f.all_marginal THEN 'Marginal: every counted crossing was within '
        || %(marginal_percent_text)s || '%% of the threshold crossed, so a few hours more a month would keep the claimant on one side.' END,
      CASE WHEN f.seasonal THEN 'Seasonal: the same change in the same months of consecutive years, with the higher band held for at least 2 assessment periods each time.' END,
      CASE WHEN f.pay_cycle THEN 'Pay cycle: some changes come only from the number of paydays in an assessment period; they are shown for information and not counted.' END],
    NULL)) ELSE '[]'::jsonb END AS explanation
FROM flags f JOIN lines l ON l.claimant_id = f.claimant_id;
