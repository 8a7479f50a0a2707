def csp_nonce(request) -> dict:
    """The response's CSP nonce for our script tags, on pages only a logged-in user sees.

    A public page is the same for every reader (and cached, with an ETag); its scripts come from
    our own origin, which the policy allows without a nonce.
    """
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        return {"csp_nonce": request.csp_nonce}
    return {}


def interface_languages(request) -> dict:
    """The languages the switcher lists, each by its own name; none when only one is offered."""
    from newsdesk.languages import local_name, offered

    codes = offered()
    return {"interface_languages": [(code, local_name(code)) for code in codes] if len(codes) > 1 else []}
