"""Pull images through the OCI distribution API (what Docker Hub and docker-registry speak).

A pull is: fetch the manifest for the tag or digest (asking for every manifest type we read),
and if it is an index of platforms, fetch the linux/amd64 one; then fetch the config and every
layer blob not already in the store. Every byte is checked against its digest: the manifest
against the digest in the reference (or the registry's `Docker-Content-Digest`), blobs against
the manifest. Nothing that fails a check is stored.

Registries that want a token answer 401 with `WWW-Authenticate: Bearer realm=…,service=…,
scope=…`; an anonymous pull asks the realm for a token (no credentials), as Docker does for
public images on Docker Hub, and retries with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import aiohttp

from pyk8s.kubelet.images import reference
from pyk8s.kubelet.images.reference import Reference
from pyk8s.kubelet.images.store import (
    DOCKER_MANIFEST,
    DOCKER_MANIFEST_LIST,
    INDEX_TYPES,
    OCI_INDEX,
    OCI_MANIFEST,
    DigestMismatch,
    Image,
    ImageError,
    ImageStore,
    sha256_digest,
)

ACCEPT = ", ".join((OCI_MANIFEST, DOCKER_MANIFEST, OCI_INDEX, DOCKER_MANIFEST_LIST))
PLATFORM = {"os": "linux", "architecture": "amd64"}
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')


class NotFound(ImageError):
    """The registry has no such repository, tag or digest (kubelet: ErrImagePull, not found)."""


def pick_platform(index: dict) -> dict:
    """The descriptor of the linux/amd64 manifest in an image index or manifest list."""
    for descriptor in index.get("manifests", []):
        platform = descriptor.get("platform") or {}
        if all(platform.get(k) == v for k, v in PLATFORM.items()):
            return descriptor
    raise ImageError("no matching manifest for linux/amd64 in the manifest list entries")


@dataclass
class _Session:
    """One repository on one registry: the HTTP session and the bearer token it earned."""

    http: aiohttp.ClientSession
    ref: Reference
    token: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        scheme = "http" if self.ref.insecure else "https"
        return f"{scheme}://{self.ref.api_host}/v2/{self.ref.repository}"

    async def get(self, path: str, accept: str | None = None) -> aiohttp.ClientResponse:
        for attempt in range(2):
            headers = {"Accept": accept} if accept else {}
            if self.token:
                headers["Authorization"] = f"Bearer {self.token}"
            response = await self.http.get(f"{self.base}/{path}", headers=headers)
            if response.status == 401 and attempt == 0:
                challenge = response.headers.get("WWW-Authenticate", "")
                response.release()
                await self._fetch_token(challenge)
                continue
            if response.status == 404:
                response.release()
                raise NotFound(f"{self.ref}: not found")
            if response.status >= 400:
                text = await response.text()
                raise ImageError(f"{self.ref}: registry answered {response.status}: {text[:200]}")
            return response
        raise ImageError(f"{self.ref}: unauthorized")

    async def _fetch_token(self, challenge: str) -> None:
        scheme, _, params = challenge.partition(" ")
        if scheme.lower() != "bearer":
            raise ImageError(
                f"{self.ref}: registry wants {scheme or 'unknown'} auth; only anonymous bearer tokens are supported"
            )
        values = dict(_CHALLENGE_PARAM.findall(params))
        query = {k: values[k] for k in ("service", "scope") if k in values}
        query.setdefault("scope", f"repository:{self.ref.repository}:pull")
        async with self.http.get(values["realm"], params=query) as response:
            if response.status != 200:
                raise ImageError(f"{self.ref}: token request answered {response.status}")
            body = await response.json(content_type=None)
        self.token = body.get("token") or body.get("access_token")


async def pull(store: ImageStore, name: str, *, stall_timeout: float = 60.0) -> Image:
    """Pull `name` into the store and tag it; returns the stored image.

    There is no limit on a whole pull (big images take long); a connection that stalls for
    `stall_timeout` seconds fails it.
    """
    ref = reference.parse(name)
    client_timeout = aiohttp.ClientTimeout(
        total=None, sock_connect=stall_timeout, sock_read=stall_timeout
    )
    async with aiohttp.ClientSession(timeout=client_timeout) as http:
        session = _Session(http, ref)
        manifest_digest = await _fetch_manifest(
            session, store, ref.digest or ref.tag or "latest", ref.digest
        )
        manifest = store.read_json(manifest_digest)
        if manifest.get("mediaType") in INDEX_TYPES or "manifests" in manifest:
            chosen = pick_platform(manifest)
            manifest_digest = await _fetch_manifest(
                session, store, chosen["digest"], chosen["digest"]
            )
            manifest = store.read_json(manifest_digest)
        for blob in (manifest["config"], *manifest["layers"]):
            await _fetch_blob(session, store, blob["digest"], blob.get("size"))
    return store.tag(str(ref), manifest_digest)


async def _fetch_manifest(
    session: _Session, store: ImageStore, tag_or_digest: str, expected: str | None
) -> str:
    response = await session.get(f"manifests/{tag_or_digest}", accept=ACCEPT)
    async with response:
        body = await response.read()
        announced = response.headers.get("Docker-Content-Digest")
    actual = sha256_digest(body)
    for claimed in (expected, announced):
        if claimed and claimed != actual:
            raise DigestMismatch(
                f"manifest for {session.ref} hashes to {actual}, expected {claimed}"
            )
    store.put_blob(body, actual)
    return actual


async def _fetch_blob(session: _Session, store: ImageStore, digest: str, size: int | None) -> None:
    if store.has_blob(digest):
        return
    writer = store.blob_writer(digest, size)
    try:
        response = await session.get(f"blobs/{digest}")
        async with response:
            async for chunk in response.content.iter_chunked(1 << 20):
                writer.write(chunk)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
