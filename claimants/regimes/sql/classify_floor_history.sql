-- The floor that writes history (a fragment of classify_floor.sql; the benchmark's "floor writing history"): the
-- same decisions written as the uprating must write them, one row per AP into the real history table with its
-- indexes and the job's explanation, so the job's distance from its floor can be split into what writing history
-- costs and what the job's own pipeline costs. The caller rolls it back. The floor knows no previous AP: each row
-- is written as phase one writes a settled claimant's (uprating_settled_row.sql). Params: job_id (none),
-- effective_from_text.
written AS (
  INSERT INTO /* include uprating_settled_row */
  FROM decided w
  RETURNING regime
)
