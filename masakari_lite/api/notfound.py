"""The 404 upstream's v1 router answers when no route matches: webob's, not a fault.

No route means no controller, so no ``{"itemNotFound": …}`` envelope: webob
renders its stock page as HTML or JSON when the Accept header takes one of
them (HTML first on a tie), and as plain text otherwise, including when the
header is absent.
"""

from __future__ import annotations

from starlette.responses import Response

_BODIES = {
    "text/html": (
        "text/html; charset=UTF-8",
        "<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n"
        "  <h1>404 Not Found</h1>\n  The resource could not be found.<br /><br />\n\n\n\n"
        " </body>\n</html>",
    ),
    "application/json": (
        "application/json",
        '{"message": "The resource could not be found.<br /><br />\\n\\n\\n", '
        '"code": "404 Not Found", "title": "Not Found"}',
    ),
    None: ("text/plain; charset=UTF-8", "404 Not Found\n\nThe resource could not be found.\n\n   "),
}
_OFFERS = ("text/html", "application/json")


def _ranges(accept: str) -> list[tuple[str, float]] | None:
    """The header's media ranges with their quality; None when it does not parse."""
    ranges = []
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        if not media:
            continue
        if media.count("/") != 1:
            return None
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    return None
        ranges.append((media.lower(), quality))
    return ranges


def _quality(offer: str, ranges: list[tuple[str, float]]) -> float:
    """The quality of the most specific range that covers ``offer``."""
    kind = offer.split("/", 1)[0]
    best_rank, best_q = 0, 0.0
    for media, quality in ranges:
        rank = {offer: 3, f"{kind}/*": 2, "*/*": 1}.get(media, 0)
        if rank > best_rank:
            best_rank, best_q = rank, quality
    return best_q


def negotiate(accept: str | None) -> str | None:
    """The media type webob's 404 picks from ``_OFFERS``, None for plain text."""
    if not accept:
        return None
    ranges = _ranges(accept)
    if ranges is None:
        # webob treats an unparsable header as accepting anything.
        return _OFFERS[0]
    best, best_q = None, 0.0
    for offer in _OFFERS:
        quality = _quality(offer, ranges)
        if quality > best_q:
            best, best_q = offer, quality
    return best


def router_not_found(accept: str | None) -> Response:
    media_type, body = _BODIES[negotiate(accept)]
    return Response(body, status_code=404, headers={"content-type": media_type})
