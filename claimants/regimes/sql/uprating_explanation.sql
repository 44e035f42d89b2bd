-- The short explanation of a row the uprating writes (a fragment: uprating_insert.sql and the benchmark's floor
-- that writes history, classify_floor_history.sql): the limb that decided, with its figures (the per-claimant
-- engine writes the long one). w: a decided AP (code, emp, slf, pemp, pslf in pence; cet, hh, aet_s, aet_c in
-- pence x 1200). Param: effective_from_text.
  jsonb_build_array('Recalculated after the uprating from ' || %(effective_from_text)s || ': ' || CASE w.code
    WHEN 1 THEN 'no work-related requirements because of your circumstances, so earnings do not change it'
    WHEN 2 THEN 'the Minimum Income Floor applies to your self-employment'
    WHEN 3 THEN '£' || to_char((w.emp + w.slf)::numeric / 100, 'FM999,999,990.00') || ' earnings against your CET of £'
      || to_char(iwp_money(w.cet), 'FM999,999,990.00')
    WHEN 4 THEN 'the couple''s £' || to_char((w.emp + w.slf + w.pemp + w.pslf)::numeric / 100, 'FM999,999,990.00')
      || ' earnings against the household CET of £' || to_char(iwp_money(w.hh), 'FM999,999,990.00')
    WHEN 7 THEN '£' || to_char(w.emp::numeric / 100, 'FM999,999,990.00')
      || ' employed earnings against the single AET of £' || to_char(iwp_money(w.aet_s), 'FM999,999,990.00')
    WHEN 8 THEN 'the couple''s £' || to_char((w.emp + w.pemp)::numeric / 100, 'FM999,999,990.00')
      || ' employed earnings against the couple AET of £' || to_char(iwp_money(w.aet_c), 'FM999,999,990.00')
    WHEN 9 THEN '£' || to_char(w.emp::numeric / 100, 'FM999,999,990.00')
      || ' employed earnings against the single AET of £' || to_char(iwp_money(w.aet_s), 'FM999,999,990.00')
    ELSE '£' || to_char((w.emp + w.slf)::numeric / 100, 'FM999,999,990.00') || ' earnings below your CET of £'
      || to_char(iwp_money(w.cet), 'FM999,999,990.00')
    END || ' → ' || ('{No work-related requirements,Working Enough,Working Enough,Working Enough,Preparing for work,Planning for work,Light Touch,Light Touch,Intensive Work Search}'::text[])[w.code] || '.')
