"""CRUD, selectors, paging, conflicts and error Status objects over real HTTP (in-process
server on real SQLite), as any client sees them."""

from __future__ import annotations

import pytest

CM = "/api/v1/namespaces/default/configmaps"


async def create(http, name: str, labels: dict | None = None, **extra) -> dict:
    body = {"metadata": {"name": name, "labels": labels or {}}, "data": {"k": name}, **extra}
    async with http.post(CM, json=body) as response:
        assert response.status == 201, await response.text()
        return await response.json()


async def test_create_get_list_delete(apiserver):
    async with apiserver.session() as http:
        created = await create(http, "one")
        assert created["kind"] == "ConfigMap" and created["apiVersion"] == "v1"
        assert created["metadata"]["uid"] and created["metadata"]["creationTimestamp"]
        async with http.get(f"{CM}/one") as response:
            fetched = await response.json()
        assert fetched == created
        async with http.get(CM) as response:
            listed = await response.json()
        assert listed["kind"] == "ConfigMapList"
        assert [i["metadata"]["name"] for i in listed["items"]] == ["one"]
        assert int(listed["metadata"]["resourceVersion"]) >= int(
            created["metadata"]["resourceVersion"]
        )
        async with http.delete(f"{CM}/one", json={"propagationPolicy": "Background"}) as response:
            status = await response.json()
        assert response.status == 200
        assert status["status"] == "Success"
        assert status["details"] == {
            "name": "one",
            "kind": "configmaps",
            "uid": created["metadata"]["uid"],
        }
        async with http.get(f"{CM}/one") as response:
            assert response.status == 404
            assert (await response.json())["message"] == 'configmaps "one" not found'


async def test_generate_name_and_already_exists(apiserver):
    async with apiserver.session() as http:
        async with http.post(CM, json={"metadata": {"generateName": "gen-"}}) as response:
            name = (await response.json())["metadata"]["name"]
        assert name.startswith("gen-") and len(name) == 9
        await create(http, "dup")
        async with http.post(CM, json={"metadata": {"name": "dup"}}) as response:
            assert response.status == 409
            status = await response.json()
        assert status["reason"] == "AlreadyExists"
        assert status["message"] == 'configmaps "dup" already exists'


async def test_update_conflict_and_noop(apiserver):
    async with apiserver.session() as http:
        created = await create(http, "cfg")
        stale = dict(created, data={"k": "new"})
        async with http.put(f"{CM}/cfg", json=stale) as response:
            assert response.status == 200
            updated = await response.json()
        assert updated["metadata"]["resourceVersion"] != created["metadata"]["resourceVersion"]
        async with http.put(f"{CM}/cfg", json=stale) as response:
            assert response.status == 409
            assert (await response.json())["message"] == (
                'Operation cannot be fulfilled on configmaps "cfg": the object has been modified; '
                "please apply your changes to the latest version and try again"
            )
        async with http.put(f"{CM}/cfg", json=updated) as response:
            same = await response.json()
        assert same["metadata"]["resourceVersion"] == updated["metadata"]["resourceVersion"]


async def test_label_and_field_selectors_and_paging(apiserver):
    async with apiserver.session() as http:
        for i in range(5):
            await create(http, f"cm{i}", {"app": "web" if i % 2 == 0 else "db"})
        async with http.get(CM, params={"labelSelector": "app=web"}) as response:
            names = [i["metadata"]["name"] for i in (await response.json())["items"]]
        assert names == ["cm0", "cm2", "cm4"]
        async with http.get(CM, params={"fieldSelector": "metadata.name=cm3"}) as response:
            assert [i["metadata"]["name"] for i in (await response.json())["items"]] == ["cm3"]
        async with http.get(CM, params={"fieldSelector": "spec.foo=x"}) as response:
            assert response.status == 400
        seen, token = [], ""
        while True:
            params = {"limit": "2", **({"continue": token} if token else {})}
            async with http.get(CM, params=params) as response:
                page = await response.json()
            seen += [i["metadata"]["name"] for i in page["items"]]
            token = page["metadata"].get("continue", "")
            if not token:
                break
        assert seen == [f"cm{i}" for i in range(5)]


