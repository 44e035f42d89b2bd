-- The thresholds of a decided AP w as a history row shows them (pounds, to the penny): aet_individual, aet_couple,
-- cet_individual, cet_partner, cet_household, in that order. A fragment: the history row the uprating writes
-- (uprating_history_row.sql), the floors' outcomes (classify_floor_outcome.sql, classify_floor_history.sql) and
-- classify_rows_sql. w: cet, pcet, hh, aet_s, aet_c in pence x 1200; kind 0 single, 1 partner a claimant, 2 not.
iwp_money(w.aet_s), CASE WHEN w.kind > 0 THEN iwp_money(w.aet_c) END, iwp_money(w.cet),
  CASE WHEN w.kind = 1 THEN iwp_money(w.pcet) END, CASE WHEN w.kind > 0 THEN iwp_money(w.hh) END
