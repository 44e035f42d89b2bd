-- The claimants of lo <= id < hi waiting for a recalculation (a fragment: phase one leaves them to phase two,
-- uprating_from.sql; the preview counts them, uprating_preview_result.sql). A claimant marked for a recalculation
-- that has not run yet (Claimant.regime_stale_since: earnings or facts changed, the recalculation queued) has
-- history that may not match what is recorded now, before the change as much as after it (a back-filled or
-- corrected AP). So has a claimant whose joint partner, in any version of their facts, is marked: a partner's
-- earnings or date of birth decide the household's APs too, and such a change marks only the partner. Few, found
-- by the partial index on the mark (and the facts' index on the partner), once a chunk.
SELECT x.id FROM claimants_claimant x
WHERE x.regime_stale_since IS NOT NULL AND x.id >= %(lo)s AND x.id < %(hi)s
UNION ALL
SELECT v.claimant_id FROM claimants_claimantfacts v
WHERE v.claimant_id >= %(lo)s AND v.claimant_id < %(hi)s
  AND v.partner_id IN (SELECT y.id FROM claimants_claimant y WHERE y.regime_stale_since IS NOT NULL)
