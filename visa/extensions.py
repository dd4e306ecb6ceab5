"""What visa adds to the mail core: who a circuit involves, its baskets and the mail's tabs."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

from courrier.extensions import (
    AwaitingCriterion,
    DefaultBasket,
    JournalAction,
    MailTab,
    NavLink,
    PerimeterContributor,
    register_awaiting_criterion,
    register_default_basket,
    register_journal_actions,
    register_mail_tab,
    register_nav_link,
    register_perimeter_contributor,
    register_role_permissions,
)
from courrier.models import Role, User
from courrier.selectors import user_entity_ids
from visa import views
from visa.models import AskState, OpinionAsk, VisaStep, VisaStepRole, VisaStepState


def _in_a_circuit(user: User) -> Q:
    """Everyone named in a mail's visa circuit sees that mail, confidential or not."""
    return Q(pk__in=VisaStep.objects.filter(user=user).values("mail_id"))


def _circuit_users(mail_ids: Iterable[int]) -> dict[int, set[int]]:
    involved: dict[int, set[int]] = {}
    steps = VisaStep.objects.filter(mail_id__in=list(mail_ids)).values_list("mail_id", "user_id")
    for mail_id, user_id in steps:
        involved.setdefault(mail_id, set()).add(user_id)
    return involved


def _awaiting_step(role: str) -> AwaitingCriterion:
    def current_step_is_mine(user: User) -> Q:
        steps = VisaStep.objects.filter(
            mail=OuterRef("pk"), user=user, role=role, state=VisaStepState.CURRENT
        )
        return Q(Exists(steps))

    # A step of the user's own names them in the circuit (_in_a_circuit): the mail is theirs to see.
    if role == VisaStepRole.VISA:
        return AwaitingCriterion(
            code="visa", q=current_step_is_mine, label=_("my visa"), names_the_user=True
        )
    return AwaitingCriterion(
        code="signature", q=current_step_is_mine, label=_("my signature"), names_the_user=True
    )


def _sent_back_to(user: User) -> Q:
    """A draft of mine the circuit sent back to me, not yet sent on again."""
    returned = VisaStep.objects.filter(
        mail=OuterRef("pk"), state=VisaStepState.REJECTED, draft__created_by=user
    )
    running = VisaStep.objects.filter(mail=OuterRef("pk"), state=VisaStepState.CURRENT)
    return Q(Exists(returned)) & ~Q(Exists(running))


def _opinion_asked_of(user: User) -> Q:
    asks = OpinionAsk.objects.filter(
        Q(user=user) | Q(entity_id__in=user_entity_ids(user)),
        request__mail=OuterRef("pk"),
        state=AskState.WAITING,
        request__recalled_at__isnull=True,
    )
    return Q(Exists(asks))


BASKETS = [
    DefaultBasket(
        code="opinions",
        label=gettext_noop("Opinions to give"),
        description=gettext_noop("Mail on which my opinion or my entity's is asked."),
        roles=(Role.AGENT, Role.MANAGER),
        position=45,
        criteria={"awaiting_my": "opinion"},
    ),
    DefaultBasket(
        code="returned",
        label=gettext_noop("Drafts sent back"),
        description=gettext_noop("My reply drafts a visa-er or signatory sent back to me."),
        roles=(Role.AGENT, Role.MANAGER),
        position=50,
        criteria={"awaiting_my": "returned", "statuses": ["in_progress", "on_hold"]},
    ),
    DefaultBasket(
        code="to_visa",
        label=gettext_noop("To visa"),
        description=gettext_noop("Reply drafts waiting for my visa."),
        roles=(Role.MANAGER,),
        position=60,
        criteria={"awaiting_my": "visa"},
    ),
    DefaultBasket(
        code="to_sign",
        label=gettext_noop("To sign"),
        description=gettext_noop("Replies waiting for my signature."),
        roles=(Role.MANAGER,),
        position=70,
        criteria={"awaiting_my": "signature"},
    ),
]

