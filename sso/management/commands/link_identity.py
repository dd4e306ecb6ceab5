"""Link an outside identity (a provider's subject, a directory entry's DN) to an existing
account: the administrator's explicit, journaled decision."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courrier.models import User
from sso.mapping import IdentityRefused, link_identity
from sso.models import Source


class Command(BaseCommand):
    help = "Lie une identité extérieure (OpenID Connect ou annuaire) à un compte existant."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="le compte Bannette")
        parser.add_argument("--source", choices=[s.value for s in Source], required=True)
        parser.add_argument(
            "--subject",
            required=True,
            help="l'identifiant chez la source : le « sub » du fournisseur, le DN de l'annuaire",
        )
        parser.add_argument("--by", help="l'administrateur qui décide (nommé dans le journal)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"Aucun compte « {options['username']} ».")
        actor = None
        if options["by"]:
            actor = User.objects.filter(username=options["by"], is_active=True).first()
            if actor is None or not actor.has_perm("courrier.change_user"):
                raise CommandError(f"« {options['by']} » n'administre pas les comptes.")
        subject = options["subject"].strip()
        if options["source"] == Source.LDAP:
            subject = subject.lower()  # directory DNs are recorded in lower case
        try:
            link_identity(user=user, source=options["source"], external_id=subject, actor=actor)
        except IdentityRefused as refused:
            raise CommandError(str(refused)) from refused
        self.stdout.write(f"Identité {subject} ({options['source']}) liée à {user.username}.")
