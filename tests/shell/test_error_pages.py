from __future__ import annotations

from django.test import Client
from django.urls import reverse


def test_not_found_page_says_why_and_where_to_go(client, act_world):
    client.force_login(act_world.lead)
    response = client.get(
        reverse("submissions:detail", kwargs={"pk": act_world.other_submission.pk})
    )
    html = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in html
    assert "ask your organisation's system lead" in html
    assert f'href="{reverse("shell:home")}"' in html


def test_server_error_page_says_uploads_are_kept(db, settings):
    settings.ROOT_URLCONF = "tests.shell.failing_urls"
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert "Anything you uploaded before this message is kept." in response.content.decode()
