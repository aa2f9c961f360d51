"""HubSpot's own SDKs read tickets from the served twin (S2, S3).

The twin now answers as the 2025-2026 recordings show (S26-S34): ``url`` on results,
the newer key order, rate-limit headers on every answer. Clients generated from an older
spec must still parse it. These tests need the SDKs, which are not dependencies of the
suite: ``pip install hubspot-api-client==12.0.0`` for the Python one, and for the Node
one ``npm install @hubspot/api-client`` in a directory named by ``HUBSPOT_NODE_SDK_DIR``.
Without them the tests are skipped, saying so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tickets_contract.twin import DEMO_TOKEN, Twin, TwinConfig, serve_in_thread

MISSING = "9000000000001"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, list[str]]]:
    twin = Twin(config=TwinConfig(size=200))
    ids = [t.id for t in twin.store if not t.archived][:3]
    with serve_in_thread(twin) as base_url:
        yield base_url, ids


def test_the_python_sdk_reads_found_partial_and_limit(served: tuple[str, list[str]]) -> None:
    tickets = pytest.importorskip("hubspot.crm.tickets", reason="pip install hubspot-api-client")
    base_url, ids = served
    config = tickets.Configuration(host=base_url)
    config.access_token = DEMO_TOKEN
    api = tickets.BatchApi(tickets.ApiClient(config))

    def body(*wanted: str, history: list[str] | None = None) -> object:
        return tickets.BatchReadInputSimplePublicObjectId(
            inputs=[tickets.SimplePublicObjectId(id=i) for i in wanted],
            properties=["subject"],
            properties_with_history=history or [],
        )

    found = api.read(body(*ids, history=["hs_pipeline_stage"]))
    assert found.status == "COMPLETE"
    assert sorted(r.id for r in found.results) == sorted(ids)
    assert found.results[0].properties_with_history["hs_pipeline_stage"]
    partial = api.read(body(ids[0], MISSING))
    assert type(partial).__name__ == "BatchResponseSimplePublicObjectWithErrors"
    assert partial.errors[0].context == {"ids": [MISSING]}
    with pytest.raises(tickets.ApiException) as refused:
        api.read(body(*[MISSING] * 101))
    assert refused.value.status == 400


NODE_SCRIPT = """
const hubspot = require('@hubspot/api-client');
const [url, token, ...ids] = process.argv.slice(2);
(async () => {
  const client = new hubspot.Client({accessToken: token, basePath: url, numberOfApiCallRetries: 0});
  const api = client.crm.tickets.batchApi;
  const found = await api.read({inputs: ids.map(id => ({id})), properties: ['subject'],
                                propertiesWithHistory: []});
  const partial = await api.read({inputs: [{id: ids[0]}, {id: 'MISSING_ID'}], properties: [],
                                  propertiesWithHistory: []});
  console.log(JSON.stringify({found: found.results.map(r => r.id), dates: found.results.every(
    r => r.createdAt instanceof Date), missing: partial.errors[0].context.ids}));
})().catch(e => { console.error(e); process.exit(1); });
""".replace("MISSING_ID", MISSING)


def test_the_node_sdk_reads_found_and_partial(
    served: tuple[str, list[str]], tmp_path: Path
) -> None:
    directory = os.environ.get("HUBSPOT_NODE_SDK_DIR")
    node = shutil.which("node")
    if not directory or node is None:
        pytest.skip("set HUBSPOT_NODE_SDK_DIR to a directory with @hubspot/api-client installed")
    base_url, ids = served
    script = Path(directory) / "tickets-contract-sdk-check.js"
    script.write_text(NODE_SCRIPT)
    try:
        completed = subprocess.run(
            [node, str(script), base_url, DEMO_TOKEN, *ids],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        script.unlink()
    assert completed.returncode == 0, completed.stderr
    answer = json.loads(completed.stdout)
    assert sorted(answer["found"]) == sorted(ids)
    assert answer["dates"] is True
    assert answer["missing"] == [MISSING]
