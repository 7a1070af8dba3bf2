"""Problem details in Chinese or English as Accept-Language asks (both, Chinese first,
without the header), with both languages beside the chosen one."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_problem_follows_accept_language(client: TestClient) -> None:
    zh = client.get(
        "/ogc/collections/parcels/tiles/WebMercatorQuad/30/0/0",
        headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"},
    )
    en = client.get(
        "/ogc/collections/parcels/tiles/WebMercatorQuad/30/0/0",
        headers={"Accept-Language": "en-GB,en;q=0.9"},
    )
    both = client.get("/ogc/collections/parcels/tiles/WebMercatorQuad/30/0/0")
    for r in (zh, en, both):
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert zh.headers["content-language"] == "zh" and en.headers["content-language"] == "en"
    assert zh.json()["title"] == "输入无效" and en.json()["title"] == "Invalid input"
    assert zh.json()["detail"].startswith("缩放级别") and "tileMatrix 30" not in zh.json()["detail"]
    assert en.json()["detail"].startswith("tileMatrix 30") and "缩放" not in en.json()["detail"]
    body = both.json()
    assert body["detail"].startswith("缩放级别") and "tileMatrix 30" in body["detail"]
    assert body["detail_zh"] == zh.json()["detail"] and body["detail_en"] == en.json()["detail"]
    assert body["title_zh"] == "输入无效" and body["title_en"] == "Invalid input"


def test_english_only_details_stay_whole(client: TestClient) -> None:
    r = client.get("/ogc/collections/nope", headers={"Accept-Language": "zh"})
    assert r.status_code == 404
    body = r.json()
    assert body["title"] == "未找到" and body["detail"] == body["detail_en"] == body["detail_zh"]
