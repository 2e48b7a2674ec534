"""What a request names is journaled as far as the journal's fields hold it."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.web.helpers import basic, create_user

TOO_LONG = "9" * 40  # a tracking number twice as long as the journal's field


def test_a_status_poll_of_an_overlong_tracking_number_is_journaled_cut_to_fit(
    client: FlaskClient,
) -> None:
    """PostgreSQL refuses text longer than its column: the entry was lost (and with entries
    written together, the others' with it)."""
    create_user(client, "test", "ALICE01")
    answer = client.get(f"/test/api/v1/batches/{TOO_LONG}", headers=basic("ALICE01"))
    assert answer.status_code == 404
    entries = client.get("/_sim/v1/journal?site=test&operation=status").get_json()["entries"]
    assert [entry["tracking_number"] for entry in entries] == [TOO_LONG[:20]]
