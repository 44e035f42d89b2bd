"""A draft of the next claimant commitment now sits beside the version in force instead of superseding it.

``one_live_commitment_per_claimant`` (one version that is not superseded) becomes two rules: at most one version
in force (issued or accepted) and at most one draft per claimant.

Under the old rule, starting a draft superseded the version in force at once. Such a version (the one just
before a draft that is still open) is put back in force here, as discarding the draft would have done, so that
its overdue flag and reminders come back. Going backwards supersedes it again before the old rule returns.
"""

from django.db import migrations, models
from django.db.models import F, Q

IN_FORCE = ["issued", "accepted"]


def put_back_in_force(apps, schema_editor):
    Commitment = apps.get_model("claimants", "ClaimantCommitment")
    for draft in Commitment.objects.filter(status="draft").only("claimant_id", "version"):
        previous = (
            Commitment.objects.filter(claimant_id=draft.claimant_id, version__lt=draft.version)
            .order_by("-version")
            .first()
        )
        if previous is None or previous.status != "superseded" or previous.issued_at is None:
            continue
        if Commitment.objects.filter(claimant_id=draft.claimant_id, status__in=IN_FORCE).exists():
            continue
        Commitment.objects.filter(pk=previous.pk).update(
            status="accepted" if previous.accepted_at else "issued", lock_version=F("lock_version") + 1
        )


def supersede_beside_draft(apps, schema_editor):
    Commitment = apps.get_model("claimants", "ClaimantCommitment")
    with_draft = Commitment.objects.filter(status="draft").values("claimant_id")
    Commitment.objects.filter(claimant_id__in=with_draft, status__in=IN_FORCE).update(
        status="superseded", lock_version=F("lock_version") + 1
    )


class Migration(migrations.Migration):
    dependencies = [("claimants", "0004_regime_sql_functions")]

    operations = [
        migrations.RemoveConstraint(
            model_name="claimantcommitment",
            name="one_live_commitment_per_claimant",
        ),
        migrations.RunPython(put_back_in_force, supersede_beside_draft),
        migrations.AddConstraint(
            model_name="claimantcommitment",
            constraint=models.UniqueConstraint(
                condition=Q(("status__in", ["issued", "accepted"])),
                fields=("claimant",),
                name="one_in_force_commitment_per_claimant",
            ),
        ),
        migrations.AddConstraint(
            model_name="claimantcommitment",
            constraint=models.UniqueConstraint(
                condition=Q(("status", "draft")),
                fields=("claimant",),
                name="one_draft_commitment_per_claimant",
            ),
        ),
    ]
