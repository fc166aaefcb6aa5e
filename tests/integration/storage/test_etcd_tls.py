"""The etcd store over TLS, to an etcd that requires client certificates (as kube-apiserver's
etcd does in every tutorial: --etcd-cafile, --etcd-certfile, --etcd-keyfile)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pyk8s.storage.etcd import EtcdStore
from pyk8s.storage.interface import StoreUnavailableError
from tests.support.etcd import EtcdProcess, etcd_server

pytestmark = pytest.mark.etcd


@pytest.fixture(scope="module")
def tls_member(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EtcdProcess]:
    with etcd_server(tmp_path_factory.mktemp("etcd-tls"), tls=True) as member:
        yield member


async def test_with_ca_and_client_certificate_everything_works(tls_member: EtcdProcess):
    tls = tls_member.tls
    assert tls is not None and tls_member.client_url.startswith("https://")
    store = await EtcdStore.connect(
        [tls_member.client_url],
        cafile=tls.cafile,
        certfile=tls.client_certfile,
        keyfile=tls.client_keyfile,
    )
    try:
        watch = store.watch("/secrets/")
        revision = await store.create("/secrets/s", b"over TLS")
        event = await anext(watch)
        assert (event.kv.value, event.revision) == (b"over TLS", revision)
        await watch.aclose()
        got = await store.get("/secrets/s")
        assert got is not None and got.value == b"over TLS"
    finally:
        await store.close()


@pytest.mark.parametrize(
    "given",
    ["nothing", "ca only", "wrong key"],
)
async def test_without_the_right_credentials_connect_fails_clearly(
    tls_member: EtcdProcess, given: str
):
    tls = tls_member.tls
    assert tls is not None
    credentials = {
        "nothing": {},
        "ca only": {"cafile": tls.cafile},
        # The server's certificate with the client's key: they do not belong together.
        "wrong key": {
            "cafile": tls.cafile,
            "certfile": tls.server_certfile,
            "keyfile": tls.client_keyfile,
        },
    }[given]
    with pytest.raises(StoreUnavailableError, match=r"no etcd member answered.*TLS failed"):
        await EtcdStore.connect([tls_member.client_url], failover_timeout=1.0, **credentials)


async def test_plain_http_to_a_tls_member_says_so(tls_member: EtcdProcess):
    plain = tls_member.client_url.replace("https://", "http://")
    with pytest.raises(StoreUnavailableError, match="if etcd serves TLS, give https://"):
        await EtcdStore.connect([plain], failover_timeout=1.0)


async def test_a_certificate_without_its_key_is_refused_before_connecting(tls_member: EtcdProcess):
    tls = tls_member.tls
    assert tls is not None
    with pytest.raises(ValueError, match="both certfile and keyfile"):
        await EtcdStore.connect([tls_member.client_url], certfile=tls.client_certfile)
