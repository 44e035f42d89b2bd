"""The earnings feed upload page for administrators: upload a CSV, see what was applied and what was rejected."""

from __future__ import annotations

import io

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size
from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from claimants.earnings.feed import COLUMNS, OPTIONAL_COLUMNS, REQUIRED_COLUMNS, ingest_earnings
from iwp.access import role_required
from iwp.models import Role

SHOW_REJECTED = 500
# Above this, the ingest should move to a BackgroundJob (see ``upload``). Still synchronous for now.
BACKGROUND_THRESHOLD_BYTES = 5 * 1024 * 1024


class EarningsFeedForm(forms.Form):
    file = forms.FileField(
        label="Upload an earnings file",
        help_text=f"A CSV file whose first line names the columns: {', '.join(REQUIRED_COLUMNS)}; "
        f"optionally {', '.join(OPTIONAL_COLUMNS)}.",
        error_messages={"required": "Select a CSV file", "empty": "The selected file is empty"},
    )
    all_or_nothing = forms.BooleanField(
        required=False,
        label="Reject the whole file if any row is invalid",
        help_text="Otherwise each claimant's rows are applied if all of that claimant's rows are valid.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the template's <form> carries the token
        self.helper.layout = Layout(
            Field("file"),
            Field.checkbox("all_or_nothing", small=True),
            Button("submit", "Upload and apply"),
        )
        self.helper.label_size = Size.MEDIUM

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError("The selected file must be a CSV")
        return upload


@role_required(Role.ADMINISTRATOR)
def upload(request: HttpRequest) -> HttpResponse:
    result = None
    if request.method == "POST":
        form = EarningsFeedForm(request.POST, request.FILES)
        if form.is_valid():
            uploaded = form.cleaned_data["file"]
            # Files over BACKGROUND_THRESHOLD_BYTES are still ingested here, in the request, for now. This is where
            # a BackgroundJob goes: save the upload (iwp.storage), ``job_create(kind="earnings_feed", ...)``, hand the
            # job id to a Celery task that calls ``ingest_earnings(..., progress=...)`` with ``job_advance``, and
            # redirect to ``iwp:job_detail`` (the job's result holds ``IngestResult.as_dict(rejected_limit=500)``).
            text = io.TextIOWrapper(uploaded.file, encoding="utf-8-sig", newline="")
            result = ingest_earnings(
                source=text,
                fmt="csv",
                actor=request.user,
                strict=form.cleaned_data["all_or_nothing"],
                name=uploaded.name,
            )
            if result.error:
                form.add_error("file", result.error)
    else:
        form = EarningsFeedForm()
    return render(
        request,
        "claimants/earnings_feed.html",
        {
            "title": "Earnings feed",
            "form": form,
            "result": result,
            "rejected_rows": result.rejected[:SHOW_REJECTED] if result else [],
            "show_rejected": SHOW_REJECTED,
            "columns": COLUMNS,
        },
    )