TABS = [
    MailTab(
        code="opinions",
        label=_("Opinions"),
        position=60,
        template="visa/tabs/opinions.html",
        context=views.opinions_context,
        opened_from_baskets=("opinions",),
    ),
    MailTab(
        code="reply",
        label=_("Reply"),
        position=70,
        template="visa/tabs/reply.html",
        context=views.reply_context,
        opened_from_baskets=("to_visa", "to_sign", "in_circuit", "to_send", "returned"),
        label_by_category={
            "outgoing": pgettext_lazy("tab", "Letter"),
            "internal": pgettext_lazy("tab", "Letter"),
        },
    ),
]


SIGNATURE_BOOK = NavLink(
    code="signature_book",
    label=_("Signature book"),
    url_name="signature_book",
    position=40,
    permission="courrier.visa_mail",
    group="signature",
    icon="pen",
)
SIGNING_KEY = NavLink(
    code="signing_key",
    label=_("My signing key"),
    url_name="signing_key",
    position=120,
    permission="courrier.sign_mail",
    group="me",
    icon="key",
)


JOURNAL_ACTIONS = [
    JournalAction(
        "opinion.requested",
        _("Opinion requested"),
        workflow=True,
        sentences=(
            _("Opinion asked of %(asked)s by %(deadline)s"),
            _("Opinion asked of %(asked)s"),
        ),
    ),
    JournalAction(
        "opinion.given",
        _("Opinion given"),
        workflow=True,
        sentences=(_("Opinion given by %(for)s"),),
    ),
    JournalAction("opinion.recalled", _("Opinion request recalled"), workflow=True),
    JournalAction("visa.circuit_started", _("Sent for visa"), workflow=True),
    JournalAction(
        "draft.annotated",
        _("Draft annotated"),
        sentences=(_("Annotated page %(page)s of version %(version)s: “%(text)s”"),),
    ),
    JournalAction("visa.circuit_restarted", _("Visa circuit restarted (new version)")),
    JournalAction(
        "visa.circuit_template_saved",
        _("Visa circuit kept as a model"),
        sentences=(_("Visa circuit kept as the model “%(label)s”"),),
    ),
    JournalAction(
        "visa.approved",
        _("Visa given"),
        workflow=True,
        sentences=(
            _("Visa given on version %(version)s; next: %(next)s"),
            _("Visa given on version %(version)s"),
        ),
    ),
    JournalAction(
        "visa.rejected",
        _("Sent back"),
        workflow=True,
        sentences=(_("Sent back at step %(step)s: “%(comment)s”"),),
    ),
    JournalAction(
        "visa.signed", _("Signed"), workflow=True, sentences=(_("Signed (version %(version)s)"),)
    ),
    JournalAction("visa.key_registered", _("Signing key registered")),
    JournalAction("parapheur.sent", _("Sent to the parapheur")),
    JournalAction(
        "parapheur.signed",
        _("Signed in the parapheur"),
        workflow=True,
        sentences=(_("Signed in the parapheur by %(by)s"),),
    ),
    JournalAction(
        "parapheur.refused",
        _("Refused in the parapheur"),
        workflow=True,
        sentences=(_("Refused in the parapheur by %(by)s: “%(annotation)s”"),),
    ),
]


def register() -> None:
    register_journal_actions(JOURNAL_ACTIONS)
    register_nav_link(SIGNATURE_BOOK)
    register_nav_link(SIGNING_KEY)
    register_role_permissions(
        Role.ADMINISTRATOR, [f"visa.{verb}_circuittemplate" for verb in ("view", "add", "change")]
    )
    register_perimeter_contributor(
        PerimeterContributor(
            code="visa_circuit", personal_q=_in_a_circuit, involved_users=_circuit_users
        )
    )
    register_awaiting_criterion(_awaiting_step(VisaStepRole.VISA))
    register_awaiting_criterion(_awaiting_step(VisaStepRole.SIGNATURE))
    register_awaiting_criterion(
        AwaitingCriterion(code="opinion", q=_opinion_asked_of, label=_("my opinion"))
    )
    register_awaiting_criterion(
        AwaitingCriterion(code="returned", q=_sent_back_to, label=_("my draft, sent back"))
    )
    for basket in BASKETS:
        register_default_basket(basket)
    for tab in TABS:
        register_mail_tab(tab)
