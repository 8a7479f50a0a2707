import json
import os
import secrets

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import BaseCommand, CommandError, call_command

from annotations.roles import ensure_editors_group
from articles.demo_newsroom import correct_demo

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
        if correct_demo():
            self.stdout.write("Corrected a demo story after publication (its claim on the corrected words waits for review).")
        call_command("embed_statements", stdout=self.stdout)  # the demo's claims are matched by meaning
        site = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
        passwords = ensure_accounts()
        self.stdout.write(f"\nNewsdesk is at {site}/ (the public site). Development accounts:")
        self.stdout.write(f"  Editors annotate stories in the desk:  {site}/desk/")
        self.stdout.write(f"      editor      password: {passwords['editor']}")
        self.stdout.write(f"  Maintainers run the site in the admin: {site}/admin/")
        self.stdout.write(f"      maintainer  password: {passwords['maintainer']}  (the desk is open to it too)")
        self.stdout.write("Passwords are kept in var/dev-accounts.json. Ctrl-C stops the server and its PostgreSQL.\n")


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
