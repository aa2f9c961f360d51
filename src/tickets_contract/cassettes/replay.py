"""Replay: cassettes served by a respx router, for testing client code without a network.

Match on method, path, query and the *parsed* JSON body (respx's ``json=`` pattern,
https://lundberg.github.io/respx/api/#json; httpx 0.28 writes compact JSON, other
clients do not, so raw bytes would not match); a body that is not JSON matches byte for
byte. Identical requests share one route whose answers come in recorded order. A stale
cassette fails loudly:

* ``assert_all_mocked``: a request the cassettes do not hold raises respx's
  ``AllMockedAssertionError``;
* ``assert_all_called``: leaving the block with a recorded request never sent fails, and
  so does leaving it with recorded answers to a request not all used;
* sending a recorded request more often than it was recorded raises ``ReplayExhausted``.

    with Replay(load_cassettes(Path("tests/cassettes"), ["by-id-partial-miss"])) as replay:
        response = httpx.post(f"https://api.hubapi.com{path}", json=body)
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any

import httpx
import respx

from tickets_contract.cassettes.format import Cassette, Interaction
from tickets_contract.network.guards import LIVE_BASE_URL

__all__ = ["Replay", "ReplayExhausted"]


class ReplayExhausted(AssertionError):
    """A recorded request was sent more often than the cassette recorded it."""


class _Answers:
    """The recorded answers to one request, handed out in order."""

    def __init__(self, cassette: Cassette, first: int) -> None:
        self.cassette = cassette
        self.first = first
        self.interactions: list[Interaction] = []
        self.used = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.used >= len(self.interactions):
            raise ReplayExhausted(
                f"{self.cassette.label}: interactions[{self.first}]: this request was recorded "
                f"{len(self.interactions)} time(s) and is now sent once more; fix: send it "
                "as often as the scenario does, or record the scenario again"
            )
        recorded = self.interactions[self.used].response
        self.used += 1
        return httpx.Response(
            recorded.status, headers=dict(recorded.headers), content=recorded.content()
        )

    @property
    def unused(self) -> int:
        return len(self.interactions) - self.used


class Replay:
    """A respx router answering the cassettes' requests; a context manager.

    ``base_url`` is where the client under test sends (HubSpot's by default); ``None``
    matches any host. ``assert_all_called`` and ``assert_all_mocked`` are respx's, on by
    default.
    """

    def __init__(
        self,
        cassettes: Sequence[Cassette],
        *,
        base_url: str | None = LIVE_BASE_URL,
        assert_all_called: bool = True,
        assert_all_mocked: bool = True,
    ) -> None:
        self.cassettes = tuple(cassettes)
        self._assert_all_called = assert_all_called
        self.router: respx.MockRouter = respx.mock(
            base_url=base_url,
            assert_all_called=assert_all_called,
            assert_all_mocked=assert_all_mocked,
        )
        self._answers: list[_Answers] = []
        for cassette in self.cassettes:
            by_key: dict[tuple[str, str, str, str], _Answers] = {}
            for index, interaction in enumerate(cassette.interactions):
                key = interaction.request.key()
                if key not in by_key:
                    by_key[key] = _Answers(cassette, index)
                    self._route(interaction, by_key[key], f"{cassette.name}#{index}")
                by_key[key].interactions.append(interaction)
            self._answers += by_key.values()

    def _route(self, interaction: Interaction, answers: _Answers, name: str) -> None:
        request = interaction.request
        patterns: dict[str, Any] = {
            "method": request.method,
            "path": request.path,
            "params__eq": dict(request.query),
        }
        if request.text is not None:
            patterns["content"] = request.text
        elif request.json is not None:
            patterns["json"] = request.json
        self.router.route(name=name, **patterns).mock(side_effect=answers)

    def __enter__(self) -> Replay:
        self.router.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.router.__exit__(exc_type, exc, traceback)
        if exc_type is None and self._assert_all_called:
            self.assert_all_played()

    def assert_all_played(self) -> None:
        """Fail unless every recorded answer was used."""
        unused = [answers for answers in self._answers if answers.unused]
        if unused:
            lines = [
                f"{a.cassette.label}: interactions[{a.first}]: {a.unused} of "
                f"{len(a.interactions)} recorded answer(s) never requested"
                for a in unused
            ]
            raise AssertionError(
                "RESPX: recorded requests were not all sent (a stale cassette?):\n  "
                + "\n  ".join(lines)
                + "\n  fix: send what the scenario sends, or record it again"
            )
