"""Print a new VAPID key pair for Web Push (notifications.push).

    python manage.py generate_vapid_keys --subject mailto:contact@mairie.example.fr >> .env

The output is in environment-file form: ``WEBPUSH_VAPID_PRIVATE_KEY`` (the base64url
raw P-256 private key, secret) and, with ``--subject``, ``WEBPUSH_VAPID_SUBJECT``.
The public application server key that browsers need is printed as a comment:
the site derives it from the private key (``notifications.push.vapid_public_key``),
so it is not a setting. Changing the key pair invalidates every existing browser
subscription (push services tie a subscription to the key it was made with).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from notifications.push import generate_vapid_keys


class Command(BaseCommand):
    help = (
        "Print a new VAPID key pair for Web Push, as environment variables "
        "(WEBPUSH_VAPID_PRIVATE_KEY) plus the public application server key."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--subject",
            default="",
            help="Contact for the push services (mailto:… or https://…), "
            "printed as WEBPUSH_VAPID_SUBJECT.",
        )

    def handle(self, *args, subject: str = "", **options):
        subject = subject.strip()
        if subject and not subject.startswith(("mailto:", "https://")):
            raise CommandError("The subject must be a mailto: address or an https:// URL.")
        private_key, public_key = generate_vapid_keys()
        lines = [
            "# Web Push VAPID keys. Keep WEBPUSH_VAPID_PRIVATE_KEY secret.",
            "# Public application server key (browsers; derived from the private key):",
            f"# WEBPUSH_VAPID_PUBLIC_KEY={public_key}",
            f"WEBPUSH_VAPID_PRIVATE_KEY={private_key}",
        ]
        if subject:
            lines.append(f"WEBPUSH_VAPID_SUBJECT={subject}")
        self.stdout.write("\n".join(lines))
