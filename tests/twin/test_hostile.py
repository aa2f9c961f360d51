"""No 5xx, ever: the twin's core answers any request below 500, in HubSpot's shape.

The three causes issue 9 found (a lone surrogate escape in a string, an integer of more
than 4,300 digits in the body, such an integer in ``?limit=``/``?after=``) each have a
test below; the property-based tests then drive ``Twin.handle`` with arbitrary bytes,
JSON of any shape and depth, any unicode, giant numbers, and any headers, query strings
and methods, so that the whole class stays gone.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tickets_contract.twin import (
    BATCH_READ_PATH,
    DEMO_TOKEN,
    LIST_PATH,
    TicketStore,
    Twin,
    TwinConfig,
    TwinRequest,
    TwinResponse,
)

from .helpers import batch_request, call_asgi

GIANT = "9" * 5000

_STORE = TicketStore.generate(seed=11, size=60)
# Every switch a user can set that changes how input is read.
_TWINS = [
    Twin(_STORE, TwinConfig(seed=11, size=60)),
    Twin(
        _STORE,
        TwinConfig(
            seed=11,
            size=60,
            coerce_scalars=True,
            nulls_mean_absent=False,
            archived_parsing="java",
            duplicate_ids="reject",
            all_missing_status=404,
            parse_errors_have_category=False,
            max_body_bytes=4_000,
        ),
    ),
]


def assert_hubspot_shape(response: TwinResponse) -> Any:
    """Below 500, JSON, and an error body with HubSpot's keys when it is an error."""
    assert response.status < 500, response.body[:500]
    text = response.body.decode("utf-8")  # valid UTF-8, whatever the type
    if (response.header("content-type") or "").startswith("text/html"):
        # S33: an unrouted path gets Jetty's HTML "Error 404" page.
        assert response.status == 404
        assert "Error 404" in text
        return None
    body = json.loads(text)
    if response.status >= 400:
        assert body["status"] == "error"
        assert isinstance(body["message"], str)
        assert body["message"]
        assert isinstance(body["correlationId"], str)
        assert set(body) <= {
            "status",
            "message",
            "correlationId",
            "context",
            "errors",
            "links",
            "category",
            "errorType",
            "policyName",
            "groupName",
            "requestId",
        }
    return body


# --- the three causes, one test each ---------------------------------------------------


def test_lone_surrogate_escape_in_an_id_is_answered() -> None:
    response = _TWINS[0].handle(batch_request(raw=b'{"inputs":[{"id":"\\ud800"}]}'))
    body = assert_hubspot_shape(response)
    # Echoed as it came, escaped: the id is simply not found.
    assert response.status == 207
    assert body["errors"][0]["context"]["ids"] == ["\ud800"]


def test_integer_past_python_digit_limit_in_the_body_is_a_400() -> None:
    for raw in (
        b'{"inputs":[{"id":' + GIANT.encode() + b"}]}",
        b'{"inputs":[{"id":"1"}],"x":-' + GIANT.encode() + b"}",
        b"[" + GIANT.encode() + b"]",
        b'{"inputs":[{"id":"1"}],"x":1.' + GIANT.encode() + b"}",
    ):
        response = _TWINS[0].handle(batch_request(raw=raw))
        body = assert_hubspot_shape(response)
        assert response.status == 400
        assert "Number value length" in body["message"]


def test_giant_integers_in_list_paging_parameters_are_a_400() -> None:
    for name in ("limit", "after"):
        request = batch_request(method="GET", path=LIST_PATH, query=[(name, GIANT)])
        response = _TWINS[0].handle(request)
        body = assert_hubspot_shape(response)
        assert response.status == 400
        assert f"query parameter {name}" in body["message"]


def test_leading_zeros_in_paging_parameters_still_count() -> None:
    request = batch_request(method="GET", path=LIST_PATH, query=[("limit", "0" * 5000 + "3")])
    response = _TWINS[0].handle(request)
    assert response.status == 200
    assert len(assert_hubspot_shape(response)["results"]) == 3


# --- the class: property-based ----------------------------------------------------------

# Python cannot even write such an int (json.dumps raises too): a marker string stands in
# for it and ``_dumps`` splices the digits into the text.
_GIANT_MARK = re.compile(r'"@@giant:(-?)(\d+)@@"')
_giant_ints = st.builds(
    lambda sign, n: f"@@giant:{sign}{n}@@",
    st.sampled_from(["", "-"]),
    st.integers(min_value=1001, max_value=6000),
)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | _giant_ints
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_json_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
_id_values = st.text() | st.integers() | _giant_ints | st.none() | _json_values
_batch_bodies = st.fixed_dictionaries(
    {"inputs": st.lists(st.fixed_dictionaries({"id": _id_values}), max_size=5)},
    optional={
        "idProperty": _json_values,
        "properties": st.lists(st.text(max_size=12), max_size=3) | _json_values,
        "propertiesWithHistory": _json_values,
        "archived": _json_values,
    },
)


