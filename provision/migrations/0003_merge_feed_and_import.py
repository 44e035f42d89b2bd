# Joins the two lines of work on the provision list (the import keeping unknowns and curation; the feed).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("provision", "0002_import_unknowns_and_curation"),
        ("provision", "0002_oruk_feed_session_dates_keys"),
    ]

    operations = []
