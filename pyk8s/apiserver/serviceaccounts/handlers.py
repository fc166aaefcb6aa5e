"""The two endpoints of service account tokens: TokenRequest (issue) and TokenReview (check).

POST /api/v1/namespaces/<ns>/serviceaccounts/<name>/token  (`kubectl create token`)
    spec.expirationSeconds defaults to 3600 and may not be under 600; spec.audiences
    defaults to the API server's audiences; spec.boundObjectRef may tie the token to a Pod
    (running as this service account), a Secret or a Node, which must exist (with the uid
    given, if any). Answers 201 with status.token and status.expirationTimestamp.
    A kubelet asking for exactly 3607 seconds for a pod gets a token that keeps working for
    a year (kube-apiserver's --service-account-extend-token-expiration): old clients that
    never reread the file keep working, while the 3607 s reported still drives refreshes.

POST /apis/authentication.k8s.io/v1/tokenreviews
    status.authenticated, user (name, uid, groups, extra) and audiences for any bearer
    token the server accepts (static or service account); authenticated false with an
    error for one it refuses.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from pyk8s.api.errors import BadRequest, Cause, Conflict, Invalid, MethodNotAllowed
from pyk8s.apiserver import negotiation
from pyk8s.apiserver.authn import AUTHENTICATOR_KEY, InvalidBearerToken
from pyk8s.apiserver.handlers.common import Scope, json_response, read_body
from pyk8s.apiserver.registry import Registry
from pyk8s.apiserver.serviceaccounts.authority import TokenAuthority
from pyk8s.apiserver.serviceaccounts.tokens import ObjectRef, new_claims

DEFAULT_EXPIRATION_SECONDS = 3600
MIN_EXPIRATION_SECONDS = 600
MAX_EXPIRATION_SECONDS = 1 << 32
# The kubelet's projected token asks for this odd duration precisely so it can be told apart.
KUBELET_EXPIRATION_SECONDS = 3607
EXTENDED_EXPIRATION_SECONDS = 365 * 24 * 3600
AUTHN_VERSION = "authentication.k8s.io/v1"


async def _decode(scope: Scope, kind: str) -> dict[str, Any]:
    if scope.info.verb != "create":
        raise MethodNotAllowed("the server does not allow this method on the requested resource")
    body = await read_body(scope.request)
    obj = negotiation.decode_body(
        scope.request.headers.get("Content-Type"),
        body,
        allowed=negotiation.OBJECT_TYPES,
        kind=f"{AUTHN_VERSION}, Kind={kind}",
    )
    if not isinstance(obj, dict):
        raise BadRequest(f"a {kind} must be a JSON object")
    obj["apiVersion"], obj["kind"] = AUTHN_VERSION, kind
    meta = obj.get("metadata") or {}
    meta.setdefault("creationTimestamp", None)
    obj["metadata"] = meta
    if not isinstance(obj.get("spec") or {}, dict):
        raise BadRequest(f"{kind}.spec must be an object")
    obj["spec"] = obj.get("spec") or {}
    return obj


def _check_request(request: dict[str, Any], name: str, namespace: str) -> int:
    """kube-apiserver's validation of a TokenRequest; returns the expiration to use."""
    spec, meta = request["spec"], request["metadata"]
    causes = []
    if meta.get("name") and meta["name"] != name:
        message = (
            f'Invalid value: "{meta["name"]}": must match the service account name if specified'
        )
        causes.append(Cause("FieldValueInvalid", message, "metadata.name"))
    if meta.get("namespace") and meta["namespace"] != namespace:
        message = (
            f'Invalid value: "{meta["namespace"]}": '
            "must match the service account namespace if specified"
        )
        causes.append(Cause("FieldValueInvalid", message, "metadata.namespace"))
    expiration = spec.get("expirationSeconds")
    if expiration is None:
        expiration = DEFAULT_EXPIRATION_SECONDS
    if not isinstance(expiration, int) or isinstance(expiration, bool):
        raise BadRequest("spec.expirationSeconds must be an integer")
    field = "spec.expirationSeconds"
    if expiration < MIN_EXPIRATION_SECONDS:
        message = "may not specify a duration less than 10 minutes"
        causes.append(Cause("FieldValueInvalid", f"Invalid value: {expiration}: {message}", field))
    elif expiration > MAX_EXPIRATION_SECONDS:
        message = "may not specify a duration larger than 2^32 seconds"
        causes.append(Cause("FieldValueInvalid", f"Invalid value: {expiration}: {message}", field))
    if causes:
        raise Invalid.of("TokenRequest", name, causes, "authentication.k8s.io")
    return expiration


