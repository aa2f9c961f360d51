"""TwinConfig refuses values that make no sense, naming the setting and the fix."""

from __future__ import annotations

import pytest

from tickets_contract.errors import ConfigError
from tickets_contract.twin import TwinConfig


@pytest.mark.parametrize(
    ("settings", "where"),
    [
        pytest.param({"size": -1}, "size", id="negative-size"),
        pytest.param({"archived_fraction": 1.5}, "archived_fraction", id="fraction-above-1"),
        pytest.param({"archived_fraction": float("nan")}, "archived_fraction", id="fraction-nan"),
        pytest.param({"all_missing_status": 200}, "all_missing_status", id="status-200"),
        pytest.param({"duplicate_ids": "merge"}, "duplicate_ids", id="duplicates-merge"),
        pytest.param({"archived_parsing": "lenient"}, "archived_parsing", id="parsing"),
        pytest.param({"rate_limit_ten_secondly": 0}, "rate_limit_ten_secondly", id="limit-0"),
        pytest.param({"rate_limit_daily": -5}, "rate_limit_daily", id="daily-negative"),
        pytest.param({"max_body_bytes": 0}, "max_body_bytes", id="body-0"),
        pytest.param({"extra_tokens": ("a b",)}, "extra_tokens", id="token-with-space"),
        pytest.param({"expired_token_age_seconds": -1}, "expired_token_age_seconds", id="age"),
    ],
)
def test_bad_settings_are_config_errors(settings: dict[str, object], where: str) -> None:
    with pytest.raises(ConfigError) as caught:
        TwinConfig(**settings)  # type: ignore[arg-type]
    assert caught.value.where == where
    shown = settings[where]
    shown = shown[0] if isinstance(shown, tuple) else shown
    assert f"got {shown!r}" in caught.value.problem
    assert "TwinConfig(" in caught.value.fix


def test_defaults() -> None:
    config = TwinConfig()
    assert (config.seed, config.size, config.all_missing_status, config.duplicate_ids) == (
        0,
        1000,
        207,
        "dedupe",
    )
    assert config.rate_limit_ten_secondly is None
    assert config.rate_limit_daily is None
    assert TwinConfig(extra_tokens=["x"]).extra_tokens == ("x",)  # type: ignore[arg-type]
