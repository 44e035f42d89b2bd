"""``{{ line|about:claimant }}``: an engine sentence said about the claimant, by first name (staff screens)."""

from django import template

from claimants.record.voice import about as _about

register = template.Library()


@register.filter
def about(sentence: str, claimant) -> str:
    return _about(str(sentence), getattr(claimant, "first_name", "") or "")
