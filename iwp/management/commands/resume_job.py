"""``manage.py resume_job ID``: run the parts of a failed or stalled background job that are not done."""

from django.core.management.base import BaseCommand, CommandError

from iwp.background.jobs import ResumeRefused, job_resume
from iwp.models import BackgroundJob


class Command(BaseCommand):
    help = "Resume a failed or stalled background job (the parts already done are kept)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("job_id", type=int)

    def handle(self, *args, job_id: int, **options) -> None:
        if not BackgroundJob.objects.filter(pk=job_id).exists():
            raise CommandError(f"There is no background job {job_id}")
        try:
            resumed = job_resume(job_id=job_id, actor=None, how="with manage.py resume_job")
        except ResumeRefused as refused:
            raise CommandError(f"Job {job_id} has not been resumed. {refused}") from refused
        if not resumed:
            raise CommandError(f"Job {job_id} cannot be resumed (it finished, or its kind has no resume)")
        self.stdout.write(f"Job {job_id} resumed: the parts not yet done have been sent again.")