class TokenEndpoints:
    """The handlers, bound to one server's authority and registry."""

    def __init__(self, authority: TokenAuthority, registry: Registry) -> None:
        self.authority = authority
        self.registry = registry

    async def _get(self, plural: str, namespace: str, name: str) -> dict[str, Any]:
        store = self.registry.find("", plural)
        assert store is not None, f"no store for {plural}"
        return await store.get(namespace, name)  # NotFound reaches the client as such

    async def _bound_objects(
        self, ref: dict[str, Any], account: str, namespace: str
    ) -> dict[str, Any]:
        """The Pod / Secret / Node named by boundObjectRef, checked as kube-apiserver does."""
        kind, name = ref.get("kind", ""), ref.get("name", "")
        if ref.get("apiVersion", "v1") != "v1" or kind not in ("Pod", "Secret", "Node"):
            group_version = ref.get("apiVersion", "")
            raise BadRequest(f"cannot bind token to object of type {group_version}, Kind={kind}")
        found: dict[str, Any] = {}
        if kind == "Pod":
            pod = found["pod"] = await self._get("pods", namespace, name)
            if pod["spec"].get("serviceAccountName", "default") != account:
                raise BadRequest(
                    f'cannot bind token for serviceaccount "{account}" to pod running with '
                    "different serviceaccount name."
                )
            node_name = pod["spec"].get("nodeName")
            if node_name:
                # The node is recorded for auditing; a node not (yet) known is kept without a uid.
                node = await self.registry.lookup("nodes", "", "", node_name)
                found["node"] = ObjectRef(
                    node_name, (node or {}).get("metadata", {}).get("uid", "")
                )
        elif kind == "Secret":
            found["secret"] = await self._get("secrets", namespace, name)
        else:
            node = await self._get("nodes", "", name)
            found["node"] = ObjectRef(name, node["metadata"].get("uid", ""))
        target = found.get("pod") or found.get("secret")
        uid = target["metadata"].get("uid") if target else found["node"].uid
        if ref.get("uid") and ref["uid"] != uid:
            raise Conflict(
                f'Operation cannot be fulfilled on {kind} "{name}": the UID in the bound object '
                f"reference ({ref['uid']}) does not match the UID in record ({uid}). The object "
                "might have been deleted and then recreated",
                details={"name": name, "kind": kind},
            )
        return found

    async def token_request(self, scope: Scope) -> web.StreamResponse:
        namespace, name = scope.info.namespace, scope.info.name
        request = await _decode(scope, "TokenRequest")
        expiration = _check_request(request, name, namespace)
        account = await scope.store.get(namespace, name)
        spec = request["spec"]
        bound = {}
        if spec.get("boundObjectRef"):
            bound = await self._bound_objects(spec["boundObjectRef"], name, namespace)
        audiences = tuple(spec.get("audiences") or ()) or self.authority.api_audiences
        now = self.authority.now()
        lifetime, warn_after = expiration, None
        if "pod" in bound and expiration == KUBELET_EXPIRATION_SECONDS:
            lifetime, warn_after = EXTENDED_EXPIRATION_SECONDS, now + expiration
        claims = new_claims(
            issuer=self.authority.issuer,
            service_account=account,
            audiences=audiences,
            now=now,
            expiration_seconds=lifetime,
            warn_after=warn_after,
            **bound,
        )
        request["metadata"].update(name=name, namespace=namespace)
        spec["audiences"], spec["expirationSeconds"] = list(audiences), expiration
        request["status"] = {
            "token": self.authority.sign(claims),
            "expirationTimestamp": _rfc3339(now + expiration),
        }
        return json_response(request, 201)

    async def token_review(self, scope: Scope) -> web.StreamResponse:
        review = await _decode(scope, "TokenReview")
        token = review["spec"].get("token") or ""
        if not token:
            raise BadRequest("token is required for TokenReview in authentication")
        wanted = tuple(review["spec"].get("audiences") or ())
        authenticator = scope.request.get(AUTHENTICATOR_KEY)
        status: dict[str, Any] = {"authenticated": False, "user": {}}
        try:
            found = await authenticator.authenticate_token(token, wanted) if authenticator else None
        except InvalidBearerToken as err:
            found, status["error"] = None, f"[invalid bearer token, {err}]"
        if found is not None:
            status.update(authenticated=True, user=found.user.to_dict())
            status["audiences"] = list(found.audiences)
        elif "error" not in status:
            status["error"] = "[invalid bearer token, unknown token]"
        review["status"] = status
        return json_response(review, 201)


def _rfc3339(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
