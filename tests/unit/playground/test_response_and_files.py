from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from playground import SlackStandIn


def test_response_url_posts_are_recorded(standin: SlackStandIn) -> None:
    url = standin.new_response_url()
    assert url.startswith(standin.base_url + "/response/")
    reply = WebhookClient(url).send(text="Incident declared", response_type="ephemeral")
    assert reply.status_code == 200
    assert standin.wait_for_response(url) == {"text": "Incident declared", "response_type": "ephemeral"}
    other = standin.new_response_url()
    WebhookClient(other).send(text="second", replace_original=True)
    assert [r["text"] for r in standin.responses()] == ["Incident declared", "second"]
    assert standin.responses(other) == [{"text": "second", "replace_original": True}]


def test_unknown_response_url_is_404(standin: SlackStandIn) -> None:
    request = urllib.request.Request(standin.base_url + "/response/nope", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=5)
    assert raised.value.code == 404
    with pytest.raises(AssertionError):
        standin.wait_for_response(timeout=0.05)


def test_files_upload_v2(client: WebClient, standin: SlackStandIn, incident_channel: str) -> None:
    content = "# Postmortem\n\nRoot cause: a typo.\n"
    reply = client.files_upload_v2(
        channel=incident_channel,
        content=content,
        filename="postmortem.md",
        title="Postmortem INC-1",
        initial_comment="Draft postmortem",
    )
    assert reply["ok"] is True
    (stored,) = standin.files()
    assert stored.content == content.encode()
    assert (stored.name, stored.title, stored.channel) == (
        "postmortem.md",
        "Postmortem INC-1",
        incident_channel,
    )
    assert stored.initial_comment == "Draft postmortem"
    assert standin.messages(incident_channel)[-1]["files"][0]["id"] == stored.id
    methods = [c.method for c in standin.calls()]
    assert methods[-2:] == ["files.getUploadURLExternal", "files.completeUploadExternal"]


def test_upload_needs_membership_and_bytes(client: WebClient, standin: SlackStandIn) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.files_upload_v2(channel="C0GENERAL", content="x", filename="a.txt")
    assert raised.value.response["error"] == "not_in_channel"
    file_id = client.files_getUploadURLExternal(filename="b.txt", length=3)["file_id"]
    with pytest.raises(SlackApiError) as raised:
        client.files_completeUploadExternal(files=[{"id": file_id, "title": "b"}])
    assert raised.value.response["error"] == "file_not_found"
