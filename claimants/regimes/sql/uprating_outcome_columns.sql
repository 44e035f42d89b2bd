-- The outcome columns of a history row x that upr_old keeps (uprating_latest.sql, uprating_latest_window.sql), the
-- preview reads (uprating_preview_counts.sql) and uprating_outcome_differs.sql compares: one list for all three.
x.id AS old_id, x.regime, x.partner_regime, x.employed_earnings, x.self_employed_earnings, x.easement_active,
  x.aet_individual, x.cet_individual, x.aet_couple, x.cet_partner, x.cet_household
