from django.apps import AppConfig


class ClaimantsConfig(AppConfig):
    name = "claimants"
    verbose_name = "Claimants and regimes"

    def ready(self) -> None:
        from claimants import audit_log, figures, timeline
        from claimants.progression import figures as progression_figures
        from claimants.record import caseload
        from claimants.regimes import uprating
        from claimants.retention import tables as retention_tables
        from claimants.retention.registry import registry as retention_registry
        from claimants.support_fund import figures as support_fund_figures
        from iwp.background.jobs import register_resumer
        from iwp.figures import registry

        caseload.register_claimant_items()
        audit_log.register()  # the audit page's claimant filter
        figures.register(registry)
        support_fund_figures.register(registry)
        progression_figures.register(registry, caseload.registry)
        timeline.register()
        retention_tables.register(retention_registry)
        register_resumer(
            uprating.UPRATING_JOB_KIND,
            lambda job_id: uprating.uprating_resume(job_id=job_id),
            refusal=lambda job_id: uprating.uprating_resume_refusal(job_id=job_id),
        )
