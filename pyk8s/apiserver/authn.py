"""Authentication: who is asking. Runs first on every request, before anything is decoded.

Each request ends up with a `UserInfo` in `request["user"]`, found the way kube-apiserver
finds it, first match wins:

1. Plain HTTP (the loopback-only insecure port): the old kube-apiserver trusted it fully, as
   `system:unsecured` in `system:masters`. That is why pyk8s serves it only on 127.0.0.1
   and only when asked for.
2. A client certificate verified against `--client-ca-file`: the Common Name is the user
   name and each Organization a group (`O=system:masters` is the admin group).
3. A bearer token: one listed in `--token-auth-file` (CSV: token,user,uid,"group1,group2"),
   else one a token authenticator accepts (serviceaccounts/: a JWT this server signed for
   a service account that still exists). A bearer token nobody accepts is 401, never
   anonymous.
4. Anonymous, as `system:anonymous` in `system:unauthenticated`, when `--anonymous-auth`
   is true (kube-apiserver's default); otherwise 401 Unauthorized.

Every authenticated user is also in `system:authenticated`.

The same token path answers TokenReview (`authenticate_token`): the middleware leaves the
Authenticator in `request[AUTHENTICATOR_KEY]` for that handler.
"""

from __future__ import annotations

import csv
import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

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


@dataclass(frozen=True, slots=True)
class TokenAuthentication:
    """Who a bearer token authenticates, and for which of the wanted audiences."""

    user: UserInfo
    audiences: tuple[str, ...] = ()


class InvalidBearerToken(Exception):
    """A token an authenticator recognises as its own, but refuses (expired, revoked, ...)."""


class TokenAuthenticator(Protocol):
    async def authenticate_token(
        self, token: str, audiences: Sequence[str] = ()
    ) -> TokenAuthentication | None:
        """None when the token is not this authenticator's kind; InvalidBearerToken when it
        is but does not hold. Empty `audiences` means the API server's own."""
        ...


class Authenticator:
    def __init__(
        self,
        *,
        tokens: dict[str, UserInfo] | None = None,
        anonymous: bool = True,
        token_authenticators: Sequence[TokenAuthenticator] = (),
    ):
        self.tokens = tokens or {}
        self.anonymous = anonymous
        self.token_authenticators = list(token_authenticators)

    async def authenticate(self, request: web.Request) -> UserInfo:
        if not request.secure:
            return UNSECURED
        user = user_from_certificate(request.transport.get_extra_info("peercert") or {})
        if user is not None:
            return user
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token:
            try:
                found = await self.authenticate_token(token.strip())
            except InvalidBearerToken:
                found = None
            if found is not None:
                return found.user
            raise Unauthorized("Unauthorized")
        if self.anonymous:
            return ANONYMOUS
        raise Unauthorized("Unauthorized")

    async def authenticate_token(
        self, token: str, audiences: Sequence[str] = ()
    ) -> TokenAuthentication | None:
        """The first authenticator that knows the token decides; None when none knows it."""
        user = self._user_for_static_token(token)
        if user is not None:
            # Static tokens are not tied to an audience: they serve whichever was asked for.
            return TokenAuthentication(user, tuple(audiences))
        for authenticator in self.token_authenticators:
            found = await authenticator.authenticate_token(token, audiences)
            if found is not None:
                return found
        return None

    def _user_for_static_token(self, token: str) -> UserInfo | None:
        # Compare every token in constant time, so timing does not reveal a prefix.
        found = None
        for known, user in self.tokens.items():
            if hmac.compare_digest(known.encode(), token.encode()):
                found = user
        return found

    def middleware(self) -> Any:
        @web.middleware
        async def authenticate(request: web.Request, handler: Any) -> web.StreamResponse:
            request[AUTHENTICATOR_KEY] = self
            request[USER_KEY] = await self.authenticate(request)
            return await handler(request)

        return authenticate


# Where the middleware leaves itself, so TokenReview can ask it about any token.
AUTHENTICATOR_KEY = web.RequestKey("authenticator", Authenticator)
