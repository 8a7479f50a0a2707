"""Small middleware of our own; the rest is Django's and the libraries' (see settings.MIDDLEWARE)."""


def csp_nonce_on_every_response(get_response):
    """Make every response's Content-Security-Policy carry a fresh nonce, used or not.

    django-csp adds the nonce only when a template asked for it; public pages do not (see
    CONTENT_SECURITY_POLICY), and a policy should not depend on which page was rendered.
    """

    def middleware(request):
        str(request.csp_nonce)
        return get_response(request)

    return middleware
