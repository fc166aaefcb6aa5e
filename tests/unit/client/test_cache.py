"""The indexed cache: keys, and indexes that stay exact through adds, updates and deletes."""

from __future__ import annotations

import pytest

from pyk8s.client.cache import INDEX_FUNCS, Indexer, object_key, split_key


def pod(name: str, node: str = "", owner: str = "", namespace: str = "default", **labels: str):
    metadata = {"name": name, "namespace": namespace, "labels": labels}
    if owner:
        metadata["ownerReferences"] = [{"uid": owner, "kind": "ReplicaSet", "name": "rs"}]
    return {"metadata": metadata, "spec": {"nodeName": node} if node else {}}


def test_keys_are_namespace_slash_name_or_just_name():
    assert object_key(pod("p", namespace="ns")) == "ns/p"
    assert object_key({"metadata": {"name": "node1"}}) == "node1"
    assert split_key("ns/p") == ("ns", "p")
    assert split_key("node1") == (None, "node1")


def test_indexes_follow_updates_and_deletes():
    cache = Indexer(dict(INDEX_FUNCS))
    cache.add(pod("a", node="n1", owner="u1", app="web"))
    cache.add(pod("b", node="n1", app="db"))
    cache.add(pod("c", namespace="other"))
    assert cache.index_keys("nodeName", "n1") == ["default/a", "default/b"]
    assert cache.index_keys("owner", "u1") == ["default/a"]
    assert cache.index_keys("label", "app=web") == ["default/a"]
    assert cache.index_keys("namespace", "other") == ["other/c"]

    old = cache.update(pod("a", node="n2", app="web"))
    assert old is not None and old["spec"]["nodeName"] == "n1"
    assert cache.index_keys("nodeName", "n1") == ["default/b"]
    assert cache.index_keys("nodeName", "n2") == ["default/a"]
    assert cache.index_keys("owner", "u1") == []

    cache.delete("default/b")
    assert "n1" not in cache.index_values("nodeName")
    assert [p["metadata"]["name"] for p in cache.by_index("label", "app=web")] == ["a"]


def test_an_index_added_later_files_existing_objects_and_replace_resets_everything():
    cache = Indexer()
    cache.add(pod("a", node="n1"))
    cache.add_index("nodeName", INDEX_FUNCS["nodeName"])
    assert cache.index_keys("nodeName", "n1") == ["default/a"]
    cache.replace([pod("b", node="n2")])
    assert cache.list_keys() == ["default/b"]
    assert cache.index_values("nodeName") == ["n2"]
    with pytest.raises(KeyError):
        cache.index_keys("missing", "x")
