"""Form widgets that render fast."""

from django import forms
from django.forms.renderers import DjangoTemplates
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeData, mark_safe


class QuickSelect(forms.Select):
    """A <select> written out in Python. Django renders every option through a template, which
    for the hundreds of publishers of a filter form cost more than all of a page's queries.
    Flat choices only (no groups); the attributes are the same as Select's."""

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        chosen = set(self.format_value(value))
        options = "".join(
            f'<option value="{escape(option)}"{" selected" if str(option) in chosen else ""}>{escape(label)}</option>'
            for option, label in self.choices
        )
        return format_html("<select{}>{}</select>", flatatt(final_attrs), mark_safe(options))


INPUT_TEMPLATES = {
    f"django/forms/widgets/{name}.html"
    for name in ("checkbox", "color", "date", "datetime", "email", "hidden", "input", "number", "password", "search",
                 "tel", "text", "time", "url")
}
TEXTAREA_TEMPLATE = "django/forms/widgets/textarea.html"


def as_text(value) -> str:
    """What `{{ value|stringformat:'s' }}` writes: escaped unless already safe."""
    return conditional_escape(value) if isinstance(value, SafeData) else escape(str(value))


def flat_attrs(attrs: dict) -> str:
    """Django's widgets/attrs.html: ` name="value"`, a bare ` name` for True, nothing for False."""
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{as_text(value)}"'
        for name, value in attrs.items() if value is not False
    )


class QuickRenderer(DjangoTemplates):
    """Django's form renderer, except that <input> and <textarea> are written in Python, to the
    character what Django's templates write (newsdesk/tests/test_widgets_and_paging.py compares
    them): a form with forty inputs spent more time in those two templates than in its queries."""

    def render(self, template_name, context, request=None):
        widget = context.get("widget") if isinstance(context, dict) else None
        if widget is not None and template_name in INPUT_TEMPLATES:
            value = "" if widget["value"] is None else f' value="{as_text(widget["value"])}"'
            return f'<input type="{escape(widget["type"])}" name="{escape(widget["name"])}"{value}{flat_attrs(widget["attrs"])}>'
        if widget is not None and template_name == TEXTAREA_TEMPLATE:
            text = conditional_escape(widget["value"]) if widget["value"] else ""
            return f'<textarea name="{escape(widget["name"])}"{flat_attrs(widget["attrs"])}>\n{text}</textarea>'
        return super().render(template_name, context, request)
