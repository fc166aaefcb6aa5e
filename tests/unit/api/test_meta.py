import re
import uuid

from pyk8s.api import meta


def test_timestamps_are_rfc3339_utc():
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", meta.now_rfc3339())
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", meta.now_rfc3339_micro())


def test_uids_are_unique_uuid4():
    first, second = meta.new_uid(), meta.new_uid()
    assert first != second and uuid.UUID(first).version == 4


def test_accessors_tolerate_missing_metadata():
    assert meta.name({}) == "" and meta.labels({"metadata": None}) == {}
    obj = {"metadata": {"name": "web", "namespace": "ns", "labels": {"a": "b"}}}
    assert (meta.name(obj), meta.namespace(obj), meta.labels(obj)) == ("web", "ns", {"a": "b"})
    assert meta.key(obj) == "ns/web" and meta.key({"metadata": {"name": "n1"}}) == "n1"


def test_controller_reference():
    obj = {"metadata": {"ownerReferences": [{"kind": "A"}, {"kind": "B", "controller": True}]}}
    assert meta.controller_of(obj) == {"kind": "B", "controller": True}
    assert not meta.is_being_deleted(obj)
    meta.metadata(obj)["deletionTimestamp"] = "2024-05-01T12:00:00Z"
    assert meta.is_being_deleted(obj)
