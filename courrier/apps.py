from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _

from courrier.events import MailDeleted, publish


def _publish_mail_deleted(sender: type, instance: Any, **kwargs: Any) -> None:
    """Deleting a row bypasses the services (admin, cascades): the event is published here."""
    publish(MailDeleted(mail_id=instance.pk))


class CourrierConfig(AppConfig):
    name = "courrier"
    verbose_name = _("Mail")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from courrier import (
            auth_journal,
            checks,  # noqa: F401  (registers system checks)
            health,
            signin_budget,
        )
        from courrier.extensions import (
            PerimeterContributor,
            register_health_check,
            register_journal_actions,
            register_mail_tab,
            register_nav_link,
            register_perimeter_contributor,
            register_personal_data_place,
        )
        from courrier.journal_actions import CORE_JOURNAL_ACTIONS
        from courrier.mail_tabs import CORE_TABS
        from courrier.navigation import CORE_NAV_LINKS
        from courrier.personal_places import CORE_PLACES
        from courrier.roles import sync_roles_and_baskets
        from courrier.selectors import forget_entity_tree

        for place in CORE_PLACES:
            register_personal_data_place(place)
        for tab in CORE_TABS:
            register_mail_tab(tab)
        for link in CORE_NAV_LINKS:
            register_nav_link(link)
        register_journal_actions(CORE_JOURNAL_ACTIONS)
        from courrier.services.following import followed_q, followers_of

        register_perimeter_contributor(
            PerimeterContributor(
                code="following", personal_q=followed_q, involved_users=followers_of
            )
        )
        register_health_check("database", health.database)
        register_health_check("storage", health.storage)
        register_health_check("broker", health.broker)
        auth_journal.connect()
        signin_budget.connect()
        post_migrate.connect(sync_roles_and_baskets, sender=self)
        for signal in (post_save, post_delete):
            signal.connect(forget_entity_tree, sender="courrier.Entity", dispatch_uid="tree_memo")
        post_delete.connect(
            _publish_mail_deleted, sender="courrier.Mail", dispatch_uid="courrier_mail_deleted"
        )
