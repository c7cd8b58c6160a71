"""Dependencies every route declares once: the hub, the signed-in caller, the read context."""

from typing import Annotated

from fastapi import Depends, Header, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from domain.access import parse_break_glass, parse_case_ref, parse_purpose
from domain.errors import InvalidContent
from hub.bootstrap import Hub
from hub.disclosure import ReadContext
from hub.errors import MalformedInput, NotAuthenticated
from hub.registry import Caller
from hub.shapes import parse_json

# Every integer in a query or a path fits the store's signed 64-bit integers (and the hub's
# own sizes and positions, which are far smaller): larger ones are a 400, never an overflow.
INT64_MAX = 2**63 - 1


def get_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


HubDep = Annotated[Hub, Depends(get_hub)]


class BearerToken(HTTPBearer):
    """``Authorization: Bearer TOKEN``, read by the hub itself: refused with the hub's own 401
    (``WWW-Authenticate: Bearer``), never FastAPI's. As a security scheme it puts the
    requirement on every route that signs its caller in, in the OpenAPI document."""

    async def __call__(self, request: HTTPConnection) -> HTTPAuthorizationCredentials:
        return bearer_credentials(request.headers.get("Authorization"))


def bearer_credentials(authorization: str | None) -> HTTPAuthorizationCredentials:
    """The token of an ``Authorization: Bearer TOKEN`` header, or the hub's own 401."""
    if authorization is None:
        raise NotAuthenticated("a bearer token is required")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("the Authorization header must be 'Bearer TOKEN'")
    return HTTPAuthorizationCredentials(scheme=scheme, credentials=token.strip())


bearer_token = BearerToken(
    scheme_name="bearer",
    description="The caller's token, printed by `hub users add` (last line) or `hub demo`.",
)


def current_user(
    hub: HubDep,
    credentials: Annotated[HTTPAuthorizationCredentials, Security(bearer_token)],
) -> Caller:
    return hub.registry.authenticate(credentials.credentials)


CurrentUser = Annotated[Caller, Depends(current_user)]


def read_context(
    caller: CurrentUser,
    # Read as text and checked by parse_purpose, for the hub's own 400 naming X-Purpose; the
    # published document lists the purposes and marks the header required, as it is
    # (hub.api.openapi).
    x_purpose: Annotated[str | None, Header(
        alias="X-Purpose", description="why the data is read")] = None,
    x_case_ref: Annotated[str | None, Header(
        alias="X-Case-Ref", description="the case, where there is one")] = None,
    x_break_glass: Annotated[str | None, Header(
        alias="X-Break-Glass",
        description="an emergency access: the reason, in a sentence; reviewed afterwards",
    )] = None,
) -> ReadContext:
    try:
        return ReadContext(caller, parse_purpose(x_purpose), parse_case_ref(x_case_ref),
                           parse_break_glass(x_break_glass))
    except InvalidContent as error:
        raise MalformedInput(str(error)) from None


Reading = Annotated[ReadContext, Depends(read_context)]


async def unique_json_keys(request: Request) -> None:
    """Refuse (400) a JSON body that repeats a key in an object, for every route that takes a
    body model; the notification route parses its body itself, with the same rule."""
    if getattr(request.scope.get("route"), "body_field", None) is None:
        return
    raw = await request.body()  # already read (and cached) by FastAPI for the body model
    if raw.strip():
        parse_json(raw)
