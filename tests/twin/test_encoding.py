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
