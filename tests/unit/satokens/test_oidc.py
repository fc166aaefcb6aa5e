"""OIDC discovery documents: what a relying party needs to verify our tokens by itself."""

from pathlib import Path

import orjson

from pyk8s.apiserver.config import APIServerConfig
from pyk8s.apiserver.serviceaccounts import jwt, oidc
from pyk8s.apiserver.serviceaccounts.authority import load_authority


def test_configuration_points_at_the_key_set_on_the_issuers_host(tmp_path: Path):
    authority = load_authority(
        APIServerConfig(data_dir=str(tmp_path), service_account_issuers=["https://k8s.example/x"])
    )
    document = oidc.configuration(authority)
    assert document == {
        "issuer": "https://k8s.example/x",
        "jwks_uri": "https://k8s.example/openid/v1/jwks",
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
    }
    response = oidc.response(authority, oidc.KEYS_PATH)
    assert response is not None and response.content_type == "application/jwk-set+json"
    keys = orjson.loads(response.body)["keys"]
    assert [k["kid"] for k in keys] == [jwt.key_id(k) for k in authority.public_keys]
    assert oidc.response(authority, "/somewhere-else") is None


def test_no_discovery_for_an_issuer_that_is_not_an_https_url(tmp_path: Path):
    config = APIServerConfig(data_dir=str(tmp_path), service_account_issuers=["kubernetes/sa"])
    assert oidc.response(load_authority(config), oidc.CONFIGURATION_PATH) is None
