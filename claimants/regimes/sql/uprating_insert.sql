-- The new history rows, for the decided APs whose outcome differs from their latest history row
-- (uprating_history_row.sql). History is insert-only (issue #13): the new row has the highest id of its period, so
-- it is the outcome in force; the row it replaces is left as it was. Params: job_id, effective_from_text (e.g.
-- "7 April 2025").
INSERT INTO /* include uprating_history_row */
FROM upr_rows w
-- The latest history row of the AP; none when it was never calculated (uprating_latest_window.sql copies only
-- periods with history).
LEFT JOIN upr_old a ON a.claimant_id = w.claimant_id AND a.period_start = w.period_start
-- Only the APs compared with history (upr_span.compare_from: a claimant phase one trusted, from the change on)
-- whose outcome differs from their latest history row (uprating_outcome_differs.sql, shared with the preview),
-- compared here rather than first copied to a table of their own: in a first calculation every row is written,
-- and the copy cost about 1 µs a row.
WHERE w.compared AND /* include uprating_outcome_differs */;
