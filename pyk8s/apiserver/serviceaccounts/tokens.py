"""The claims of a bound service account token: built for TokenRequest, read back to
authenticate.

A token the API server issues says, in standard JWT claims, who issued it (`iss`), whom it
stands for (`sub`: system:serviceaccount:<namespace>:<name>), who may accept it (`aud`),
when it was made and when it stops working (`iat`, `nbf`, `exp`, seconds since the epoch)
and a random id (`jti`) that audit logs can quote. The private claim `kubernetes.io` names
the namespace, the ServiceAccount and, when the token is bound, the Pod, Secret or Node it
lives and dies with, each by name and uid, so that the authenticator can notice when any
of them has gone or been replaced by a namesake.

Everything here is pure: no keys, no I/O, an explicit `now`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pyk8s.apiserver.authn import UserInfo
from pyk8s.apiserver.serviceaccounts.jwt import InvalidToken

DEFAULT_ISSUER = "https://kubernetes.default.svc.cluster.local"
USERNAME_PREFIX = "system:serviceaccount:"
ALL_SERVICE_ACCOUNTS = "system:serviceaccounts"
# How far a server's clock may run behind the issuer's before a fresh token looks premature.
CLOCK_SKEW_SECONDS = 60
EXTRA_PREFIX = "authentication.kubernetes.io/"


@dataclass(frozen=True, slots=True)
class ObjectRef:
    name: str
    uid: str

    def to_claim(self) -> dict[str, str]:
        return {"name": self.name, "uid": self.uid}

    @classmethod
    def from_claim(cls, value: Any) -> ObjectRef | None:
        if value is None:
            return None
        if not isinstance(value, dict) or not isinstance(value.get("name"), str):
            raise InvalidToken("malformed object reference in the kubernetes.io claim")
        return cls(value["name"], str(value.get("uid") or ""))


@dataclass(frozen=True, slots=True)
class TokenClaims:
    issuer: str
    namespace: str
    service_account: ObjectRef
    audiences: tuple[str, ...]
    issued_at: int
    expires_at: int
    token_id: str = ""
    pod: ObjectRef | None = None
    secret: ObjectRef | None = None
    node: ObjectRef | None = None
    # For extended kubelet tokens: when the token should have been refreshed.
    warn_after: int | None = None

    @property
    def subject(self) -> str:
        return username(self.namespace, self.service_account.name)

    def to_jwt(self) -> dict[str, Any]:
        private: dict[str, Any] = {"namespace": self.namespace}
        for key, ref in (("node", self.node), ("pod", self.pod), ("secret", self.secret)):
            if ref is not None:
                private[key] = ref.to_claim()
        private["serviceaccount"] = self.service_account.to_claim()
        if self.warn_after is not None:
            private["warnafter"] = self.warn_after
        claims: dict[str, Any] = {
            "aud": list(self.audiences),
            "exp": self.expires_at,
            "iat": self.issued_at,
            "iss": self.issuer,
        }
        if self.token_id:
            claims["jti"] = self.token_id
        claims.update({"kubernetes.io": private, "nbf": self.issued_at, "sub": self.subject})
        return claims

    @classmethod
    def from_jwt(cls, claims: Mapping[str, Any]) -> TokenClaims:
        """Read verified claims back; InvalidToken when they are not a bound token's."""
        private = claims.get("kubernetes.io")
        if not isinstance(private, dict):
            raise InvalidToken("the token has no kubernetes.io claim")
        namespace = private.get("namespace")
        account = ObjectRef.from_claim(private.get("serviceaccount"))
        if not isinstance(namespace, str) or account is None:
            raise InvalidToken("the kubernetes.io claim names no service account")
        if claims.get("sub") != username(namespace, account.name):
            raise InvalidToken("the subject does not match the kubernetes.io claim")
        audiences = claims.get("aud", [])
        if isinstance(audiences, str):  # RFC 7519 allows a single string
            audiences = [audiences]
        expires_at, issued_at = claims.get("exp"), claims.get("iat", claims.get("nbf", 0))
        if not isinstance(expires_at, int) or not isinstance(issued_at, int):
            raise InvalidToken("the token's exp and iat must be numbers")
        return cls(
            issuer=str(claims.get("iss", "")),
            namespace=namespace,
            service_account=account,
            audiences=tuple(str(a) for a in audiences),
            issued_at=issued_at,
            expires_at=expires_at,
            token_id=str(claims.get("jti", "")),
            pod=ObjectRef.from_claim(private.get("pod")),
            secret=ObjectRef.from_claim(private.get("secret")),
            node=ObjectRef.from_claim(private.get("node")),
            warn_after=private.get("warnafter"),
        )

    def check_times(self, now: float) -> None:
        if now >= self.expires_at:
            raise InvalidToken("service account token has expired")
        if now + CLOCK_SKEW_SECONDS < self.issued_at:
            raise InvalidToken("service account token is not valid yet")

    def user(self) -> UserInfo:
        """The user this token authenticates as (groups as kube-apiserver gives them)."""
        extra: dict[str, list[str]] = {}
        if self.token_id:
            extra[EXTRA_PREFIX + "credential-id"] = [f"JTI={self.token_id}"]
        for kind, ref in (("node", self.node), ("pod", self.pod)):
            if ref is not None:
                extra[f"{EXTRA_PREFIX}{kind}-name"] = [ref.name]
                if ref.uid:
                    extra[f"{EXTRA_PREFIX}{kind}-uid"] = [ref.uid]
        groups = (
            ALL_SERVICE_ACCOUNTS,
            f"{ALL_SERVICE_ACCOUNTS}:{self.namespace}",
            "system:authenticated",
        )
        return UserInfo(self.subject, uid=self.service_account.uid, groups=groups, extra=extra)


def username(namespace: str, name: str) -> str:
    return f"{USERNAME_PREFIX}{namespace}:{name}"


def new_claims(
    *,
    issuer: str,
    service_account: Mapping[str, Any],
    audiences: tuple[str, ...],
    now: int,
    expiration_seconds: int,
    pod: Mapping[str, Any] | None = None,
    secret: Mapping[str, Any] | None = None,
    node: ObjectRef | None = None,
    warn_after: int | None = None,
) -> TokenClaims:
    """The claims for a new token for `service_account`, optionally bound to an object."""
    meta = service_account["metadata"]

    def ref(obj: Mapping[str, Any] | None) -> ObjectRef | None:
        if obj is None:
            return None
        return ObjectRef(obj["metadata"]["name"], obj["metadata"].get("uid", ""))

    return TokenClaims(
        issuer=issuer,
        namespace=meta["namespace"],
        service_account=ObjectRef(meta["name"], meta.get("uid", "")),
        audiences=audiences,
        issued_at=now,
        expires_at=now + expiration_seconds,
        token_id=str(uuid.uuid4()),
        pod=ref(pod),
        secret=ref(secret),
        node=node,
        warn_after=warn_after,
    )
