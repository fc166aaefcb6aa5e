"""The event recorder against a real API server: repeats aggregate into one Event with a
count, different messages make separate Events, names follow Kubernetes' pattern."""

from __future__ import annotations

import re

from pyk8s.client.events import EventRecorder
from tests.integration.client.helpers import client_for, configmap


async def test_repeated_events_aggregate_into_one_with_a_count(apiserver):
    async with client_for(apiserver.url) as client:
        target = await client.resource("", "v1", "configmaps").create(configmap("t"), "default")
        recorder = EventRecorder(client, "test-controller", host="node-a")
        recorder.start()
        for _ in range(3):
            recorder.event(target, "Normal", "Synced", "configmap synced")
        recorder.event(target, "Warning", "Failed", "something broke")
        await recorder.stop()

        events = (await client.resource("", "v1", "events").list("default"))["items"]
        by_reason = {event["reason"]: event for event in events}
        assert sorted(by_reason) == ["Failed", "Synced"]
        synced = by_reason["Synced"]
        assert synced["count"] == 3
        assert synced["type"] == "Normal"
        assert synced["source"] == {"component": "test-controller", "host": "node-a"}
        assert synced["involvedObject"]["uid"] == target["metadata"]["uid"]
        assert synced["involvedObject"]["kind"] == "ConfigMap"
        assert re.fullmatch(r"t\.[0-9a-f]+", synced["metadata"]["name"])
        assert synced["lastTimestamp"] >= synced["firstTimestamp"]
        assert by_reason["Failed"]["count"] == 1


async def test_a_cluster_scoped_object_gets_its_events_in_default(apiserver):
    async with client_for(apiserver.url) as client:
        namespace = await client.resource("", "v1", "namespaces").get("default")
        recorder = EventRecorder(client, "test-controller", host="h")
        recorder.start()
        recorder.event(namespace, "Normal", "Checked", "looked at it")
        await recorder.stop()
        events = (await client.resource("", "v1", "events").list("default"))["items"]
        assert [e["involvedObject"]["name"] for e in events] == ["default"]
