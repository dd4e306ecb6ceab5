"""Contacts directory: search, a contact's page with the mails the user may open, editing,
and the duplicate-merge screen for administrators."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from courrier.forms import WordedEmptyChoices
from courrier.models import CONTACT_FIELDS, Contact, ContactKind, MailContact
from courrier.selectors import visible_mails
from courrier.services.contacts import (
    duplicate_groups,
    find_duplicates,
    matching_contacts,
    merge_contacts,
    namesake_groups,
    save_contact,
)
from courrier.views.common import _user, posted_ids


class ContactForm(WordedEmptyChoices, forms.ModelForm[Contact]):
    class Meta:
        model = Contact
        fields = [*CONTACT_FIELDS, "comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 3})}


@login_required
@permission_required("courrier.view_contact", raise_exception=True)
def contact_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    contacts = matching_contacts(query)
    if kind in ContactKind.values:
        contacts = contacts.filter(kind=kind)
    page = Paginator(contacts.order_by("normalized_name", "pk"), 50).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "query": query,
        "kind": kind,
        "kinds": ContactKind.choices,
        "pager_query": urlencode({k: v for k, v in {"q": query, "kind": kind}.items() if v}),
    }
    return render(request, "courrier/contacts/list.html", context)


@login_required
@permission_required("courrier.view_contact", raise_exception=True)
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=pk)
    if contact.merged_into_id and not contact.active:
        return redirect("contact", contact.merged_into_id)
    links = (
        MailContact.objects.filter(
            contact=contact, mail__in=visible_mails(_user(request)).values("pk")
        )
        .select_related("mail__destination_entity", "mail__document_type")
        .order_by("-mail__arrival_date", "-mail__pk")
    )
    context = {
        "contact": contact,
        "addresses": contact.addresses.all(),
        "page": Paginator(links, 25).get_page(request.GET.get("page")),
        "aliases": contact.merged_contacts.all(),
        "twins": find_duplicates(contact)[:5],
    }
    return render(request, "courrier/contacts/detail.html", context)


@login_required
def contact_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=pk, active=True) if pk else Contact()
    needed = "courrier.change_contact" if pk else "courrier.add_contact"
    if not request.user.has_perm(needed):
        raise PermissionDenied
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_contact(actor=_user(request), contact=form.save(commit=False))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Contact saved."))
            return redirect("contact", saved.pk)
    return render(request, "courrier/contacts/form.html", {"form": form, "contact": contact})


@login_required
@permission_required("courrier.merge_contact", raise_exception=True)
def contact_merge(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        target = get_object_or_404(Contact, pk=request.POST.get("target", "0"), active=True)
        chosen = set(posted_ids(request, "duplicates")) - {target.pk}
        duplicates = list(Contact.objects.filter(pk__in=chosen, active=True))
        try:
            merge_contacts(actor=_user(request), target=target, duplicates=duplicates)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(count)s contact(s) merged into %(name)s.")
                % {"count": len(duplicates), "name": target.display_name},
            )
        return HttpResponseRedirect(reverse("contact_merge"))
    # Two (or more) contacts a person chose, e.g. from a contact's page: compared side by side.
    # A contact's reference may name one of its points of contact (« 317.12 »): the contact.
    given = [v.split(".")[0] for v in request.GET.getlist("contacts")]
    chosen_ids = [int(v) for v in given if v.isdigit()]
    picked = list(Contact.objects.filter(pk__in=chosen_ids, active=True).order_by("pk"))
    if request.GET.getlist("contacts") and len(picked) < 2:
        messages.error(request, _("Choose another contact from the list to merge with."))
    groups = duplicate_groups()
    namesakes = namesake_groups(exclude=groups)
    everyone = [c for group in [picked, *groups, *namesakes] for c in group]
    counts = _mail_counts(request, [c.pk for c in everyone])

    def rows(found: list[list[Contact]]) -> list[list[tuple[Contact, int]]]:
        return [[(c, counts.get(c.pk, 0)) for c in group] for group in found]

    return render(
        request,
        "courrier/contacts/merge.html",
        {
            "chosen": rows([picked])[0] if len(picked) > 1 else None,
            "groups": rows(groups),
            "namesakes": rows(namesakes),
        },
    )


def _mail_counts(request: HttpRequest, contact_ids: list[int]) -> dict[int, int]:
    """How many mails the user may open name each contact."""
    rows = (
        MailContact.objects.filter(
            contact_id__in=contact_ids, mail__in=visible_mails(_user(request)).values("pk")
        )
        .values("contact_id")
        .annotate(n=Count("mail", distinct=True))
    )
    return {row["contact_id"]: row["n"] for row in rows}
