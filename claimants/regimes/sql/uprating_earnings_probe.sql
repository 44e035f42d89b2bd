-- The APs decided, for a few of a chunk's claimants (a fragment of uprating_rows.sql): one probe of
-- (claimant_id, period_start) per claimant (OFFSET 0 keeps it from being flattened into a join). Scanning the
-- chunk's id range instead read every AP of the chunk for the movers of a real uprating, a tenth of it (78 ms for
-- their 26,400 APs of 300,000, against 20 ms probed); for a whole chunk the scan is the cheaper.
CROSS JOIN LATERAL (
    SELECT x.claimant_id, x.period_start, x.paydays, x.employed_earnings, x.self_employed_earnings,
      x.non_uc_partner_employed, x.non_uc_partner_self_employed
    FROM claimants_earningsrecord x
    WHERE x.claimant_id = s.claimant_id AND x.is_current AND x.period_start >= s.first_start
    OFFSET 0
  ) e
