"""Creates the demo federation, its people and each service's demo data. Safe to run twice."""

import importlib

from django.core.management.base import BaseCommand

# Ground first, then the services that stand on it.
DEMO_MODULES = ["members.demo", "benefits.demo", "culture.demo", "stations.demo"]


class Command(BaseCommand):
    help = "Loads demo data (idempotent) and prints how to sign in as each demo account."

    def handle(self, *args, **options):
        accounts: list[tuple[str, str, str]] = []
        for module_name in DEMO_MODULES:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name != module_name:
                    raise
                continue
            accounts += module.seed() or []
        self.stdout.write(self.style.SUCCESS("演示数据已就绪 / Demo data ready. Sign in at http://127.0.0.1:8000/accounts/login/"))
        for who, login, password in accounts:
            self.stdout.write(f"  {who}: {login} / {password}")
