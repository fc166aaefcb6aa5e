"""authentication.k8s.io/v1: the questions a client may ask about identities.

None of these is stored: the API server answers each POST and returns the object with its
status filled in.
- TokenReview: "who does this bearer token belong to?" (webhook authenticators use it);
- SelfSubjectReview: "who am I?" (`kubectl auth whoami`);
- TokenRequest: "give me a token for this service account" (`kubectl create token`). It is
  served as the `serviceaccounts/token` subresource of the core group, so it is only a
  struct here; the core module's ServiceAccount resource points at it.

kubectl sends these bodies as protobuf, so the field numbers matter.
"""

from pyk8s.api.resource import Resource, register
from pyk8s.api.schema import BOOL, INT64, STRING, TIME, F, ListOf, MapOf, define

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
AUTHN = "io.k8s.api.authentication.v1."


def _object(kind: str, doc: str, *body: object) -> None:
    define(
        AUTHN + kind,
        doc,
        F("apiVersion", 0, STRING, "The versioned schema of this object."),
        F("kind", 0, STRING, "The type of this object, in CamelCase."),
        F("metadata", 1, META + "ObjectMeta", "Standard object metadata."),
        *body,
    )


define(
    AUTHN + "UserInfo",
    "Who a request comes from, as an authenticator established it.",
    F("username", 1, STRING, "The user's name."),
    F("uid", 2, STRING, "A value that identifies this user across name reuse."),
    F("groups", 3, ListOf(STRING), "The groups the user belongs to.", list_type="atomic"),
    # In protobuf each value is an ExtraValue message whose field 1 repeats the strings.
    F("extra", 4, MapOf(ListOf(STRING)), "Further attributes the authenticator supplied."),
)

# --- TokenRequest (served as serviceaccounts/token) -----------------------------------------

define(
    AUTHN + "BoundObjectReference",
    "An object a token is tied to: the token dies with it.",
    F("kind", 1, STRING, "Pod, Secret or Node.", enum=("Node", "Pod", "Secret")),
    F("apiVersion", 2, STRING, "The API version of the object."),
    F("name", 3, STRING, "The name of the object."),
    F("uid", 4, STRING, "The UID of the object."),
)
define(
    AUTHN + "TokenRequestSpec",
    "What token to issue.",
    F(
        "audiences",
        1,
        ListOf(STRING),
        "Who may accept the token; the API server's own audience when empty.",
        required=True,
        list_type="atomic",
    ),
    F("expirationSeconds", 4, INT64, "How long the token should stay valid.", pointer=True),
    F(
        "boundObjectRef",
        3,
        AUTHN + "BoundObjectReference",
        "An object the token's life is tied to.",
        pointer=True,
    ),
)
define(
    AUTHN + "TokenRequestStatus",
    "The issued token.",
    F("token", 1, STRING, "The bearer token.", required=True),
    F("expirationTimestamp", 2, TIME, "When the token expires.", required=True),
)
_object(
    "TokenRequest",
    "Asks for a token that authenticates as a service account.",
    F("spec", 2, AUTHN + "TokenRequestSpec", "What token to issue.", required=True),
    F("status", 3, AUTHN + "TokenRequestStatus", "The issued token."),
)

# --- TokenReview ----------------------------------------------------------------------------

define(
    AUTHN + "TokenReviewSpec",
    "The token to check.",
    F("token", 1, STRING, "The bearer token."),
    F("audiences", 2, ListOf(STRING), "Audiences the token must be valid for.", list_type="atomic"),
)
define(
    AUTHN + "TokenReviewStatus",
    "The verdict on a token.",
    F("authenticated", 1, BOOL, "True when the token belongs to a known user."),
    F("user", 2, AUTHN + "UserInfo", "The user the token belongs to."),
    F("audiences", 4, ListOf(STRING), "Audiences the token is valid for.", list_type="atomic"),
    F("error", 3, STRING, "Why the token could not be checked."),
)
_object(
    "TokenReview",
    "Asks the API server which user a bearer token authenticates.",
    F("spec", 2, AUTHN + "TokenReviewSpec", "The token to check.", required=True),
    F("status", 3, AUTHN + "TokenReviewStatus", "The verdict, filled in by the server."),
)

# --- SelfSubjectReview ----------------------------------------------------------------------

define(
    AUTHN + "SelfSubjectReviewStatus",
    "Who the caller is.",
    F("userInfo", 1, AUTHN + "UserInfo", "The caller's identity."),
)
_object(
    "SelfSubjectReview",
    "Asks the API server who the caller is authenticated as.",
    F("status", 2, AUTHN + "SelfSubjectReviewStatus", "The answer, filled in by the server."),
)

for _kind in ("TokenReview", "SelfSubjectReview"):
    register(
        Resource(
            group="authentication.k8s.io",
            version="v1",
            kind=_kind,
            plural=_kind.lower() + "s",
            singular=_kind.lower(),
            namespaced=False,
            schema=AUTHN + _kind,
            verbs=("create",),
            stored=False,
        )
    )
