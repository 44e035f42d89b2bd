"""What people type, made safe once for every app: GOV.UK date, time and postcode fields (``fields``), the range
each kind of date allows (``dates``) and one-time form tokens (``once``)."""
