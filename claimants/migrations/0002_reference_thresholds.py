"""Load the rulebook's reference thresholds and wage rates (uc-regimes.md §2), so any fresh database can decide
any assessment period from April 2022 on. The figures are copied here, not imported, so this migration never
changes after it lands."""

from datetime import date
from decimal import Decimal

from django.db import migrations

# (effective_from, single_cash, couple_cash, single_hours, couple_hours, hourly_rate)
AET = [
    ('2022-04-01', '355.00', '567.00', None, None, None),
    ('2022-09-26', None, None, '12', '19', '9.50'),
    ('2023-01-30', None, None, '15', '24', '9.50'),
    ('2023-04-01', None, None, '15', '24', '10.42'),
    ('2024-04-01', None, None, '15', '24', '11.44'),
    ('2024-05-13', None, None, '18', '29', '11.44'),
    ('2025-04-07', None, None, '18', '29', '12.21'),
    ('2026-04-06', None, None, '18', '29', '12.71'),
]

# (effective_from, band, min_age, max_age, rate)
WAGES = [
    ('2019-04-01', 'adult', 25, None, '8.21'),
    ('2019-04-01', 'young_adult', 21, 24, '7.70'),
    ('2019-04-01', '18_20', 18, 20, '6.15'),
    ('2019-04-01', '16_17', 16, 17, '4.35'),
    ('2019-04-01', 'apprentice', None, None, '3.90'),
    ('2020-04-01', 'adult', 25, None, '8.72'),
    ('2020-04-01', 'young_adult', 21, 24, '8.20'),
    ('2020-04-01', '18_20', 18, 20, '6.45'),
    ('2020-04-01', '16_17', 16, 17, '4.55'),
    ('2020-04-01', 'apprentice', None, None, '4.15'),
    ('2021-04-01', 'adult', 23, None, '8.91'),
    ('2021-04-01', 'young_adult', 21, 22, '8.36'),
    ('2021-04-01', '18_20', 18, 20, '6.56'),
    ('2021-04-01', '16_17', 16, 17, '4.62'),
    ('2021-04-01', 'apprentice', None, None, '4.30'),
    ('2022-04-01', 'adult', 23, None, '9.50'),
    ('2022-04-01', 'young_adult', 21, 22, '9.18'),
    ('2022-04-01', '18_20', 18, 20, '6.83'),
    ('2022-04-01', '16_17', 16, 17, '4.81'),
    ('2022-04-01', 'apprentice', None, None, '4.81'),
    ('2023-04-01', 'adult', 23, None, '10.42'),
    ('2023-04-01', 'young_adult', 21, 22, '10.18'),
    ('2023-04-01', '18_20', 18, 20, '7.49'),
    ('2023-04-01', '16_17', 16, 17, '5.28'),
    ('2023-04-01', 'apprentice', None, None, '5.28'),
    ('2024-04-01', 'adult', 21, None, '11.44'),
    ('2024-04-01', '18_20', 18, 20, '8.60'),
    ('2024-04-01', '16_17', 16, 17, '6.40'),
    ('2024-04-01', 'apprentice', None, None, '6.40'),
    ('2025-04-01', 'adult', 21, None, '12.21'),
    ('2025-04-01', '18_20', 18, 20, '10.00'),
    ('2025-04-01', '16_17', 16, 17, '7.55'),
    ('2025-04-01', 'apprentice', None, None, '7.55'),
    ('2026-04-01', 'adult', 21, None, '12.71'),
    ('2026-04-01', '18_20', 18, 20, '10.85'),
    ('2026-04-01', '16_17', 16, 17, '8.00'),
    ('2026-04-01', 'apprentice', None, None, '8.00'),
]


def _d(value):
    return None if value is None else Decimal(value)


def load(apps, schema_editor):
    AetParameter = apps.get_model("claimants", "AetParameter")
    WageRate = apps.get_model("claimants", "WageRate")
    for effective_from, single_cash, couple_cash, single_hours, couple_hours, hourly_rate in AET:
        AetParameter.objects.update_or_create(
            effective_from=date.fromisoformat(effective_from),
            defaults=dict(single_cash=_d(single_cash), couple_cash=_d(couple_cash), single_hours=_d(single_hours),
                          couple_hours=_d(couple_hours), hourly_rate=_d(hourly_rate),
                          note="Reference figure from the rulebook (uc-regimes.md §2)"),
        )
    for effective_from, band, min_age, max_age, rate in WAGES:
        WageRate.objects.update_or_create(
            effective_from=date.fromisoformat(effective_from), band=band,
            defaults=dict(min_age=min_age, max_age=max_age, rate=Decimal(rate)),
        )


def unload(apps, schema_editor):
    apps.get_model("claimants", "AetParameter").objects.all().delete()
    apps.get_model("claimants", "WageRate").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("claimants", "0001_claimants_regimes")]
    operations = [migrations.RunPython(load, unload)]
