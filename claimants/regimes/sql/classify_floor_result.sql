-- The floors' result (a fragment of classify_floor.sql): the outcomes written, counted per regime.
SELECT w.regime, count(*)::bigint AS periods FROM written w GROUP BY 1