@pytest.mark.parametrize(
    ("body", "content_type", "code"),
    [
        (b'{"metadata": {"name": "x"', "application/json", 400),
        (b'{"metadata": {"name": "Bad_Name"}}', "application/json", 422),
        (b"metadata: {name: from-yaml}\ndata: {a: b}\n", "application/yaml", 201),
        (b'{"metadata": {"name": "x"}}', "text/plain", 415),
    ],
)
async def test_bad_input_is_a_status(apiserver, body, content_type, code):
    headers = {"Content-Type": content_type}
    async with apiserver.session() as http, http.post(CM, data=body, headers=headers) as response:
        assert response.status == code, await response.text()
        if code != 201:
            status = await response.json()
            assert status["kind"] == "Status" and status["code"] == code


async def test_field_validation(apiserver):
    async with apiserver.session() as http:
        body = {"metadata": {"name": "fv"}, "spec": {"foo": 1}}
        async with http.post(CM, json=body, params={"fieldValidation": "Strict"}) as response:
            assert response.status == 400
            assert (
                'strict decoding error: unknown field "spec"' in (await response.json())["message"]
            )
        async with http.post(CM, json=body, params={"fieldValidation": "Warn"}) as response:
            assert response.status == 201
            assert response.headers.getall("Warning") == ['299 - "unknown field \\"spec\\""']
            assert "spec" not in await response.json()


async def test_huge_body_is_413(apiserver):
    async with apiserver.session() as http:
        body = b'{"data": {"a": "' + b"x" * (3 * 1024 * 1024 + 10) + b'"}}'
        async with http.post(
            CM, data=body, headers={"Content-Type": "application/json"}
        ) as response:
            assert response.status == 413
            assert (await response.json())["reason"] == "RequestEntityTooLarge"


async def test_unknown_paths_and_methods(apiserver):
    async with apiserver.session() as http:
        async with http.get("/api/v1/namespaces/default/widgets") as response:
            assert response.status == 404
            assert (await response.json())[
                "message"
            ] == "the server could not find the requested resource"
        async with http.put(CM) as response:
            assert response.status == 405


async def test_namespace_lifecycle(apiserver):
    async with apiserver.session() as http:
        async with http.post(
            "/api/v1/namespaces/missing/configmaps", json={"metadata": {"name": "a"}}
        ) as response:
            assert response.status == 404
            assert (await response.json())["message"] == 'namespaces "missing" not found'
        async with http.delete("/api/v1/namespaces/kube-system") as response:
            assert response.status == 403
            assert "this namespace may not be deleted" in (await response.json())["message"]


async def test_dry_run_does_not_write(apiserver):
    async with apiserver.session() as http:
        async with http.post(
            CM, json={"metadata": {"name": "dry"}}, params={"dryRun": "All"}
        ) as response:
            assert response.status == 201
        async with http.get(f"{CM}/dry") as response:
            assert response.status == 404


async def test_finalizers_keep_the_object_until_removed(apiserver):
    async with apiserver.session() as http:
        created = await create(http, "fin", finalizers=None)
        created["metadata"]["finalizers"] = ["example.com/hold"]
        async with http.put(f"{CM}/fin", json=created) as response:
            held = await response.json()
        async with http.delete(f"{CM}/fin") as response:
            pending = await response.json()
        assert pending["metadata"]["deletionTimestamp"]
        async with http.get(f"{CM}/fin") as response:
            assert response.status == 200
        pending["metadata"]["finalizers"] = []
        async with http.put(f"{CM}/fin", json=pending) as response:
            assert response.status == 200
        async with http.get(f"{CM}/fin") as response:
            assert response.status == 404, held


async def test_merge_patch_and_noop_patch(apiserver):
    async with apiserver.session() as http:
        created = await create(http, "p")
        headers = {"Content-Type": "application/merge-patch+json"}
        patch = b'{"metadata": {"labels": {"tier": "web"}}}'
        async with http.patch(f"{CM}/p", data=patch, headers=headers) as response:
            patched = await response.json()
        assert patched["metadata"]["labels"] == {"tier": "web"}
        assert patched["metadata"]["resourceVersion"] != created["metadata"]["resourceVersion"]
        async with http.patch(f"{CM}/p", data=patch, headers=headers) as response:
            again = await response.json()
        assert again["metadata"]["resourceVersion"] == patched["metadata"]["resourceVersion"]
