import json
import os
import secrets

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import BaseCommand, CommandError, call_command

from annotations.roles import ensure_editors_group

ACCOUNTS = [
    # (username, is_staff, is_superuser, groups)
    ("maintainer", True, True, []),
    ("editor", False, False, ["Editors"]),
]


class Command(BaseCommand):
    help = "Development only: migrate, load the demo newsroom, and make sure an editor and a maintainer exist."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("prepare_dev creates accounts with known passwords; it runs only with DEBUG on.")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_demo", stdout=self.stdout)
        port = os.environ.get("PORT", "8000")
        self.stdout.write(f"\nDevelopment accounts (log in at http://127.0.0.1:{port}/admin/):")
        for username, password in ensure_accounts().items():
            self.stdout.write(f"  {username:<11} password: {password}")
        self.stdout.write("")


def ensure_accounts() -> dict[str, str]:
    """Create the development accounts if missing; remember their passwords in var/."""
    store = settings.BASE_DIR / "var" / "dev-accounts.json"
    try:
        passwords = json.loads(store.read_text())
    except (FileNotFoundError, ValueError):
        passwords = {}
    for username, is_staff, is_superuser, groups in ACCOUNTS:
        user, created = User.objects.get_or_create(username=username)
        if created or username not in passwords or not user.check_password(passwords[username]):
            passwords[username] = secrets.token_urlsafe(9)
            user.set_password(passwords[username])
        user.is_staff, user.is_superuser, user.is_active = is_staff, is_superuser, True
        user.save()
        user.groups.set([ensure_editors_group()] if "Editors" in groups else [])
    store.parent.mkdir(parents=True, exist_ok=True)
    store.write_text(json.dumps(passwords, indent=2))
    store.chmod(0o600)
    return passwords
