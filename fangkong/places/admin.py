"""The place tree in the Django admin.

Moving a node rewrites its path and its descendants' paths, which persons and
other tables copy; so every create, edit and move goes through places.services
(placement rules, jurisdiction, the rewrite of every copied path, the audit log). Nodes
are only ever appended as last child: positional moves would renumber siblings'
paths behind the copies' backs.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import MoveNodeForm, movenodeform_factory

from fangkong.core.scoping import path_in_jurisdiction
from fangkong.places.models import ALLOWED_CHILDREN, Place, check_placement
from fangkong.places.services import PLACE_FIELDS, PlaceOutsideJurisdiction, create_place, move_place, update_place

LAST_CHILD = "last-child"


class PlaceMoveForm(MoveNodeForm):
    """treebeard's move form reduced to "child of": the parent is chosen, the position is always last."""

    actor: Any = None  # set per request by PlaceAdmin.get_form

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["treebeard_position"].choices = [(LAST_CHILD, _("Child of"))]
        self.fields["treebeard_position"].initial = LAST_CHILD
        ref = self.fields["treebeard_ref_node"]
        ref.label = _("Parent place")
        # Households are most of the tree and never parents; offering them would make the select huge.
        parent_types = [t for t, kids in ALLOWED_CHILDREN.items() if kids]
        if not self.instance._state.adding:
            parent_types = [t for t, kids in ALLOWED_CHILDREN.items() if self.instance.type in kids]
        ref.queryset = ref.queryset.filter(type__in=parent_types)

    def _get_initial(self, instance: Place) -> dict[str, Any]:
        parent = None if instance._state.adding else Place.objects.get_parent(instance)
        return {"treebeard_ref_node": parent.pk if parent else None, "treebeard_position": LAST_CHILD}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        parent: Place | None = cleaned.get("treebeard_ref_node")
        place_type = cleaned.get("type")
        instance: Place = self.instance
        if parent is not None and not instance._state.adding and parent.path.startswith(instance.path):
            self.add_error("treebeard_ref_node", _("A place cannot be moved under itself or one of its own children."))
            return cleaned
        if place_type:
            try:
                check_placement(place_type, parent)
            except ValidationError as exc:
                self.add_error("treebeard_ref_node", exc)
        if place_type and not instance._state.adding and instance.numchild:
            kids = set(Place.objects.get_children(instance).values_list("type", flat=True))
            if any(kid not in ALLOWED_CHILDREN[place_type] for kid in kids):
                self.add_error("type", _("Its children could no longer sit under it."))
        actor = self.actor
        if actor is not None:
            for place in (parent, None if instance._state.adding else instance):
                if place is not None and not path_in_jurisdiction(actor, place.path):
                    raise ValidationError(_("This place is outside your jurisdiction."))
            if parent is None and not actor.is_superuser:
                self.add_error("treebeard_ref_node", _("Only a superuser can create a new district."))
        return cleaned

    def save(self, commit: bool = True) -> Place:
        # Writes happen in PlaceAdmin.save_model through the services; nothing touches the tree here.
        self.parent = self.cleaned_data.get("treebeard_ref_node")
        return super(MoveNodeForm, self).save(commit=False)


@admin.register(Place)
class PlaceAdmin(TreeAdmin):
    form = movenodeform_factory(Place, form=PlaceMoveForm)
    list_display = ("name", "type", "code", "is_ownerless", "cadre_name", "numchild")
    list_filter = ("type", "is_ownerless")
    search_fields = ("name", "=code")
    readonly_fields = ("created_at", "updated_at")

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        base = super().get_form(request, obj, change=change, **kwargs)
        return type(base.__name__, (base,), {"actor": request.user})

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting a node deletes its whole subtree and the memberships posted there; persons
        # block it anyway. There is no delete service yet, so the admin does not offer one.
        return False

    def save_model(self, request: HttpRequest, obj: Place, form: Any, change: bool) -> None:
        fields = {name: getattr(obj, name) for name in PLACE_FIELDS}
        parent: Place | None = getattr(form, "parent", None)
        if not change:
            saved = create_place(actor=request.user, parent=parent, request=request, **fields)
        else:
            saved = update_place(actor=request.user, place=obj, request=request, **fields)
            current_parent = Place.objects.get_parent(saved)
            if parent is not None and (current_parent is None or current_parent.pk != parent.pk):
                saved = move_place(actor=request.user, place=saved, new_parent=parent, request=request)
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def move_node(self, request: HttpRequest) -> HttpResponse:
        """Drag and drop in the changelist: the node goes under the target (or the target's parent)."""
        if not self.has_change_permission(request):
            raise PermissionDenied

        class DropForm(forms.Form):
            node = forms.ModelChoiceField(queryset=Place.objects.all())
            target = forms.ModelChoiceField(queryset=Place.objects.all())
            relation = forms.ChoiceField(choices=(("child", "child"), ("sibling", "sibling")))

        form = DropForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Invalid form data provided"))
            return HttpResponseBadRequest("Invalid form data provided")
        node, target = form.cleaned_data["node"], form.cleaned_data["target"]
        new_parent = target if form.cleaned_data["relation"] == "child" else Place.objects.get_parent(target)
        if new_parent is None:
            messages.error(request, _("Only a district stands at the top of the tree."))
            return HttpResponseBadRequest("no parent")
        current = Place.objects.get_parent(node)
        if current is not None and current.pk == new_parent.pk:
            messages.info(request, _("Places under one parent are listed by name; nothing was moved."))
            return HttpResponse("OK")
        try:
            move_place(actor=request.user, place=node, new_parent=new_parent, request=request)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseBadRequest("refused")
        except PlaceOutsideJurisdiction:
            messages.error(request, _("This place is outside your jurisdiction."))
            return HttpResponseBadRequest("refused")
        messages.info(request, _("Moved “%(node)s” under “%(parent)s”.") % {"node": node, "parent": new_parent})
        return HttpResponse("OK")
