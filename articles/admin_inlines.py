"""Admin inlines whose related-object fields cost no query per row.

Django's autocomplete widget looks up its selected option each time it renders, and a plain
select runs its queryset for every form, so an inline of N rows costs N queries. Here each row's
autocomplete widget is handed the related object the inline already loaded (select_related), and
a plain select evaluates its choices once for the whole formset.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.forms.models import BaseInlineFormSet, ModelChoiceIterator

from newsdesk.parameters import WholeNumberField


class SharedChoiceIterator(ModelChoiceIterator):
    def objects(self) -> list:
        shared = self.field.shared
        if "objects" not in shared:
            shared["objects"] = list(self.queryset)
        return shared["objects"]

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.objects():
            yield self.choice(obj)

    def __len__(self) -> int:
        return len(self.objects()) + (1 if self.field.empty_label is not None else 0)


class SharedChoicesField(forms.ModelChoiceField):
    """A select whose choices are loaded once and shared by every form of the formset."""

    iterator = SharedChoiceIterator

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.shared = {}

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.shared = self.shared
        return result


class LoadedAutocompleteSelect(AutocompleteSelect):
    loaded = None  # the selected object, when the form's instance already holds it

    def optgroups(self, name, value, attr=None):
        selected = {str(v) for v in value if str(v) not in self.choices.field.empty_values}
        if self.loaded is None or selected != {str(self.loaded.pk)}:
            return super().optgroups(name, value, attr)
        options = []
        if not self.is_required:
            options.append(self.create_option(name, "", "", False, 0))
        label = self.choices.field.label_from_instance(self.loaded)
        options.append(self.create_option(name, self.loaded.pk, label, selected, len(options)))
        return [(None, options, 0)]


class LoadedAutocompleteFormSet(BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if form.instance.pk is None:
            return
        for name, field in form.fields.items():
            widget = getattr(field.widget, "widget", field.widget)  # inside the admin's wrapper
            if isinstance(widget, LoadedAutocompleteSelect):
                model_field = form.instance._meta.get_field(name)
                if model_field.is_cached(form.instance):
                    widget.loaded = getattr(form.instance, name)


class LoadedAutocompleteInlineMixin:
    """For an InlineModelAdmin whose get_queryset select_related()s its autocomplete fields."""

    formset = LoadedAutocompleteFormSet

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = LoadedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class TabularInline(LoadedAutocompleteInlineMixin, admin.TabularInline):
    pass


class StackedInline(LoadedAutocompleteInlineMixin, admin.StackedInline):
    pass


class NoLostUpdatesForm(forms.ModelForm):
    """A change form that refuses to save over a change made since it was opened.

    The form carries the id of the row's latest history event (see newsdesk/history.py): any
    change, through the admin, the desk, `update()` or raw SQL, makes a newer one.
    """

    seen_change = WholeNumberField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_change"].initial = last_change(self.instance)

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and cleaned.get("seen_change") != last_change(self.instance):
            raise forms.ValidationError(
                "Someone changed this %(what)s after you opened it, so nothing was saved. Open it again"
                " (its history shows what changed), then make your change.",
                code="stale", params={"what": self.instance._meta.verbose_name},
            )
        return cleaned


def last_change(instance) -> int | None:
    return instance.events.order_by("-pgh_id").values_list("pgh_id", flat=True).first()
