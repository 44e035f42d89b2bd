-- The outcome columns of a history row x: phase one and the preview keep them (uprating_latest_row.sql), phase two
-- copies them to upr_old (uprating_latest_window.sql), uprating_outcome_differs.sql compares them: one list for all.
x.id AS old_id, x.regime, x.partner_regime, x.employed_earnings, x.self_employed_earnings, x.easement_active,
  x.aet_individual, x.cet_individual, x.aet_couple, x.cet_partner, x.cet_household
