-- The outcome columns of a history row x: phase one and the preview keep them (uprating_latest_row.sql), phase two
-- copies them to upr_old (uprating_latest_window.sql), uprating_outcome_differs.sql compares them: one list for all.
-- The regime and the outcome's fingerprint are in the (claimant_id, period_start, id) index, so reading them is
-- index-only (migrations 0020 and 0021).
x.id AS old_id, x.regime, x.outcome_fingerprint
