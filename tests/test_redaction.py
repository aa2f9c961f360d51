"""The one secret detector: any token, in any encoding a server echoes, anywhere in text."""

from __future__ import annotations

import base64
import io
import json
from urllib.parse import quote, quote_plus

import httpx
from hypothesis import given
from hypothesis import strategies as st

from tickets_contract.cassettes.scrub import Scrubber
from tickets_contract.redaction import REDACTED, RedactingStream, SecretDetector

_tokens = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E) | st.sampled_from("é€😀 "),
    min_size=8,
    max_size=40,
).filter(lambda t: t.strip() == t)
_ENCODERS = [
    lambda t: t,
    lambda t: quote(t, safe=""),
    lambda t: quote(t),
    quote_plus,
    lambda t: "".join(f"%{b:02X}" for b in t.encode()),
    lambda t: "".join(f"%{b:02x}" for b in t.encode()),
    lambda t: quote(quote(t, safe=""), safe=""),
    lambda t: json.dumps(t)[1:-1],
    lambda t: json.dumps(t, ensure_ascii=False)[1:-1],
    lambda t: json.dumps(t).replace("/", "\\/")[1:-1],
    lambda t: t.encode().hex(),
    lambda t: t.encode().hex().upper(),
    lambda t: base64.b64encode(t.encode()).decode(),
    lambda t: base64.urlsafe_b64encode(t.encode()).decode().rstrip("="),
]


@given(
    token=_tokens,
    encoder=st.sampled_from(_ENCODERS),
    prefix=st.binary(max_size=5),
    before=st.text(max_size=20),
    after=st.text(max_size=20),
)
def test_every_encoding_is_found_and_redacted(
    token: str, encoder: object, prefix: bytes, before: str, after: str
) -> None:
    detector = SecretDetector({"access": token})
    encoded = encoder(token)  # type: ignore[operator]
    text = f"{before}{encoded}{after}"
    assert detector.find(text) == "access"
    assert detector.find(detector.redact(text)) is None
    # Inside a longer base64 value, at any alignment: base64(prefix + token).
    wrapped = base64.b64encode(prefix + token.encode()).decode()
    assert detector.find(wrapped) == "access"
    assert detector.find(detector.redact(wrapped)) is None


@given(text=st.text(max_size=200))
def test_ordinary_text_is_left_alone(text: str) -> None:
    detector = SecretDetector({"access": "pat-na1-0123abcd-0000-1111-2222-333344445555"})
    if "pat-na1-0123abcd" not in text:
        assert detector.redact(text) == text


def test_the_scrubber_redacts_encoded_echoes_in_headers_and_bodies() -> None:
    token = "pat-na1-0123abcd-0000-1111-2222-333344445555"
    scrubber = Scrubber({"access": token})
    echoed = base64.b64encode(f"Bearer {token}".encode()).decode()
    response = httpx.Response(
        401,
        headers={"X-HubSpot-Echo": echoed, "content-type": "application/json"},
        json={
            "message": token.encode().hex(),
            "context": {"t": ["".join(f"%{b:02x}" for b in token.encode())]},
        },
    )
    recorded = scrubber.response(response)
    text = json.dumps({"h": dict(recorded.headers), "b": recorded.json})
    assert REDACTED in text
    assert SecretDetector({"access": token}).find(text) is None
    scrubber.ensure_clean(text, where="the cassette")  # does not raise


def test_a_redacting_stream_redacts_what_is_written() -> None:
    detector = SecretDetector({"access": "s3cret-token-value"})
    inner = io.StringIO()
    stream = RedactingStream(inner, detector)
    stream.write("token=s3cret%2Dtoken%2Dvalue\n")
    assert inner.getvalue() == f"token={REDACTED}\n"


def test_credentials_in_a_target_url_are_refused_and_then_redacted_everywhere() -> None:
    import pytest

    from tickets_contract.errors import UsageError
    from tickets_contract.redaction import DETECTOR
    from tickets_contract.targets import check_base_url

    password = "url-pass-9f8e7d6c"
    with pytest.raises(UsageError) as info:
        check_base_url(f"http://someone:{password}@127.0.0.1:8000")
    assert password not in str(info.value)
    assert DETECTOR.redact(f"echo {quote(password, safe='')}") == f"echo {REDACTED}"
