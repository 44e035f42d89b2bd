"""The district's provision list as Open Referral UK (UK profile 3.0, HSDS 3): one serialiser (``serialise``)
used by the ``export_provision`` command and the read-only feed API (``api``), the feed's reads
(``selectors``) and its read keys (``keys``)."""
