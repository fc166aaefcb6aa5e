"""Authenticating service account tokens: signature and claims first, then the objects.

A token is accepted when all of these hold, checked in this order:

1. it is a JWT naming one of our issuers (otherwise it is not ours: None, and the other
   authenticators may try it);
2. one of our public keys signed it, and it has not expired;
3. it was issued for one of the wanted audiences (the API server's own by default);
4. its ServiceAccount still exists with the uid in the token, and so does the Pod, Secret
   or Node it is bound to. A Pod or Secret whose deletion deadline (deletionTimestamp)
   passed over a minute ago no longer vouches for the token either: this is what makes a
   pod's token die with the pod.

Objects are read through `Lookup` (the Registry's `lookup`, served from the watch cache),
so authenticating costs no storage round trip.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pyk8s.apiserver.authn import InvalidBearerToken, TokenAuthentication
from pyk8s.apiserver.serviceaccounts.authority import TokenAuthority
from pyk8s.apiserver.serviceaccounts.jwt import InvalidToken
from pyk8s.apiserver.serviceaccounts.tokens import ObjectRef, TokenClaims

# (plural, group, namespace, name) -> the object, or None when there is none.
Lookup = Callable[[str, str, str, str], Awaitable[Mapping[str, Any] | None]]

# How long past its deletion deadline an object still vouches for tokens bound to it, so
# that a pod's containers can finish shutting down with working credentials.
DELETION_GRACE_SECONDS = 60


class ServiceAccountTokenAuthenticator:
    def __init__(self, authority: TokenAuthority, lookup: Lookup) -> None:
        self.authority = authority
        self.lookup = lookup

    async def authenticate_token(
        self, token: str, audiences: Sequence[str] = ()
    ) -> TokenAuthentication | None:
        if not self.authority.is_ours(token):
            return None
        try:
            claims = self.authority.read(token)
            accepted = self.authority.accepted_audiences(claims, tuple(audiences))
            await self._check_objects(claims)
        except InvalidToken as err:
            raise InvalidBearerToken(str(err)) from None
        return TokenAuthentication(claims.user(), accepted)

    async def _check_objects(self, claims: TokenClaims) -> None:
        namespace = claims.namespace
        await self._check("serviceaccounts", namespace, claims.service_account, "service account")
        if claims.pod is not None:
            await self._check("pods", namespace, claims.pod, "pod")
        if claims.secret is not None:
            await self._check("secrets", namespace, claims.secret, "secret")
        if claims.node is not None and claims.pod is None:
            await self._check("nodes", "", claims.node, "node")

    async def _check(self, plural: str, namespace: str, ref: ObjectRef, what: str) -> None:
        where = f"{namespace}/{ref.name}" if namespace else ref.name
        found = await self.lookup(plural, "", namespace, ref.name)
        if found is None:
            raise InvalidToken(f"{what} {where} has been deleted")
        meta = found.get("metadata", {})
        if ref.uid and meta.get("uid") != ref.uid:
            raise InvalidToken(
                f"{what} UID ({meta.get('uid', '')}) does not match claim ({ref.uid})"
            )
        deleted_at = meta.get("deletionTimestamp")
        if deleted_at and _seconds_since(deleted_at, self.authority.now()) > DELETION_GRACE_SECONDS:
            raise InvalidToken(f"{what} {where} is being deleted")


def _seconds_since(timestamp: str, now: int) -> float:
    return now - datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()
