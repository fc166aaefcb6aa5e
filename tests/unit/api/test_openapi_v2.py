"""/openapi/v2: the swagger 2.0 document, its protobuf encoding and content negotiation.

The protobuf bytes are read back with a generic wire-format reader written here, using the
field numbers of gnostic's OpenAPIv2.proto directly (not the encoder's tables), so a wrong
number in the encoder fails these tests.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
import pytest

from pyk8s.api import openapi_v2
from pyk8s.api.openapi_v2 import JSON, PROTOBUF, PROTOBUF_AT, negotiate, openapi_v2_response
from pyk8s.api.openapi_v2_proto import encode_document

GVK = "x-kubernetes-group-version-kind"
TOKEN_REVIEW = "io.k8s.api.authentication.v1.TokenReview"
DEPLOYMENT_ITEM = "/apis/apps/v1/namespaces/{namespace}/deployments/{name}"


# ---------------------------------------------------------------- a generic protobuf reader


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def fields(data: bytes) -> dict[int, list[Any]]:
    """Field number -> values: ints for varints, bytes for length-delimited, raw 8 bytes."""
    out: dict[int, list[Any]] = {}
    pos = 0
    while pos < len(data):
        key, pos = read_varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = read_varint(data, pos)
        elif wire == 2:
            length, pos = read_varint(data, pos)
            value, pos = data[pos : pos + length], pos + length
            assert len(value) == length, "truncated length-delimited field"
        elif wire == 1:
            value, pos = data[pos : pos + 8], pos + 8
        else:
            raise AssertionError(f"unexpected wire type {wire} for field {number}")
        out.setdefault(number, []).append(value)
    assert pos == len(data)
    return out


def named(data: bytes, pairs_field: int) -> dict[str, bytes]:
    """A gnostic map: repeated Named<T> {1 name, 2 value} under `pairs_field`."""
    result: dict[str, bytes] = {}
    for pair in fields(data).get(pairs_field, []):
        entry = fields(pair)
        result[entry[1][0].decode()] = entry.get(2, [b""])[0]
    return result


def text(message: dict[int, list[Any]], number: int) -> str:
    return message[number][0].decode()


def extensions(data: bytes, number: int) -> dict[str, Any]:
    """Vendor extensions: NamedAny {1 name, 2 Any {2 yaml}}, the YAML parsed."""
    found = {}
    for pair in fields(data).get(number, []):
        entry = fields(pair)
        found[entry[1][0].decode()] = orjson.loads(fields(entry[2][0])[2][0])
    return found


# ---------------------------------------------------------------- the protobuf document


@pytest.fixture(scope="module")
def document() -> dict[int, list[Any]]:
    body, content_type = openapi_v2_response(PROTOBUF_AT) or (b"", "")
    assert content_type == PROTOBUF
    return fields(body)


@pytest.fixture(scope="module")
def definitions(document) -> dict[str, bytes]:
    return named(document[9][0], 1)  # Document.definitions -> Definitions.additional_properties


@pytest.fixture(scope="module")
def paths(document) -> dict[str, bytes]:
    return named(document[8][0], 2)  # Document.paths -> Paths.path


def test_the_document_says_swagger_2_and_kubernetes(document):
    assert text(document, 1) == "2.0"
    info = fields(document[2][0])
    assert text(info, 1) == "Kubernetes" and text(info, 2).startswith("v1.")


def test_a_kind_is_found_through_its_group_version_kind(definitions):
    review = definitions[TOKEN_REVIEW]
    assert extensions(review, 31)[GVK] == [
        {"group": "authentication.k8s.io", "kind": "TokenReview", "version": "v1"}
    ]
    schema = fields(review)
    assert [v.decode() for v in schema[19]] == ["spec"]  # required
    assert fields(schema[22][0])[1] == [b"object"]  # type: TypeItem.value
    properties = named(schema[25][0], 1)
    spec = fields(properties["spec"])
    # A struct-typed property: $ref beside its description, as swagger 2.0 writes it.
    assert text(spec, 1) == "#/definitions/io.k8s.api.authentication.v1.TokenReviewSpec"
    assert text(spec, 4)


def test_maps_arrays_and_merge_keys_survive(definitions):
    config_map = named(fields(definitions["io.k8s.api.core.v1.ConfigMap"])[25][0], 1)
    data = fields(config_map["data"])
    assert fields(data[22][0])[1] == [b"object"]
    value_schema = fields(fields(data[21][0])[1][0])  # AdditionalPropertiesItem.schema
    assert fields(value_schema[22][0])[1] == [b"string"]

    pod_spec = named(fields(definitions["io.k8s.api.core.v1.PodSpec"])[25][0], 1)
    containers = pod_spec["containers"]
    item = fields(fields(fields(containers)[23][0])[1][0])  # items -> ItemsItem.schema[0]
    assert text(item, 1) == "#/definitions/io.k8s.api.core.v1.Container"
    merge = extensions(containers, 31)
    assert merge["x-kubernetes-patch-merge-key"] == "name"
    assert merge["x-kubernetes-patch-strategy"] == "merge"


def test_patch_operations_declare_field_validation(paths):
    patch = fields(paths[DEPLOYMENT_ITEM])[8][0]  # PathItem.patch
    operation = fields(patch)
    assert extensions(patch, 13)[GVK] == {"group": "apps", "kind": "Deployment", "version": "v1"}
    assert extensions(patch, 13)["x-kubernetes-action"] == "patch"
    query_names = []
    for item in operation[8]:  # ParametersItem -> Parameter -> NonBodyParameter -> Query
        parameter = fields(fields(item)[1][0])
        if 2 in parameter:
            query = fields(parameter[2][0]).get(3)
            if query:
                query_names.append(text(fields(query[0]), 4))
    assert "fieldValidation" in query_names
    assert b"application/strategic-merge-patch+json" in operation[7]  # consumes


def test_a_create_takes_its_object_as_the_body_parameter(paths):
    post = fields(fields(paths["/apis/authentication.k8s.io/v1/tokenreviews"])[4][0])
    first = fields(fields(post[8][0])[1][0])  # ParametersItem.parameter
    body = fields(first[1][0])  # Parameter.body_parameter
    assert text(body, 2) == "body" and text(body, 3) == "body" and body[4] == [1]
    assert text(fields(body[5][0]), 1) == f"#/definitions/{TOKEN_REVIEW}"
    responses = named(post[9][0], 1)  # Responses.response_code
    assert {"201", "401"} <= set(responses)
    created = fields(fields(responses["201"])[1][0])  # ResponseValue.response
    schema = fields(fields(created[2][0])[1][0])  # Response.schema -> SchemaItem.schema
    assert text(schema, 1) == f"#/definitions/{TOKEN_REVIEW}"


def test_path_parameters_are_path_sub_schemas(paths):
    path_item = fields(paths[DEPLOYMENT_ITEM])
    kinds = set()
    for item in path_item[9]:
        non_body = fields(fields(fields(item)[1][0])[2][0])
        kinds.update(non_body)
    assert kinds == {3, 4}  # query (pretty) and path (name, namespace)


# ---------------------------------------------------------------- the JSON document


def refs_in(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [r for value in node.values() for r in refs_in(value)]
    if isinstance(node, list):
        return [r for value in node for r in refs_in(value)]
    return []


def test_every_reference_points_at_a_definition():
    swagger = orjson.loads(openapi_v2_response(JSON)[0])  # type: ignore[index]
    assert swagger == openapi_v2.openapi_v2_document()
    names = {r.removeprefix("#/definitions/") for r in refs_in(swagger)}
    assert names and names <= set(swagger["definitions"])
    as_text = orjson.dumps(swagger).decode()
    assert "#/components/" not in as_text and '"oneOf"' not in as_text


def test_quantity_and_int_or_string_are_strings_in_swagger_2():
    definitions = openapi_v2.openapi_v2_document()["definitions"]
    assert definitions["io.k8s.apimachinery.pkg.api.resource.Quantity"]["type"] == "string"
    int_or_string = definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]
    assert int_or_string["type"] == "string" and int_or_string["format"] == "int-or-string"


def test_shared_schemas_keep_every_group_version_kind():
    delete_options = openapi_v2.openapi_v2_document()["definitions"][
        "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"
    ]
    groups = {k["group"] for k in delete_options[GVK]}
    assert {"", "apps", "authentication.k8s.io"} <= groups


def test_the_etag_is_a_quoted_sha512_of_the_json():
    assert re.fullmatch(r'"[0-9A-F]{128}"', openapi_v2.openapi_v2_etag())


# ---------------------------------------------------------------- negotiation and encoding


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (PROTOBUF_AT, PROTOBUF),
        (PROTOBUF, PROTOBUF),
        ("application/json", JSON),
        ("", JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        (f"application/json;q=0.5, {PROTOBUF_AT}", PROTOBUF),
        (f"{PROTOBUF_AT};q=0, application/json", JSON),
        ("text/html, */*;q=0.1", JSON),
        ("text/plain", None),
        ("application/yaml", None),
    ],
)
def test_negotiation_picks_what_kube_apiserver_would(accept, expected):
    assert negotiate(accept) == expected


def test_an_unknown_key_is_an_error_not_a_silent_loss():
    with pytest.raises(ValueError, match="'nullable'"):
        encode_document({"definitions": {"X": {"type": "object", "nullable": True}}})


def test_additional_properties_false_is_written():
    encoded = encode_document({"definitions": {"X": {"additionalProperties": False}}})
    schema = fields(named(fields(encoded)[9][0], 1)["X"])
    assert fields(schema[21][0]) == {2: [0]}
