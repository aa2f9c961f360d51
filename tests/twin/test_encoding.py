"""The twin's JSON encoder writes exactly the bytes of ``json.dumps`` (compact, UTF-8)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from tickets_contract.twin.messages import encode_json

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.text(alphabet=st.characters(codec="utf-8"))
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(_VALUES)
def test_the_same_bytes_as_the_standard_library(value: object) -> None:
    # Counted for the encoder's fallback too: ints beyond 64 bits are in the range.
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    assert encode_json(value) == expected


def test_control_characters_and_line_separators_are_written_alike() -> None:
    value = {"s": '\x00\x1f\x7f\u2028\u2029"\\/é😀\n\t\r\b\f', "k\n": [1, -0, True, None]}
    assert (
        encode_json(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    )


def test_encoded_results_are_written_as_they_are_on_either_path() -> None:
    import orjson

    result = {"id": "17000000934", "properties": {"subject": "Zoë"}}
    kept = orjson.Fragment(encode_json(result))
    fast = encode_json({"results": [kept, kept]})
    # An int beyond 64 bits sends the body through the standard library.
    slow = encode_json({"results": [kept], "n": 2**70})
    assert json.loads(fast) == {"results": [result, result]}
    assert (
        slow
        == json.dumps(
            {"results": [result], "n": 2**70}, ensure_ascii=False, separators=(",", ":")
        ).encode()
    )


_NUMBERS = st.integers(min_value=-(2**70), max_value=2**70) | st.floats(
    allow_nan=False, allow_infinity=False
)
_DOCUMENTS = st.recursive(
    st.none() | st.booleans() | _NUMBERS | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def _typed(value: object) -> object:
    # 1 == 1.0 and 0.0 == -0.0 in Python: compare the types and signs too.
    if isinstance(value, list):
        return [_typed(item) for item in value]
    if isinstance(value, dict):
        return [(key, _typed(item)) for key, item in value.items()]
    return (type(value).__name__, repr(value))


@given(_DOCUMENTS, st.booleans(), st.sampled_from(["", " ", "\n\t "]))
def test_a_body_decodes_to_what_the_standard_library_reads(
    value: object, ascii_only: bool, space: str
) -> None:
    # The request parser takes orjson's fast path where it agrees with json; big
    # integers, infinities (1e400), escapes and odd spacing must read the same either way.
    from tickets_contract.twin.jackson import parse_json

    text = space + json.dumps(value, ensure_ascii=ascii_only) + space
    expected = json.loads(text)
    assert _typed(parse_json(text.encode()).value) == _typed(expected)


def test_repeated_keys_keep_the_last_value_in_the_first_place() -> None:
    from tickets_contract.twin.jackson import parse_json

    parsed = parse_json(b'{"a": 1, "b": [1e400, -0, 12345678901234567890], "a": 3}').value
    assert _typed(parsed) == _typed({"a": 3, "b": [float("inf"), 0, 12345678901234567890]})
