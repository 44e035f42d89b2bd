-- The claimant rows' denormalised regime, cycling flags and IWP-offer status (claimant_recalculate's refresh),
-- rewritten only where something changed. Params: today.
DROP TABLE IF EXISTS upr_claimants;
CREATE TEMP TABLE upr_claimants AS
WITH since AS (
  -- One pass over the decided APs per claimant: the final run of one regime starts at the last AP whose regime
  -- differs from the one before it; the latest decided AP gives the regime now. (Joining upr_rows again for the
  -- latest AP made the planner loop over this aggregate once per claimant.)
  SELECT r.claimant_id,
    max(r.period_start) FILTER (
      WHERE r.prev_code IS NULL OR iwp_regime_rank(r.code) <> iwp_regime_rank(r.prev_code)) AS regime_since,
    max(r.period_start) AS latest_start,
    -- The latest AP's code from a packed maximum (days since 1900 x 16 + code): a plain max, where an ordered
    -- array_agg sorted every claimant's APs.
    (max((r.period_start - date '1900-01-01')::bigint * 16 + r.code) %% 16)::smallint AS code
  FROM upr_rows r GROUP BY r.claimant_id
)
SELECT n.*,
  -- The IWP voluntary offer is open to Light Touch and Working Enough (rulebook §7).
  CASE WHEN n.offer_was = 'not_eligible' AND n.offered THEN 'eligible'
    WHEN n.offer_was = 'eligible' AND NOT n.offered THEN 'not_eligible'
    ELSE n.offer_was END AS offer_status,
  CASE WHEN n.offer_was = 'not_eligible' AND n.offered THEN %(today)s::date
    WHEN n.offer_was = 'eligible' AND NOT n.offered THEN NULL
    ELSE n.offer_since_was END AS offer_since
FROM (
  -- As claimant_recalculate: the regime now is the last AP decided, which is not the latest AP when that one cannot
  -- be decided (recalculation.py); with no AP decided at all, the regime and its dates stay as they were. The
  -- cycling flags are always the window's.
  SELECT c.id AS claimant_id, c.current_regime AS old_regime,
    coalesce(iwp_regime_name(s.code), c.current_regime) AS regime,
    CASE WHEN s.claimant_id IS NULL THEN c.current_period_start ELSE s.latest_start END AS current_period_start,
    CASE WHEN s.claimant_id IS NULL THEN c.regime_since ELSE s.regime_since END AS regime_since,
    coalesce(f.regime_cycling, false) AS regime_cycling, coalesce(f.seasonal, false) AS seasonal,
    coalesce(f.marginal, false) AS marginal, coalesce(f.pay_cycle, false) AS pay_cycle,
    coalesce(f.explanation, '[]'::jsonb) AS explanation,
    coalesce(s.code IN (2, 3, 4, 7, 8), c.current_regime IN ('working_enough', 'light_touch')) AS offered,
    c.iwp_offer_status AS offer_was, c.iwp_offer_eligible_since AS offer_since_was
  FROM upr_span sp
  JOIN claimants_claimant c ON c.id = sp.claimant_id AND c.id >= %(lo)s AND c.id < %(hi)s
  LEFT JOIN since s ON s.claimant_id = sp.claimant_id
  LEFT JOIN upr_cycling f ON f.claimant_id = sp.claimant_id
) n;

-- Who moved from one regime to another, kept for the job page's list (claimants.RegimeMove): the comparison the job
-- counts its moves by, so the list is the figure. A claimant with no regime before is decided for the first time,
-- not moved (counted apart; in a first full calculation that is everyone). None outside a job (checks, profiles).
INSERT INTO claimants_regimemove (job_id, claimant_id, from_regime, to_regime)
SELECT %(job_id)s, n.claimant_id, n.old_regime, n.regime FROM upr_claimants n
WHERE n.old_regime <> n.regime AND n.old_regime <> '' AND %(job_id)s::bigint IS NOT NULL;

UPDATE claimants_claimant c SET
  current_regime = n.regime, current_period_start = n.current_period_start, regime_since = n.regime_since,
  regime_cycling = n.regime_cycling, cycling_seasonal = n.seasonal, cycling_marginal = n.marginal,
  cycling_pay_cycle = n.pay_cycle, cycling_explanation = n.explanation, iwp_offer_status = n.offer_status,
  iwp_offer_eligible_since = n.offer_since, updated_at = now()
FROM upr_claimants n
WHERE c.id = n.claimant_id AND c.id >= %(lo)s AND c.id < %(hi)s AND (
  c.current_regime IS DISTINCT FROM n.regime OR c.current_period_start IS DISTINCT FROM n.current_period_start
  OR c.regime_since IS DISTINCT FROM n.regime_since OR c.regime_cycling <> n.regime_cycling
  OR c.cycling_seasonal <> n.seasonal OR c.cycling_marginal <> n.marginal OR c.cycling_pay_cycle <> n.pay_cycle
  OR c.cycling_explanation <> n.explanation OR c.iwp_offer_status <> n.offer_status
  OR c.iwp_offer_eligible_since IS DISTINCT FROM n.offer_since);