def _dumps(value: Any) -> bytes:
    # ensure_ascii escapes lone surrogates as \udxxx, as a hostile client writes them.
    text = json.dumps(value, ensure_ascii=True)
    return _GIANT_MARK.sub(lambda m: m.group(1) + "7" * int(m.group(2)), text).encode()


_raw_bodies = (
    st.binary(max_size=300)
    | _json_values.map(_dumps)
    | _batch_bodies.map(_dumps)
    | st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass"))
    | st.integers(min_value=1, max_value=1200).map(lambda n: b"[" * n)
    | st.sampled_from([b'{"inputs":[{"id":"\\ud800"}]}', b'{"inputs":[{"id":"\\udfff\\ud800"}]}'])
)
_query_text = st.text(max_size=20) | st.just(GIANT) | st.just("-" + GIANT)
_queries = st.lists(
    st.tuples(
        st.sampled_from(["limit", "after", "archived", "properties"]) | st.text(max_size=8),
        _query_text,
    ),
    max_size=4,
)
_header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=40)
_headers = st.fixed_dictionaries(
    {},
    optional={
        "authorization": st.sampled_from([f"Bearer {DEMO_TOKEN}", "Bearer", "", "Basic eA=="])
        | _header_text,
        "content-type": st.sampled_from(
            ["application/json", "application/json;charset=utf-8", "text/plain", "*/*", ""]
        )
        | _header_text,
        "accept": _header_text,
        "host": _header_text,
    },
)
_methods = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]) | st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=10
)
_paths = st.sampled_from([BATCH_READ_PATH, LIST_PATH, "/", BATCH_READ_PATH + "/"]) | st.text(
    max_size=30
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    twin=st.sampled_from(_TWINS),
    method=_methods,
    path=_paths,
    query=_queries,
    headers=_headers,
    body=_raw_bodies,
)
def test_any_request_is_answered_below_500_in_hubspots_shape(
    twin: Twin,
    method: str,
    path: str,
    query: list[tuple[str, str]],
    headers: dict[str, str],
    body: bytes,
) -> None:
    response = twin.handle(
        TwinRequest(method=method, path=path, query=tuple(query), headers=headers, body=body)
    )
    assert_hubspot_shape(response)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(twin=st.sampled_from(_TWINS), body=_batch_bodies | _json_values, query=_queries)
def test_any_authenticated_json_batch_read_is_answered_below_500(
    twin: Twin, body: Any, query: list[tuple[str, str]]
) -> None:
    """Past authentication and content type, where the input parsing runs."""
    response = twin.handle(batch_request(raw=_dumps(body), query=query))
    assert_hubspot_shape(response)


@settings(max_examples=150, deadline=None)
@given(twin=st.sampled_from(_TWINS), query=_queries)
def test_any_list_query_is_answered_below_500(twin: Twin, query: list[tuple[str, str]]) -> None:
    response = twin.handle(batch_request(method="GET", path=LIST_PATH, query=query))
    assert_hubspot_shape(response)


# --- the ASGI adapter: raw paths, query bytes and headers as a server receives them ---------


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.sampled_from([BATCH_READ_PATH, LIST_PATH]) | st.text(max_size=20),
    raw_query=st.binary(max_size=40),
    headers=st.lists(
        st.tuples(
            st.sampled_from(["content-type", "authorization", "host", "x-any"]),
            st.binary(min_size=0, max_size=30).filter(lambda b: b"\r" not in b and b"\n" not in b),
        ),
        max_size=4,
    ),
    body=_raw_bodies,
)
def test_the_asgi_app_answers_any_raw_request_below_500(
    path: str, raw_query: bytes, headers: list[tuple[str, bytes]], body: bytes
) -> None:
    from tickets_contract.twin import create_app

    app = create_app(_TWINS[0])
    scope = {
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/" + path.lstrip("/"),
        "raw_path": path.encode("utf-8", "surrogatepass"),
        "query_string": raw_query,
        "root_path": "",
        "headers": [
            (b"authorization", f"Bearer {DEMO_TOKEN}".encode()),
            *[(name.encode(), value) for name, value in headers],
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    sent = call_asgi(app, scope, [body])
    start = sent[0]
    assert start["status"] < 500
    body_bytes = b"".join(m.get("body", b"") for m in sent[1:])
    headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in start["headers"])
    assert_hubspot_shape(TwinResponse(status=start["status"], headers=headers, body=body_bytes))


def test_a_path_with_a_newline_reaches_the_twin_not_starlettes_404() -> None:
    from tickets_contract.twin import create_app

    scope = {
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/crm\n/x",  # what a server makes of /crm%0A/x
        "raw_path": b"/crm%0A/x",
        "query_string": b"",
        "root_path": "",
        "headers": [],
    }
    sent = call_asgi(create_app(_TWINS[0]), scope, [b""])
    assert sent[0]["status"] == 404
    assert b"Error 404" in sent[1]["body"]  # the twin's page (S33), not "Not Found"
