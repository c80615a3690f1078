"""/oai opened in a browser: the response names our XSLT, which lays it out in the reader's language."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from lxml import etree

from tests.factories import make_item
from tests.harvest.xsd import assert_valid
from web.wiring import Wiring


def test_oai_responses_carry_a_stylesheet_that_renders_them_in_the_readers_language(
    client: TestClient, wiring: Wiring, collection: str
) -> None:
    make_item(wiring, collection, "مناهج البحث العلمي")
    time.sleep(1.1)  # a list harvest starts one second back
    response = client.get("/oai", params={"verb": "ListRecords", "metadataPrefix": "oai_dc"})
    assert response.content.split(b"\n")[0].startswith(b"<?xml")
    assert b'<?xml-stylesheet type="text/xsl" href="/oai.xsl"?>' in response.content
    document = assert_valid(response.content).getroottree()  # still valid OAI-PMH for harvesters
    for lang, heading, direction in (("en", "OAI-PMH interface", "ltr"), ("ar", "واجهة OAI-PMH", "rtl")):
        xsl = client.get("/oai.xsl", headers={"accept-language": lang})
        assert xsl.headers["content-type"].startswith("text/xsl") and "Accept-Language" in xsl.headers["vary"]
        html = etree.XSLT(etree.fromstring(xsl.content))(document)
        root = html.getroot()
        assert root.get("lang") == lang and root.get("dir") == direction
        text = etree.tostring(html, method="text", encoding="unicode")
        assert heading in text and "مناهج البحث العلمي" in text and "dc:title" in text
    error = etree.fromstring(client.get("/oai", params={"verb": "Nonsense"}).content).getroottree()
    rendered = etree.XSLT(etree.fromstring(client.get("/oai.xsl", headers={"accept-language": "en"}).content))(error)
    assert "badVerb" in etree.tostring(rendered, method="text", encoding="unicode")
