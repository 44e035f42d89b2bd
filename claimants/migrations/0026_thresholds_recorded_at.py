"""When each threshold row (AET, wage rate) was added or last edited (issue #13): the uprating page refuses a date
that would skip a row recorded since the last uprating that included its date (uprating_thresholds_not_applied).

The column is added plain, then made ``auto_now``: added as ``auto_now`` straight away, Django would fill the
existing rows with the migration's time, and every reference row would look recorded after every uprating. Empty
means recorded before this was kept, and counts as applied."""

from django.db import migrations, models

HELP = "When the row was added or last edited"


class Migration(migrations.Migration):
    dependencies = [
        ("claimants", "0025_earnings_read_from_a_period"),
    ]

    operations = [
        migrations.AddField(
            model_name="aetparameter",
            name="recorded_at",
            field=models.DateTimeField(help_text=HELP, null=True, editable=False),
        ),
        migrations.AddField(
            model_name="wagerate",
            name="recorded_at",
            field=models.DateTimeField(help_text=HELP, null=True, editable=False),
        ),
        migrations.AlterField(
            model_name="aetparameter",
            name="recorded_at",
            field=models.DateTimeField(auto_now=True, help_text=HELP, null=True),
        ),
        migrations.AlterField(
            model_name="wagerate",
            name="recorded_at",
            field=models.DateTimeField(auto_now=True, help_text=HELP, null=True),
        ),
    ]
