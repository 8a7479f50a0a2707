def csp_nonce(request) -> dict:
    """The response's CSP nonce for our script tags, on pages only a logged-in user sees.

    A public page is the same for every reader (and cached, with an ETag); its scripts come from
    our own origin, which the policy allows without a nonce.
    """
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        return {"csp_nonce": request.csp_nonce}
    return {}
