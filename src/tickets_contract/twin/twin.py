"""The twin: HubSpot's ticket batch read as a pure function from request to response.

``Twin.handle`` is the whole endpoint; the ASGI app, a respx side effect or an in-process
target only translate to and from ``TwinRequest``/``TwinResponse`` (the design rule: "The twin
is a pure function from request to response at its core"). Only the injected clock, the
rate limiter's counts and the random correlation ids vary between equal requests.

The order of checks, outermost first: route (404), method (405), body size (413), auth
(401/403, U6, S5; before any validation), rate limit (429), content type (415), then
the endpoint's own parsing and validation (400) and semantics (200/207/404). That is the
order of HubSpot's layers as far as it shows: the gateway routes, limits size and
authenticates before the service sees the body. Where two layers' order is unknown it
is a ledger assumption (quirk twin-check-order).

An unrouted path gets the HTML page of HubSpot's Jetty servers (S33: "<html>
<head> <meta http-equiv=\"Content-Type\" content=\"text/html;charset=utf-8\"/>
<title>Error 404 N…"; quirk unknown-path-html-404), unless ``unknown_path="json"``.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from ..hubspot import BATCH_READ_PATH, CORRELATION_ID_HEADER, LIST_PATH, PROPERTIES_PATH
from .auth import authenticate
from .batch_input import InputProblem, read_batch_input
from .batch_read import read_batch
from .clock import Clock, millis_clock, system_clock
from .config import TwinConfig
from .correlation import uuid7
from .jackson import JsonSyntaxError, parse_json
from .listing import list_property_definitions, list_tickets
from .messages import TwinRequest, TwinResponse
from .query import read_archived
from .rate_limit import RateLimiter
from .rejection import Problem, Rejected
from .store import TicketStore

__all__ = ["BATCH_READ_PATH", "LIST_PATH", "Twin"]

_METHODS = {BATCH_READ_PATH: "POST", LIST_PATH: "GET", PROPERTIES_PATH: "GET"}
_HTML_CONTENT_TYPE = "text/html;charset=utf-8"


def _jetty_not_found(path: str) -> bytes:
    """Jetty's default error page for an unrouted ``path`` (S33).

    S33 quotes its opening (the ``<meta>`` naming ``text/html;charset=utf-8`` and the
    title "Error 404 N…"); the rest is Jetty 9.4's ``ErrorHandler`` page, and the
    response's own Content-Type is Jetty's default (quirk unknown-path-html-404).
    """
    uri = escape(path)
    return (
        "<html>\n<head>\n"
        '<meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>\n'
        "<title>Error 404 Not Found</title>\n</head>\n"
        "<body>\n<h2>HTTP ERROR 404 Not Found</h2>\n<table>\n"
        f"<tr><th>URI:</th><td>{uri}</td></tr>\n"
        "<tr><th>STATUS:</th><td>404</td></tr>\n"
        "<tr><th>MESSAGE:</th><td>Not Found</td></tr>\n"
        "<tr><th>SERVLET:</th><td>-</td></tr>\n"
        "</table>\n</body>\n</html>\n"
    ).encode()


def _accepts_json(content_type: str | None) -> bool:
    """Whether the body's media type is JSON.

    The operation declares only ``application/json`` (S1); parameters such as
    ``charset`` are fine. A missing ``Content-Type`` is read as JSON, as JAX-RS matches a
    request without one against any ``@Consumes`` (ledger assumption).
    """
    if content_type is None or content_type == "application/json":  # the usual two
        return True
    return content_type.partition(";")[0].strip().lower() == "application/json"


class Twin:
    """A faithful in-memory HubSpot ``POST /crm/v3/objects/tickets/batch/read``.

    ``store`` defaults to ``TicketStore.generate`` with the config's ``seed``, ``size``
    and ``archived_fraction``; ``clock`` to the wall clock. Thread-safe: the store and
    the limiter lock what they share.

    >>> from tickets_contract.twin import DEMO_TOKEN, TwinRequest
    >>> twin = Twin()
    >>> ticket = next(t for t in twin.store if not t.archived)
    >>> response = twin.handle(TwinRequest(
    ...     method="POST", path=BATCH_READ_PATH,
    ...     headers={"Authorization": f"Bearer {DEMO_TOKEN}"},
    ...     body=b'{"inputs": [{"id": "%s"}]}' % ticket.id.encode()))
    >>> response.status
    200
    """

    def __init__(
        self,
        store: TicketStore | None = None,
        config: TwinConfig | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.config = config if config is not None else TwinConfig()
        self.store = (
            store
            if store is not None
            else TicketStore.generate(
                seed=self.config.seed,
                size=self.config.size,
                archived_fraction=self.config.archived_fraction,
            )
        )
        self._clock = clock if clock is not None else system_clock
        # The clock as every use reads it, UTC to the millisecond (HubSpot's epoch millis).
        self._now = millis_clock(self._clock)
        self._limiter = RateLimiter(
            ten_secondly=self.config.rate_limit_ten_secondly,
            daily=self.config.rate_limit_daily,
            advertised=self.config.advertised_ten_secondly,
        )

    def now(self) -> datetime:
        """The injected clock's time, in UTC, to the millisecond."""
        return self._now()

    def handle(self, request: TwinRequest) -> TwinResponse:
        """HubSpot's answer to ``request``. Never raises for any request; never a 5xx."""
        # S17, S18: correlationId is a UUID, unique per request, echoed in the
        # X-HubSpot-Correlation-Id header (S17, S18). Real responses carry the header on
        # successes too. S33: a time-ordered UUIDv7.
        now = self.now()
        correlation_id = uuid7(now)
        headers: list[tuple[str, str]] = [(CORRELATION_ID_HEADER, correlation_id)]
        try:
            method = _METHODS.get(request.path)
            if method is None and self.config.unknown_path == "html":
                return TwinResponse(
                    status=404,
                    headers=(("Content-Type", _HTML_CONTENT_TYPE),),
                    body=_jetty_not_found(request.path),
                )
            if method is None:
                raise Rejected(
                    Problem(status=404, category="OBJECT_NOT_FOUND", message="HTTP 404 Not Found")
                )
            if request.method != method:
                raise Rejected(
                    Problem(
                        status=405,
                        category="VALIDATION_ERROR",
                        message="HTTP 405 Method Not Allowed",
                        headers=(("Allow", method),),
                    )
                )
            limit = self.config.max_body_bytes
            if len(request.body) > limit:
                raise Rejected(
                    Problem(
                        status=413,
                        category="VALIDATION_ERROR",
                        message=f"The request body is larger than the limit of {limit} bytes.",
                    )
                )
            authenticate(request.headers, now, self.config)
            admission = self._limiter.admit(now)
            headers.extend(admission.headers)
            if admission.refused_by is not None:
                body = admission.refusal_body(
                    correlation_id=correlation_id,
                    app_id=self.config.app_id,
                    portal_id=self.config.portal_id,
                )
                return TwinResponse.of_json(429, body, headers)
            if request.path == BATCH_READ_PATH:
                status, payload = self._batch_read(request, now)
            elif request.path == PROPERTIES_PATH:
                status, payload = 200, list_property_definitions(self.store)
            else:
                archived_parsing = self.config.archived_parsing
                status, payload = (
                    200,
                    list_tickets(request, self.store, archived_parsing=archived_parsing),
                )
            return TwinResponse.of_json(status, payload, headers)
        except Rejected as rejected:
            problem = rejected.problem
            return TwinResponse.of_json(
                problem.status, problem.body(correlation_id), (*headers, *problem.headers)
            )

    def _batch_read(self, request: TwinRequest, now: datetime) -> tuple[int, dict[str, object]]:
        config = self.config
        if not _accepts_json(request.headers.get("content-type")):
            raise Rejected(
                Problem(
                    status=415,
                    category="VALIDATION_ERROR",
                    message="HTTP 415 Unsupported Media Type",
                )
            )
        archived = read_archived(request, config.archived_parsing)
        parse_category = "VALIDATION_ERROR" if config.parse_errors_have_category else None
        try:
            batch = read_batch_input(
                parse_json(request.body),
                coerce_scalars=config.coerce_scalars,
                nulls_mean_absent=config.nulls_mean_absent,
                missing_inputs=config.missing_inputs,
            )
        except JsonSyntaxError as error:
            raise Rejected(
                Problem(status=400, category=parse_category, message=error.message)
            ) from None
        except InputProblem as problem:
            category = "VALIDATION_ERROR" if problem.missing_field else parse_category
            raise Rejected(
                Problem(status=400, category=category, message=problem.message)
            ) from None
        return read_batch(
            batch,
            archived=archived,
            store=self.store,
            config=config,
            started=now,
            clock=self._now,
        )
