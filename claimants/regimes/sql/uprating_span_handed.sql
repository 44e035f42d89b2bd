-- Phase two's claimants after phase one (uprating_settle.sql hands them over in upr_trusted: those it reached and
-- did not settle, compared from the change on, and those of its span it could not reach, compared in full), each
-- with their window, as uprating_span.sql gives it. Read claimant by claimant, each one's current APs from the
-- index: in a real uprating they are a tenth of the chunk or fewer, and reading the chunk's whole range of earnings
-- to find them cost 50-70 ms a chunk (2,112 claimants of 25,000 at 1,000,000). The claimants are phase one's, as of
-- its statement: a claimant whose first AP from the change on arrives from the earnings feed between the two phases
-- (the feed does not lock claimant rows) is left to the recalculation the feed sends on commit, as one arriving
-- just after the chunk would be.
DROP TABLE IF EXISTS upr_span;
CREATE TEMP TABLE upr_span AS
SELECT s.claimant_id, s.last_start, /* include uprating_window_start */, t.from_start AS compare_from
FROM upr_trusted t
CROSS JOIN LATERAL (
  SELECT t.claimant_id, count(*) AS n, min(e.period_start) AS first_start, max(e.period_start) AS last_start
  FROM claimants_earningsrecord e
  WHERE e.claimant_id = t.claimant_id AND e.is_current
) s;
