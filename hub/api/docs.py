"""``/docs``: Swagger UI from files installed with the hub, never from a CDN.

The Swagger UI distribution (Apache-2.0, by SmartBear) comes in the ``fastapi-swagger``
package (MIT), pinned in ``constraints.txt``; only its three files are used, served here. A
browser that opens ``/docs`` asks nothing of any host but the hub.
"""

from functools import cache
from importlib import resources

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from hub.errors import NotFound

ASSETS = "fastapi_swagger.resources"
_FILES = {
    "swagger-ui-bundle.js": "application/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}

router = APIRouter(include_in_schema=False)


@cache
def _asset(name: str) -> bytes:
    return resources.files(ASSETS).joinpath(name).read_bytes()


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    app: FastAPI = request.app
    base = request.scope.get("root_path", "").rstrip("/")
    return get_swagger_ui_html(
        openapi_url=f"{base}{app.openapi_url}",
        title=f"{app.title} - API",
        swagger_js_url=f"{base}/docs/assets/swagger-ui-bundle.js",
        swagger_css_url=f"{base}/docs/assets/swagger-ui.css",
        swagger_favicon_url=f"{base}/docs/assets/favicon-32x32.png",
        # No "validator" badge: it would send the document's address to an outside service.
        swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": False},
    )


@router.get("/docs/assets/{name}")
def swagger_asset(name: str) -> Response:
    media_type = _FILES.get(name)
    if media_type is None:
        raise NotFound("no such file")
    return Response(_asset(name), media_type=media_type)
