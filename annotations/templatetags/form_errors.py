from django import template

register = template.Library()


@register.filter
def boxed_errors(form) -> list[str]:
    """The errors a form's error box lists: its own, and each field's not shown beside the field
    (form.errors_shown_inline). Empty when every error is shown inline, so no empty box is drawn."""
    inline = getattr(form, "errors_shown_inline", ())
    errors = list(form.non_field_errors())
    for field in form:
        if field.name not in inline:
            errors += [error if field.is_hidden else f"{field.label}: {error}" for error in field.errors]
    return errors
