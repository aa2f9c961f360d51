"""The twin in a user's own tests: the ``hubspot_twin`` fixture and context manager.

Two ways to reach it:

``served`` (the default)
    The twin on loopback (uvicorn, a background thread, an ephemeral port). Any HTTP
    client works: ``requests``, ``httpx``, ``urllib3``, and HubSpot's official SDK
    (``hubspot-api-client``) with its host set to ``base_url``.
``in_process``
    No socket: respx routes every request for https://api.hubapi.com to the twin, so an
    httpx-based client keeps HubSpot's real base URL. (respx patches httpx only.)

Settings are ``TwinConfig``'s: ``seed``, ``size``, ``all_missing_status``,
``duplicate_ids``, ``rate_limit_ten_secondly``, ``rate_limit_daily`` and the rest. In
pytest they come from the marker::

    @pytest.mark.hubspot_twin(size=50, all_missing_status=404)
    def test_my_client(hubspot_twin): ...

Outside pytest::

    with hubspot_twin(size=50) as twin:
        MyClient(base_url=twin.base_url, token=twin.token).fetch(twin.records.ids[:3])
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from tickets_contract.hubspot import API_BASE_URL
from tickets_contract.records import KnownRecords, twin_records
from tickets_contract.twin import (
    DEMO_TOKEN,
    UNIQUE_PROPERTY,
    Twin,
    TwinConfig,
    TwinRequest,
    serve_in_thread,
)

__all__ = ["HUBSPOT_BASE_URL", "TwinHandle", "hubspot_twin"]

HUBSPOT_BASE_URL = API_BASE_URL

Mode = Literal["served", "in_process"]


@dataclass(frozen=True, slots=True, kw_only=True)
class TwinHandle:
    """A running twin, as a test sees it.

    ``base_url``  where to send: ``http://127.0.0.1:PORT`` served, HubSpot's in-process
    ``token``     a private-app token the twin accepts (scope ``tickets``)
    ``records``   tickets it holds: ``ids``, ``archived_ids``, values of ``unique_property``
    ``config``    its settings; ``twin`` the twin itself (store, clock, ``handle``)
    ``router``    in-process only: the respx router, with ``calls`` for assertions
    """

    base_url: str
    token: str
    records: KnownRecords
    config: TwinConfig
    twin: Twin
    mode: Mode
    router: Any = None

    @property
    def unique_property(self) -> str:
        """The twin portal's unique-value ticket property (usable as ``idProperty``)."""
        return UNIQUE_PROPERTY


@contextmanager
def hubspot_twin(mode: Mode = "served", **settings: Any) -> Iterator[TwinHandle]:
    """A twin with ``settings`` (``TwinConfig``'s fields) for the block; see the module.

    ``mode="served"`` serves it on 127.0.0.1 until the block ends; ``mode="in_process"``
    routes https://api.hubapi.com to it through respx (httpx clients only).
    """
    try:
        config = TwinConfig(**settings)
    except TypeError as exc:
        fields = ", ".join(sorted(TwinConfig.__dataclass_fields__))
        raise TypeError(f"hubspot_twin: {exc}; the settings are TwinConfig's: {fields}") from None
    twin = Twin(config=config)
    records = twin_records(twin, UNIQUE_PROPERTY)
    if mode == "served":
        with serve_in_thread(twin) as base_url:
            yield TwinHandle(
                base_url=base_url,
                token=DEMO_TOKEN,
                records=records,
                config=config,
                twin=twin,
                mode=mode,
            )
    elif mode == "in_process":
        # why: respx is needed only by the in-process mode
        import respx

        router = respx.mock(base_url=HUBSPOT_BASE_URL, assert_all_called=False)
        router.route().mock(side_effect=_respond(twin))
        with router:
            yield TwinHandle(
                base_url=HUBSPOT_BASE_URL,
                token=DEMO_TOKEN,
                records=records,
                config=config,
                twin=twin,
                mode=mode,
                router=router,
            )
    else:
        raise ValueError(f"hubspot_twin: mode is 'served' or 'in_process', not {mode!r}")


def _respond(twin: Twin) -> Any:
    def respond(request: httpx.Request) -> httpx.Response:
        answer = twin.handle(
            TwinRequest(
                method=request.method,
                path=request.url.path,
                query=tuple(request.url.params.multi_items()),
                headers=dict(request.headers.items()),
                body=request.content,
            )
        )
        return httpx.Response(answer.status, headers=list(answer.headers), content=answer.body)

    return respond
