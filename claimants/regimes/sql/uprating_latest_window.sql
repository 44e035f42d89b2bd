-- Phase two's version of uprating_latest.sql: whole windows are decided, so each claimant's history is read in
-- one backward range scan of (claimant_id, period_start, id) from the window's first AP, keeping the latest row
-- of each period (DISTINCT ON), instead of one probe per AP; for a claimant phase one trusted (upr_trusted,
-- uprating_settle.sql) only from the change on. Same columns as uprating_latest.sql.
DROP TABLE IF EXISTS upr_old;
CREATE TEMP TABLE upr_old AS
SELECT r.claimant_id, r.period_start, a.id AS old_id, a.regime, a.partner_regime, a.employed_earnings,
  a.self_employed_earnings, a.easement_active, a.aet_individual, a.cet_individual, a.aet_couple, a.cet_partner,
  a.cet_household
FROM upr_rows r
LEFT JOIN upr_trusted t ON t.claimant_id = r.claimant_id
LEFT JOIN (
  SELECT h.* FROM upr_span s
  LEFT JOIN upr_trusted t ON t.claimant_id = s.claimant_id
  CROSS JOIN LATERAL (
    SELECT DISTINCT ON (x.period_start) x.claimant_id, x.period_start, x.id, x.regime, x.partner_regime,
      x.employed_earnings, x.self_employed_earnings, x.easement_active, x.aet_individual, x.cet_individual,
      x.aet_couple, x.cet_partner, x.cet_household
    FROM claimants_regimeassessment x
    WHERE x.claimant_id = s.claimant_id AND x.period_start >= greatest(s.first_start, t.from_start)
    ORDER BY x.period_start DESC, x.id DESC
  ) h
) a ON a.claimant_id = r.claimant_id AND a.period_start = r.period_start
-- A trusted claimant's APs before the change are left out: with no upr_old row they are never written.
WHERE r.period_start >= coalesce(t.from_start, '-infinity');
ANALYZE upr_old (claimant_id, period_start);
