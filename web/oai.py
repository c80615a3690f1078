"""The /oai route: OAI-PMH requests by GET or by POST (application/x-www-form-urlencoded).

The arguments go to `harvest` untouched — repeated names included, since a
repeated argument is itself a protocol error — and the answer is always
HTTP 200 with an XML body; protocol errors travel inside it (section 3.6).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from harvest.service import OaiProvider
from harvest.verbs import OaiError
from web.templating import render

router = APIRouter(tags=["oai-pmh"])
MEDIA_TYPE = "text/xml; charset=utf-8"
STYLESHEET = "/oai.xsl"  # rendered per language (every label is translated), same origin for the CSP


@router.get("/oai.xsl", include_in_schema=False)
def stylesheet(request: Request) -> Response:
    """The XSLT that lays out /oai responses for a person reading them in a browser."""
    return render(request, "oai.xsl.xml", media_type="text/xsl", headers={"vary": "Accept-Language, Cookie"})


def _provider(request: Request) -> OaiProvider:
    wiring = request.app.state.wiring
    return OaiProvider(wiring.engine, wiring.settings, stylesheet=STYLESHEET)


@router.get("/oai", response_class=Response)
async def oai_get(request: Request) -> Response:
    pairs = parse_qsl(request.url.query, keep_blank_values=True)
    body = await run_in_threadpool(_provider(request).respond, pairs)
    return Response(body, media_type=MEDIA_TYPE)


@router.post("/oai", response_class=Response)
async def oai_post(request: Request) -> Response:
    provider = _provider(request)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        error = OaiError("badArgument", "a POST request must be sent as application/x-www-form-urlencoded")
        return Response(provider.error(error), media_type=MEDIA_TYPE)
    try:
        form = (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        return Response(provider.error(OaiError("badArgument", "the form is not UTF-8")), media_type=MEDIA_TYPE)
    body = await run_in_threadpool(provider.respond, parse_qsl(form, keep_blank_values=True))
    return Response(body, media_type=MEDIA_TYPE)
