"""A form renderer that writes the commonest widgets in Python."""

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData


INPUT_TEMPLATES = {
    f"django/forms/widgets/{name}.html"
    for name in ("checkbox", "color", "date", "datetime", "email", "hidden", "input", "number", "password", "search",
                 "tel", "text", "time", "url")
}
TEXTAREA_TEMPLATE = "django/forms/widgets/textarea.html"
SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def as_text(value) -> str:
    """What `{{ value|stringformat:'s' }}` writes: escaped unless already safe."""
    return conditional_escape(value) if isinstance(value, SafeData) else escape(str(value))


def flat_attrs(attrs: dict) -> str:
    """Django's widgets/attrs.html: ` name="value"`, a bare ` name` for True, nothing for False."""
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{as_text(value)}"'
        for name, value in attrs.items() if value is not False
    )


def select_html(widget: dict) -> str:
    """Django's widgets/select.html with its select_option.html for each option."""
    parts = [f'<select name="{escape(widget["name"])}"{flat_attrs(widget["attrs"])}>']
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            parts.append(
                f'\n  <option value="{as_text(option["value"])}"{flat_attrs(option["attrs"])}>'
                f'{conditional_escape(option["label"])}</option>\n'
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class QuickRenderer(DjangoTemplates):
    """Django's form renderer, except that <input>, <textarea> and <select> are written in
    Python, to the character what Django's templates write (newsdesk/tests/test_widgets_and_paging.py
    compares them): Django renders each through templates, every option of a select included,
    which for a filter of hundreds of publishers, or a form of forty inputs, cost more than all
    of the page's queries."""

    def render(self, template_name, context, request=None):
        widget = context.get("widget") if isinstance(context, dict) else None
        if widget is not None and template_name in INPUT_TEMPLATES:
            value = "" if widget["value"] is None else f' value="{as_text(widget["value"])}"'
            return f'<input type="{escape(widget["type"])}" name="{escape(widget["name"])}"{value}{flat_attrs(widget["attrs"])}>'
        if widget is not None and template_name == TEXTAREA_TEMPLATE:
            text = conditional_escape(widget["value"]) if widget["value"] else ""
            return f'<textarea name="{escape(widget["name"])}"{flat_attrs(widget["attrs"])}>\n{text}</textarea>'
        if (
            widget is not None and template_name == SELECT_TEMPLATE
            and all(option["template_name"] == OPTION_TEMPLATE for _, options, _ in widget["optgroups"] for option in options)
        ):
            return select_html(widget)
        return super().render(template_name, context, request)
