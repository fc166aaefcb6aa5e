"""Image references as Docker and Kubernetes read them: `nginx` is docker.io/library/nginx:latest.

A reference names a registry (a host, with an optional port), a repository, and a tag and/or a
digest. The first path component is a registry only when it looks like a host name (it holds a
dot or a colon, or is `localhost`); otherwise the image lives on Docker Hub, and one-word names
belong to its `library/` namespace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DOCKER_HUB = "docker.io"
# Docker Hub's API does not answer on docker.io itself.
DOCKER_HUB_API = "registry-1.docker.io"
DEFAULT_TAG = "latest"

_REPOSITORY = re.compile(
    r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$"
)
_TAG = re.compile(r"^[\w][\w.-]{0,127}$")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


class InvalidReference(ValueError):
    """The text is not an image reference (the kubelet reports InvalidImageName)."""


@dataclass(frozen=True)
class Reference:
    registry: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    @property
    def name(self) -> str:
        """registry/repository, the part of the reference without tag or digest."""
        return f"{self.registry}/{self.repository}"

    @property
    def api_host(self) -> str:
        return DOCKER_HUB_API if self.registry == DOCKER_HUB else self.registry

    @property
    def insecure(self) -> bool:
        """Loopback registries speak plain HTTP, as Docker allows for 127.0.0.0/8 by default."""
        host = (
            self.registry.rsplit(":", 1)[0] if not self.registry.startswith("[") else self.registry
        )
        return host in ("localhost", "[::1]") or host.startswith("127.")

    def __str__(self) -> str:
        text = self.name
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text

    def with_digest(self, digest: str) -> Reference:
        return Reference(self.registry, self.repository, None, digest)


def parse(text: str) -> Reference:
    """The fully qualified reference for `text`; raises InvalidReference."""
    remainder, _, digest = text.partition("@")
    if digest and not _DIGEST.match(digest):
        raise InvalidReference(f"invalid digest in image reference {text!r}")
    tag = None
    last_slash = remainder.rfind("/")
    colon = remainder.rfind(":")
    if colon > last_slash:
        remainder, tag = remainder[:colon], remainder[colon + 1 :]
        if not _TAG.match(tag):
            raise InvalidReference(f"invalid tag in image reference {text!r}")
    first, _, rest = remainder.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, repository = first, rest
    else:
        registry, repository = DOCKER_HUB, remainder
        if "/" not in repository:
            repository = f"library/{repository}"
    if not _REPOSITORY.match(repository):
        raise InvalidReference(f"invalid image reference {text!r}")
    if tag is None and not digest:
        tag = DEFAULT_TAG
    return Reference(registry, repository, tag, digest or None)


def familiar(name: str) -> str:
    """The short form people type: docker.io/library/nginx:1 -> nginx:1."""
    for prefix in (f"{DOCKER_HUB}/library/", f"{DOCKER_HUB}/"):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name
