-- Phase one's result (a fragment of classify_floor.sql, after uprating_settle.sql): the APs decided, the
-- claimants settled, the rows written and the claimants handed to phase two.
SELECT (SELECT count(*) FROM written), (SELECT count(*) FROM settled), (SELECT count(*) FROM inserted),
  (SELECT count(*) FROM trusted)
