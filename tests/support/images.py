"""Small test images built from busybox-static, and a real local registry to pull them from.

`busybox_image()` builds an image in memory: a base layer with /bin/busybox and the applets the
tests use, and optionally a second layer that exercises whiteouts (it deletes /bin/ls and
replaces /www wholesale). `write_oci_layout` and `write_docker_save` write it in the two
formats `pyk8s image import` reads; `Registry` runs Debian's docker-registry on 127.0.0.1 (a
free port, storage under the test's tmp dir), pushes images to it through the distribution
API, and is stopped by its PID when the `with` block ends, also when the test fails.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tarfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

BUSYBOX = "/bin/busybox"
APPLETS = (
    "sh", "cat", "echo", "env", "id", "hostname", "dd", "head", "ls", "wget", "true", "false",
    "mkdir", "timeout", "printf", "ps", "kill", "sleep", "httpd", "trap", "grep", "tr", "seq", "yes", "test",
)  # fmt: skip
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _add(
    archive: tarfile.TarFile,
    name: str,
    data: bytes | None = None,
    *,
    mode: int = 0o644,
    kind: bytes = tarfile.REGTYPE,
    link: str = "",
) -> None:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.mtime, info.linkname = kind, mode, 0, link
    if data is not None:
        info.size = len(data)
    archive.addfile(info, io.BytesIO(data) if data is not None else None)


def _tar(build) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        build(archive)
    return buffer.getvalue()


@functools.lru_cache(maxsize=8)
def base_layer(index_html: bytes = b"hello from pyk8s\n") -> bytes:
    """An uncompressed tar: busybox, its applets, a passwd file and /www/index.html."""
    if not os.path.exists(BUSYBOX):
        pytest.fail("busybox not found: apt-get install busybox-static")
    busybox = Path(BUSYBOX).read_bytes()

    def build(archive: tarfile.TarFile) -> None:
        for directory in ("bin", "etc", "proc", "sys", "dev", "www", "data"):
            _add(archive, directory, kind=tarfile.DIRTYPE, mode=0o755)
        _add(archive, "tmp", kind=tarfile.DIRTYPE, mode=0o1777)
        _add(archive, "bin/busybox", busybox, mode=0o755)
        for applet in APPLETS:
            _add(archive, f"bin/{applet}", kind=tarfile.SYMTYPE, link="busybox")
        _add(
            archive,
            "etc/passwd",
            b"root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/data:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
        )
        _add(archive, "etc/group", b"root:x:0:\napp:x:1000:\nnobody:x:65534:\n")
        _add(archive, "www/index.html", index_html)
        _add(archive, "www/old.html", b"old\n")

    return _tar(build)


def whiteout_layer() -> bytes:
    """Deletes /bin/ls and replaces /www: old.html must vanish, index.html changes."""

    def build(archive: tarfile.TarFile) -> None:
        _add(archive, "bin/.wh.ls", b"")
        _add(archive, "www", kind=tarfile.DIRTYPE, mode=0o755)
        _add(archive, "www/.wh..wh..opq", b"")
        _add(archive, "www/index.html", b"layer two\n")

    return _tar(build)


@dataclass
class TestImage:
    layers: list[bytes]  # uncompressed tars, lowest first
    config: bytes
    blobs: dict[str, bytes] = field(default_factory=dict)
    manifest: bytes = b""

    @property
    def manifest_digest(self) -> str:
        return digest_of(self.manifest)

    @property
    def config_digest(self) -> str:
        return digest_of(self.config)


def busybox_image(
    *,
    with_whiteouts: bool = False,
    cmd: list[str] | None = None,
    index_html: bytes = b"hello from pyk8s\n",
) -> TestImage:
    tars = [base_layer(index_html)] + ([whiteout_layer()] if with_whiteouts else [])
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {"Env": ["PATH=/bin"], "Cmd": cmd or ["/bin/sh"], "WorkingDir": "/"},
        "rootfs": {"type": "layers", "diff_ids": [digest_of(t) for t in tars]},
    }
    image = TestImage(tars, json.dumps(config).encode())
    descriptors = []
    for layer in tars:
        compressed = gzip.compress(layer, mtime=0)
        image.blobs[digest_of(compressed)] = compressed
        descriptors.append(
            {"mediaType": OCI_LAYER_GZIP, "digest": digest_of(compressed), "size": len(compressed)}
        )
    image.blobs[image.config_digest] = image.config
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {
            "mediaType": OCI_CONFIG,
            "digest": image.config_digest,
            "size": len(image.config),
        },
        "layers": descriptors,
    }
    image.manifest = json.dumps(manifest).encode()
    image.blobs[image.manifest_digest] = image.manifest
    return image


def write_oci_layout(directory: Path, image: TestImage, name: str) -> Path:
    (directory / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
    for digest, data in image.blobs.items():
        (directory / "blobs" / "sha256" / digest.split(":")[1]).write_bytes(data)
    (directory / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    descriptor = {
        "mediaType": OCI_MANIFEST,
        "digest": image.manifest_digest,
        "size": len(image.manifest),
        "annotations": {"org.opencontainers.image.ref.name": name},
    }
    (directory / "index.json").write_text(
        json.dumps({"schemaVersion": 2, "manifests": [descriptor]})
    )
    return directory


def write_docker_save(path: Path, image: TestImage, tag: str) -> Path:
    """A tar laid out as `docker save` (before Docker 25) writes it: uncompressed layer tars."""
    config_name = image.config_digest.split(":")[1] + ".json"
    layer_names = [f"{digest_of(t).split(':')[1]}/layer.tar" for t in image.layers]
    manifest = [{"Config": config_name, "RepoTags": [tag], "Layers": layer_names}]

    def build(archive: tarfile.TarFile) -> None:
        _add(archive, config_name, image.config)
        for name, layer in zip(layer_names, image.layers, strict=True):
            _add(archive, name.split("/")[0], kind=tarfile.DIRTYPE, mode=0o755)
            _add(archive, name, layer)
        _add(archive, "manifest.json", json.dumps(manifest).encode())

    path.write_bytes(_tar(build))
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Registry:
    """docker-registry serving on 127.0.0.1:<free port>, storage under `directory`."""

    def __init__(self, directory: Path, extra_config: str = "") -> None:
        binary = shutil.which("docker-registry")
        if binary is None:
            pytest.fail("docker-registry not found: apt-get install docker-registry")
        self.directory = directory
        self.port = _free_port()
        self.host = f"127.0.0.1:{self.port}"
        self._token: str | None = None  # set once a token server granted one
        directory.mkdir(parents=True, exist_ok=True)
        config = directory / "config.yml"
        config.write_text(
            "version: 0.1\nlog: {level: error}\n"
            f"storage: {{filesystem: {{rootdirectory: {directory / 'data'}}}, delete: {{enabled: true}}}}\n"
            f"http: {{addr: {self.host}}}\n" + extra_config
        )
        self._log = open(directory / "registry.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [binary, "serve", str(config)], stdout=self._log, stderr=subprocess.STDOUT
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://{self.host}/v2/", timeout=1).close()
                return
            except urllib.error.HTTPError:
                return  # it answers (401 when it wants a token): it is up
            except OSError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        pytest.fail(
            f"docker-registry did not start: {(self.directory / 'registry.log').read_text()[-2000:]}"
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()

    def _request(
        self,
        method: str,
        url: str,
        data: bytes | None = None,
        content_type: str = "application/octet-stream",
    ) -> urllib.request.addinfourl:
        headers = {"Content-Type": content_type}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            return urllib.request.urlopen(
                urllib.request.Request(url, data, headers, method=method), timeout=10
            )
        except urllib.error.HTTPError as err:
            if err.code != 401:
                raise
            challenge = err.headers.get("WWW-Authenticate", "")
        # A registry behind a token server: ask it for a push token, anonymously, and retry.
        # The token is kept: a large upload refused mid-body would break the pipe instead.
        params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
        query = urllib.parse.urlencode({"service": params["service"], "scope": params["scope"]})
        with urllib.request.urlopen(f"{params['realm']}?{query}", timeout=10) as response:
            self._token = json.loads(response.read())["token"]
        headers["Authorization"] = f"Bearer {self._token}"
        return urllib.request.urlopen(
            urllib.request.Request(url, data, headers, method=method), timeout=10
        )

    def push(self, image: TestImage, repository: str, tag: str) -> str:
        """Push through the distribution API; returns the full reference."""
        base = f"http://{self.host}/v2/{repository}"
        for digest, data in image.blobs.items():
            if digest == image.manifest_digest:
                continue
            with self._request("POST", f"{base}/blobs/uploads/", b"") as response:
                location = response.headers["Location"]
            if location.startswith("/"):
                location = f"http://{self.host}{location}"
            separator = "&" if "?" in location else "?"
            self._request("PUT", f"{location}{separator}digest={digest}", data).close()
        self._request("PUT", f"{base}/manifests/{tag}", image.manifest, OCI_MANIFEST).close()
        return f"{self.host}/{repository}:{tag}"

    def push_index(self, images: dict[str, TestImage], repository: str, tag: str) -> str:
        """Push an OCI image index of `images` (keyed by architecture) under `tag`."""
        base = f"http://{self.host}/v2/{repository}"
        manifests = []
        for architecture, image in images.items():
            self.push(image, repository, image.manifest_digest)
            platform = {"os": "linux", "architecture": architecture}
            manifests.append(
                {
                    "mediaType": OCI_MANIFEST,
                    "digest": image.manifest_digest,
                    "size": len(image.manifest),
                    "platform": platform,
                }
            )
        index = json.dumps(
            {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}
        ).encode()
        self._request("PUT", f"{base}/manifests/{tag}", index, OCI_INDEX).close()
        return f"{self.host}/{repository}:{tag}"

    def blob_file(self, digest: str) -> Path:
        hex_part = digest.split(":")[1]
        return (
            self.directory
            / "data"
            / "docker"
            / "registry"
            / "v2"
            / "blobs"
            / "sha256"
            / hex_part[:2]
            / hex_part
            / "data"
        )


@contextlib.contextmanager
def running_registry(directory: Path, extra_config: str = "") -> Iterator[Registry]:
    registry = Registry(directory, extra_config)
    try:
        yield registry
    finally:
        registry.stop()
