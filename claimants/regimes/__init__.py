"""The regime engine and its jobs: the pure rules (``engine``), cycling, the taper, recalculation, the uprating,
the calculator and the IWP-offer list.

The landed migration ``0001_claimants_regimes`` names ``claimants.regimes.ConditionalityGroup`` (from the days
when the engine was the module ``claimants.regimes``); migrations are never edited, so that one name stays here.
"""

from claimants.regimes.engine import ConditionalityGroup

__all__ = ["ConditionalityGroup"]
