-- The floor's outcome rows (a fragment of classify_floor.sql): one row per AP in iwp_floor_outcome, a plain table
-- without indexes, with the thresholds as displayed.
  INSERT INTO iwp_floor_outcome
  SELECT d.claimant_id, d.period_start, iwp_regime_name(d.code), coalesce(iwp_regime_name(d.p_code), ''),
    iwp_money(d.aet_s), CASE WHEN d.kind > 0 THEN iwp_money(d.aet_c) END, iwp_money(d.cet),
    CASE WHEN d.kind = 1 THEN iwp_money(d.pcet) END, CASE WHEN d.kind > 0 THEN iwp_money(d.hh) END
  FROM decided d
  RETURNING regime
