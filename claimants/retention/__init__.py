"""Retention (issue #15 item 6): claimants whose claim closed ``IWP_RETENTION_YEARS`` ago (default six) are
anonymised: their personal data is replaced, their rows and numbers are kept so every aggregate figure stays the
same. ``rules`` is pure (who is due, the anonymised values), ``registry`` says which words of which table are
replaced (each app registers its own tables), ``services`` writes (closing a claim, anonymising in batches),
``tasks`` is the nightly beat entry. Reversible only from a backup. See /work/notes/retention.md."""
