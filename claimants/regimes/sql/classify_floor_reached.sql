-- The claimants the floors and the preview decide (a fragment of classify_floor.sql, as its "reached"): all the
-- span.
SELECT s.* FROM span s
