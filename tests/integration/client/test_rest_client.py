"""The REST client against a real pyk8s API server: every verb, typed errors, patches, and
a watch that ends cleanly when the server closes it."""

from __future__ import annotations

import pytest

from pyk8s.api import errors
from tests.integration.client.helpers import client_for, configmap


async def test_create_get_update_delete_and_typed_errors(apiserver):
    async with client_for(apiserver.url) as client:
        configmaps = client.resource("", "v1", "configmaps")
        created = await configmaps.create(configmap("a", k="1"), "default")
        assert created["metadata"]["uid"]
        with pytest.raises(errors.AlreadyExists):
            await configmaps.create(configmap("a"), "default")

        fetched = await configmaps.get("a", "default")
        fetched["data"]["k"] = "2"
        updated = await configmaps.update(fetched)
        assert updated["data"] == {"k": "2"}
        with pytest.raises(errors.Conflict):
            await configmaps.update(fetched)  # its resourceVersion is now stale

        listed = await configmaps.list("default")
        assert [item["metadata"]["name"] for item in listed["items"]] == ["a"]

        await configmaps.delete("a", "default")
        with pytest.raises(errors.NotFound) as raised:
            await configmaps.get("a", "default")
        assert raised.value.message == 'configmaps "a" not found'


async def test_merge_strategic_and_json_patches(apiserver):
    async with client_for(apiserver.url) as client:
        configmaps = client.resource("", "v1", "configmaps")
        await configmaps.create(configmap("p", a="1", b="2"), "default")
        merged = await configmaps.patch("p", {"data": {"b": None, "c": "3"}}, "default")
        assert merged["data"] == {"a": "1", "c": "3"}
        strategic = await configmaps.patch(
            "p", {"metadata": {"labels": {"x": "y"}}}, "default", patch_type="strategic"
        )
        assert strategic["metadata"]["labels"] == {"x": "y"}
        ops = [{"op": "replace", "path": "/data/a", "value": "9"}]
        assert (await configmaps.patch("p", ops, "default", patch_type="json"))["data"]["a"] == "9"


async def test_watch_ends_cleanly_when_the_server_ends_it(apiserver):
    async with client_for(apiserver.url) as client:
        configmaps = client.resource("", "v1", "configmaps")
        version = (await configmaps.list("default"))["metadata"]["resourceVersion"]
        await configmaps.create(configmap("w"), "default")
        stream = configmaps.watch("default", resource_version=version, timeout_seconds=1)
        seen = [(kind, obj["metadata"]["name"]) async for kind, obj in stream]
        assert seen == [("ADDED", "w")]


async def test_a_watch_from_a_version_the_server_no_longer_has_raises_gone(apiserver_process):
    async with client_for(apiserver_process.url) as client:
        configmaps = client.resource("", "v1", "configmaps")
        old = (await configmaps.create(configmap("old"), "default"))["metadata"]
        await configmaps.create(configmap("newer"), "default")
        # A restarted server's watch window starts at its current revision.
        apiserver_process.restart()
        with pytest.raises(errors.Gone):
            async for _ in configmaps.watch("default", resource_version=old["resourceVersion"]):
                pass
