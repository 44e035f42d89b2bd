"""``manage.py api_token issue <username> [--name "nightly report"]`` prints a new REST API token for that member
of staff, once (only its SHA-256 is kept); ``revoke <username> [--prefix ABCDEFGH]`` stops their tokens (or the
one with that prefix); ``list [<username>]`` shows tokens without their keys."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from iwp.api_tokens import token_issue, token_revoke
from iwp.models import ApiToken, Role, StaffMember


class Command(BaseCommand):
    help = "Issue, list or revoke REST API tokens (a token acts as its member of staff)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["issue", "revoke", "list"])
        parser.add_argument("username", nargs="?", default="")
        parser.add_argument("--name", default="", help="issue: what the token is for")
        parser.add_argument("--prefix", default="", help="revoke: only the token starting with this")

    def handle(self, *args: Any, **options: Any) -> None:
        action, username = options["action"], options["username"]
        if action == "list":
            tokens = ApiToken.objects.select_related("user").order_by("user__username", "-created_at")
            if username:
                tokens = tokens.filter(user__username=username)
            for token in tokens:
                state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "in use"
                used = (
                    f"last used {token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never used"
                )
                self.stdout.write(
                    f"{token.prefix}  {token.user.username}  {token.name or '-'}  "
                    f"issued {token.created_at:%Y-%m-%d}  {used}  {state}"
                )
            return
        if not username:
            raise CommandError("Give the member of staff's username")
        user = StaffMember.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No member of staff is called {username!r}")
        if action == "issue":
            if not user.is_active:
                raise CommandError(f"{username} is not active: a token for them would not work")
            token, raw = token_issue(user=user, name=options["name"])
            self.stdout.write(
                f"API token for {user.username} ({Role(user.effective_role).label}), shown once — keep it "
                f"secret:\n{raw}\nUse it as: Authorization: Bearer <token>"
            )
            return
        tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
        if options["prefix"]:
            tokens = tokens.filter(prefix=options["prefix"])
        revoked = [token_revoke(token=token) for token in tokens]
        if not revoked:
            raise CommandError(
                f"{username} has no token in use" + (" with that prefix" if options["prefix"] else "")
            )
        self.stdout.write(f"Revoked {len(revoked)} token(s) of {user.username}")
