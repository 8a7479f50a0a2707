from urllib.parse import urlsplit


def csp_nonce(request) -> dict:
    """The response's CSP nonce for our script tags, on pages only a logged-in user sees.

    A public page is the same for every reader (and cached, with an ETag); its scripts come from
    our own origin, which the policy allows without a nonce.
    """
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        return {"csp_nonce": request.csp_nonce}
    return {}


def interface_languages(request) -> dict:
    """The languages the switcher lists, each by its own name (none when only one is offered),
    and the page it goes back to."""
    return {"interface_languages": switcher_languages(), "language_next": page_to_return_to(request)}


def switcher_languages() -> list[tuple[str, str]]:
    from newsdesk.languages import local_name, offered

    codes = offered()
    return [(code, local_name(code)) for code in codes] if len(codes) > 1 else []


def page_to_return_to(request) -> str:
    """Where the switcher goes back to: this page; after a form was sent (whose address may answer
    only a POST), the page it was sent from, when that is this site's; else the front page."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = urlsplit(request.headers.get("Referer", ""))
    if referer.netloc == request.get_host() and referer.path.startswith("/"):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return "/"
