"""Authentication: who is asking. Runs first on every request, before anything is decoded.

Each request ends up with a `UserInfo` in `request["user"]`, found the way kube-apiserver
finds it, first match wins:

1. Plain HTTP (the loopback-only insecure port): the old kube-apiserver trusted it fully, as
   `system:unsecured` in `system:masters`. That is why pyk8s serves it only on 127.0.0.1
   and only when asked for.
2. A client certificate verified against `--client-ca-file`: the Common Name is the user
   name and each Organization a group (`O=system:masters` is the admin group).
3. A bearer token listed in `--token-auth-file` (CSV: token,user,uid,"group1,group2").
4. Anonymous, as `system:anonymous` in `system:unauthenticated`, when `--anonymous-auth`
   is true (kube-apiserver's default); otherwise 401 Unauthorized.

Every authenticated user is also in `system:authenticated`.
"""

from __future__ import annotations

import csv
import hmac
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from pyk8s.api.errors import Unauthorized


@dataclass(frozen=True, slots=True)
class UserInfo:
    name: str
    uid: str = ""
    groups: tuple[str, ...] = ()
    extra: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """As authentication.k8s.io/v1 UserInfo (SelfSubjectReview, TokenReview)."""
        info: dict[str, Any] = {"username": self.name, "groups": list(self.groups)}
        if self.uid:
            info["uid"] = self.uid
        if self.extra:
            info["extra"] = self.extra
        return info


# Where the middleware leaves the request's user, for handlers and reviews to read.
USER_KEY = web.RequestKey("user", UserInfo)

UNSECURED = UserInfo("system:unsecured", groups=("system:masters", "system:authenticated"))
ANONYMOUS = UserInfo("system:anonymous", groups=("system:unauthenticated",))


def user_from_certificate(peercert: dict[str, Any]) -> UserInfo | None:
    """The user named by a verified peer certificate (as `ssl.getpeercert()` returns it)."""
    name, groups = "", []
    for rdn in peercert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                name = value
            elif key == "organizationName":
                groups.append(value)
    if not name:
        return None
    return UserInfo(name, groups=(*groups, "system:authenticated"))


def load_token_file(path: str) -> dict[str, UserInfo]:
    """Read kube-apiserver's static token file: token,user,uid[,"group1,group2"]."""
    tokens: dict[str, UserInfo] = {}
    with open(path, newline="") as f:
        for number, row in enumerate(csv.reader(f), start=1):
            if not row or row[0].startswith("#"):
                continue
            if len(row) < 3:
                raise ValueError(f"{path}:{number}: need at least token,user,uid")
            groups = (
                tuple(g.strip() for g in row[3].split(",") if g.strip()) if len(row) > 3 else ()
            )
            tokens[row[0]] = UserInfo(row[1], uid=row[2], groups=(*groups, "system:authenticated"))
    return tokens


class Authenticator:
    def __init__(self, *, tokens: dict[str, UserInfo] | None = None, anonymous: bool = True):
        self.tokens = tokens or {}
        self.anonymous = anonymous

    def authenticate(self, request: web.Request) -> UserInfo:
        if not request.secure:
            return UNSECURED
        user = user_from_certificate(request.transport.get_extra_info("peercert") or {})
        if user is not None:
            return user
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token:
            user = self._user_for_token(token.strip())
            if user is not None:
                return user
            raise Unauthorized("Unauthorized")
        if self.anonymous:
            return ANONYMOUS
        raise Unauthorized("Unauthorized")

    def _user_for_token(self, token: str) -> UserInfo | None:
        # Compare every token in constant time, so timing does not reveal a prefix.
        found = None
        for known, user in self.tokens.items():
            if hmac.compare_digest(known.encode(), token.encode()):
                found = user
        return found

    def middleware(self) -> Any:
        @web.middleware
        async def authenticate(request: web.Request, handler: Any) -> web.StreamResponse:
            request[USER_KEY] = self.authenticate(request)
            return await handler(request)

        return authenticate
