"""Who may read surveys (issue 12): a staff token is needed, surveyors' names go to staff
only, the uploading account to the uploader and admins only; the map page is a shell."""

from __future__ import annotations

import pytest

from tests.gis.survey.test_survey_api import SAMPLES, read, upload

READERS = ["surveyor", "registrar", "inspector", "planner", "admin"]


@pytest.fixture
def survey_id(client, auth) -> int:
    res = upload(client, auth, "j.csv", (SAMPLES / "boundary_points_4547.csv").read_bytes())
    assert res.status_code == 201, res.text
    assert res.json()["uploaded_by"] == "test-surveyor"  # the uploader sees its own account
    return int(res.json()["id"])


def _paths(survey_id: int) -> list[str]:
    base = f"/api/v1/surveys/{survey_id}"
    return ["/api/v1/surveys", base, f"{base}/report", f"{base}/features"]


def test_anonymous_and_bidders_read_nothing(client, auth, survey_id) -> None:
    for path in _paths(survey_id):
        anonymous = client.get(path)
        assert anonymous.status_code == 401, path
        assert anonymous.headers["content-type"].startswith("application/problem+json")
        assert "王测量" not in anonymous.text and "test-surveyor" not in anonymous.text
        bidder = read(client, auth, path, role="bidder")
        assert bidder.status_code == 403, path
        assert "王测量" not in bidder.text and "test-surveyor" not in bidder.text


@pytest.mark.parametrize("role", READERS)
def test_staff_read_surveys_and_see_accounts_only_when_theirs_or_admin(
    client, auth, survey_id, role
) -> None:
    account = "test-surveyor" if role in ("surveyor", "admin") else None
    for path in _paths(survey_id):
        res = read(client, auth, path, role=role)
        assert res.status_code == 200, (path, res.text)
        if role not in ("surveyor", "admin"):
            assert "test-surveyor" not in res.text, path
    record = read(client, auth, f"/api/v1/surveys/{survey_id}", role=role).json()
    assert record["surveyor"] == "王测量" and record["uploaded_by"] == account
    items = read(client, auth, "/api/v1/surveys", role=role).json()["items"]
    assert [i["uploaded_by"] for i in items] == [account]
    report = read(client, auth, f"/api/v1/surveys/{survey_id}/report", role=role).json()
    assert report["survey"]["uploaded_by"] == account


def test_another_surveyor_does_not_see_the_uploading_account(client, auth, db, survey_id):
    from gis.auth.service import add_user, issue_token

    other = add_user(db, "other-surveyor", "correct horse battery", "surveyor")
    res = client.get(
        f"/api/v1/surveys/{survey_id}", headers={"Authorization": f"Bearer {issue_token(other)}"}
    )
    assert res.status_code == 200 and res.json()["uploaded_by"] is None
    assert "test-surveyor" not in res.text


def test_the_map_page_is_a_shell_without_survey_data(client, survey_id) -> None:
    page = client.get(f"/maps/surveys/{survey_id}")
    assert page.status_code == 200
    assert "王测量" not in page.text and "test-surveyor" not in page.text
    assert "中海达" not in page.text and "boundary_points_4547" not in page.text


@pytest.mark.parametrize("path", ["/api/v1/surveys/99999999999999999999", "/maps/surveys/0"])
def test_out_of_range_ids_are_4xx(client, auth, path) -> None:
    res = read(client, auth, path)
    assert res.status_code == 422 and res.headers["content-type"].startswith(
        "application/problem+json"
    )
