"""Who is asking: the client address, believed from X-Forwarded-For only behind our own proxies."""

from django.conf import settings


def client_ip(request) -> str:
    """The address the request came from.

    With TRUSTED_PROXY_COUNT = n > 0, the n-th address from the right of X-Forwarded-For is the
    one our outermost proxy saw (everything left of it the client may have written itself).
    Without configured proxies the header is ignored, whatever it says.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    return hops[-count] if len(hops) >= count else remote
