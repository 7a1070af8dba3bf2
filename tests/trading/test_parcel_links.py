"""Trading's links in a parcel's popup and page (registered by the composition root):
a published listing of the parcel is linked, a draft never, an unlisted parcel has none."""

from __future__ import annotations

from sqlalchemy import text

from tests.trading.conftest import published, terms


def test_popup_links_to_a_listing_and_never_to_a_draft(client, db, person, free_parcels) -> None:  # type: ignore[no-untyped-def]
    code, use = free_parcels[23]
    listing = published(db, person("registrar", "links").principal, terms([code], use))
    links = client.get("/maps/parcels/links", params={"unit_code": code}).json()
    assert len(links) == 1 and links[0]["href"] == f"/maps/auctions/{listing.id}"
    assert listing.code in links[0]["zh"] and "土地出让" in links[0]["zh"]
    assert "竞价中" in links[0]["zh"] and "open for bids" in links[0]["en"]
    page = client.get("/maps/parcels", params={"unit_code": code}).text
    assert f'data-links-url="/maps/parcels/links?unit_code={code}"' in page and "亩" in page
    db.execute(text("UPDATE trading_listing SET status = 'draft' WHERE id = :i"), {"i": listing.id})
    assert client.get("/maps/parcels/links", params={"unit_code": code}).json() == []
    other = free_parcels[24][0]
    assert client.get("/maps/parcels/links", params={"unit_code": other}).json() == []
    assert client.get("/maps/parcels/links", params={"unit_code": "nonsense"}).json() == []
