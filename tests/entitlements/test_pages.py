"""The public statement, its printable view and older versions, the eligibility checker, and the officers' editor."""

from __future__ import annotations

import asyncio
import logging
import re
import socket

import httpx
import uvicorn

from entitlements import services
from entitlements.enums import StatementStatus
from entitlements.models import Statement, Tier
from shortbreaks.models import AuditEvent
from tests.entitlements.conftest import statement_body, tier
from tests.factories import NOW, csrf, sign_in
from tests.waiting import wait_until

CHECK = "/councils/westshire/short-breaks/check"
_HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')


def hidden_fields(html: str) -> list[tuple[str, str]]:
    return _HIDDEN.findall(html)


async def run_checker(client, answers: dict[str, str | list[str]]) -> list:
    """Answer every question the checker asks, one page at a time, as a browser without JavaScript would."""
    responses = [await client.post(CHECK, data={"step": "start"})]
    while 'name="step" value="' in responses[-1].text and "Question " in responses[-1].text:
        html = responses[-1].text
        step = re.search(r'name="step" value="([a-z_]+)"', html).group(1)
        data: dict[str, list[str]] = {}
        for name, value in hidden_fields(html):
            data.setdefault(name, []).append(value)
        answer = answers[step]
        data[step] = answer if isinstance(answer, list) else [answer]
        responses.append(await client.post(CHECK, data=data))
        assert len(responses) < 10
    return responses


# --- the public statement ------------------------------------------------------------------------------


async def test_anyone_reads_the_published_statement_with_its_tiers_and_contacts(client, council) -> None:
    await council.published()
    response = await client.get("/councils/westshire/short-breaks")
    assert response.status_code == 200
    html = response.text
    assert "Westshire Council" in html
    assert 'id="tier-universal"' in html and 'id="tier-targeted"' in html and 'id="tier-specialist"' in html
    assert "78 hours each allowance year" in html
    assert "Call the short breaks team on 0121 000 0000." in html
    assert "breaks@council.example.gov.uk" in html
    assert "1 February to 31 January" in html
    assert '<a class="govuk-link" href="/services?kind=day_care_away">Day care away from home</a>' in html
    assert f'href="{CHECK}"' in html
    printable = await client.get("/councils/westshire/short-breaks/print")
    assert printable.status_code == 200
    assert "78 hours each allowance year" in printable.text and CHECK not in printable.text


async def test_older_versions_stay_readable_and_drafts_are_not_public(client, council) -> None:
    await council.published()
    second = await services.create_version(
        council.profile, statement_body(tiers=[tier(hours_per_year=90)]), actor=council.officer_p, now=NOW
    )
    assert (await client.get("/councils/westshire/short-breaks/versions/2")).status_code == 404
    await services.publish_statement(second, actor=council.officer_p, now=NOW)

    current = await client.get("/councils/westshire/short-breaks")
    old = await client.get("/councils/westshire/short-breaks/versions/1")
    assert "90 hours each allowance year" in current.text
    assert 'href="/councils/westshire/short-breaks/versions/1"' in current.text
    assert old.status_code == 200
    assert "78 hours each allowance year" in old.text and "This is version 1, which has been replaced." in old.text


async def test_a_council_without_a_statement_or_address_is_not_found(client, council) -> None:
    assert (await client.get("/councils/westshire/short-breaks")).status_code == 404
    assert (await client.get("/councils/nowhere/short-breaks")).status_code == 404
    assert (await client.get("/councils/nowhere/short-breaks/check")).status_code == 404
    assert (await client.post("/councils/nowhere/short-breaks/check", data={"step": "age"})).status_code == 404


async def test_the_councils_page_lists_published_statements(client, council) -> None:
    assert 'id="councils"' not in (await client.get("/councils")).text
    await council.published()
    assert '<a class="govuk-link" href="/councils/westshire/short-breaks">Westshire Council</a>' in (await client.get("/councils")).text


# --- the checker -----------------------------------------------------------------------------------------


async def test_the_checker_asks_one_question_a_page_and_tells_the_family_what_it_may_get(client, council) -> None:
    await council.published()
    start = await client.get(CHECK)
    assert start.status_code == 200 and "decides" in start.text

    pages = await run_checker(client, {"age": "7", "postcode": "B15 2TT", "needs": ["ASD"], "ehc_plan": "yes", "dla": "no"})

    questions = [re.search(r"Question (\d) of (\d)", p.text).groups() for p in pages[:-1]]
    assert questions == [("1", "5"), ("2", "5"), ("3", "5"), ("4", "5"), ("5", "5")]
    result = pages[-1].text
    assert "Westshire Council decides who gets short breaks" in result
    assert 'id="result-universal"' in result and 'id="result-targeted"' in result and 'id="result-specialist"' not in result
    assert "Call the short breaks team on 0121 000 0000." in result
    assert "<strong>The specialist tier</strong>" in result
    assert all(p.headers["cache-control"] == "no-store" for p in pages)
    # Only the postcode district travels between pages, never the full postcode.
    assert all("2TT" not in p.text for p in pages[2:])


async def test_not_sure_keeps_a_tier_possible_and_out_of_area_rules_it_out(client, council) -> None:
    await council.published()
    unsure = (await run_checker(client, {"age": "12", "postcode": "WS1 1AA", "needs": ["PMLD"], "ehc_plan": "not_sure", "dla": "no"}))[-1]
    assert 'id="result-targeted"' in unsure.text and "You may qualify, depending on something you were not sure about" in unsure.text
    assert 'id="result-specialist"' in unsure.text
    away = (await run_checker(client, {"age": "12", "postcode": "M14 5AA", "needs": ["PMLD"], "ehc_plan": "yes", "dla": "yes"}))[-1]
    assert 'id="result-targeted"' not in away.text and 'id="result-specialist"' not in away.text
    assert 'id="result-universal"' in away.text  # the universal tier here has no area rule


async def test_a_missing_or_wrong_answer_shows_the_error_summary_linked_to_the_field(client, council) -> None:
    await council.published()
    blank = await client.post(CHECK, data={"step": "age"})
    assert blank.status_code == 422
    assert 'href="#age"' in blank.text and "Enter your child&#39;s age in years" in blank.text
    assert 'aria-describedby="age-hint age-error"' in blank.text
    wrong = await client.post(CHECK, data={"step": "postcode", "age": "7", "postcode": "not a postcode"})
    assert wrong.status_code == 422 and 'href="#postcode"' in wrong.text
    assert 'name="age" value="7"' in wrong.text
    both = await client.post(CHECK, data={"step": "needs", "age": "7", "postcode": "B15", "needs": ["none", "ASD"]})
    assert both.status_code == 422 and 'href="#needs"' in both.text


async def test_the_previous_question_button_goes_back_with_the_answers_kept(client, council) -> None:
    await council.published()
    back = await client.post(CHECK, data={"step": "needs", "age": "7", "postcode": "B15", "back": "1"})
    assert back.status_code == 200
    assert "Question 2 of 5" in back.text and 'value="B15"' in back.text and 'name="age" value="7"' in back.text


async def test_the_checker_stores_and_logs_none_of_the_answers(client, council, caplog) -> None:
    await council.published()
    events = await AuditEvent.all().count()
    statements = await Statement.all().count()
    caplog.set_level(logging.DEBUG)

    pages = await run_checker(client, {"age": "11", "postcode": "WS7 3QX", "needs": ["PMLD", "HI"], "ehc_plan": "not_sure", "dla": "yes"})

    assert pages[-1].status_code == 200 and 'id="result-specialist"' in pages[-1].text
    logged = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    for typed in ("WS7", "3QX", "PMLD", "not_sure"):
        assert typed not in logged
    assert all(r.request.method == "POST" and not r.request.url.query for r in pages)
    assert (await AuditEvent.all().count(), await Statement.all().count()) == (events, statements)
    # The only cookie is the anonymous CSRF id every page sets; no answer rides in it.
    cookies = [v for p in pages for v in p.headers.get_list("set-cookie")]
    assert all(typed not in c for c in cookies for typed in ("WS7", "PMLD"))


# --- officers ---------------------------------------------------------------------------------------------


async def test_an_officer_writes_a_draft_part_by_part_and_publishes_it(client, council) -> None:
    await sign_in(client, council.officer)
    token = await csrf(client, "/authority/short-breaks")
    created = await client.post("/authority/short-breaks/westshire/drafts", data={"csrf_token": token})
    assert created.status_code == 303
    draft_path = created.headers["location"]

    saved = await client.post(
        draft_path, data={"csrf_token": token, "introduction": "Breaks for families.", "contact_email": "team@westshire.example.gov.uk"}
    )
    assert saved.status_code == 303
    no_way = {"csrf_token": token, "code": "targeted", "kind": "targeted", "name": "Allowance", "hours_per_year": "40", "how_to_apply": ""}
    refused = await client.post(draft_path + "/tiers", data=no_way)
    assert refused.status_code == 422
    assert "There is a problem" in refused.text and 'href="#how_to_apply"' in refused.text
    added = await client.post(
        draft_path + "/tiers",
        data={**no_way, "how_to_apply": "Apply online.", "lives_in_area": "true", "needs": ["ASD", "PD"], "pounds_per_year": "£200"},
    )
    assert added.status_code == 303
    [new_tier] = await Tier.all()
    assert (new_tier.hours_per_year, new_tier.pence_per_year, new_tier.rules["needs"]) == (40, 20000, ["ASD", "PD"])
    edit = await client.get(f"/authority/short-breaks/tiers/{new_tier.id}")
    assert edit.status_code == 200 and 'value="200.00"' in edit.text

    published = await client.post(draft_path + "/publish", data={"csrf_token": token})
    assert published.status_code == 303 and published.headers["location"] == "/councils/westshire/short-breaks"
    statement = await Statement.get(council_id=council.profile.id)
    assert statement.status == StatementStatus.PUBLISHED and statement.contact_email == "team@westshire.example.gov.uk"
    assert await AuditEvent.filter(action="entitlements.statement.published", record_id=str(statement.id)).count() == 1
    again = await client.post(draft_path + "/publish", data={"csrf_token": token})
    assert again.status_code == 409


async def test_publishing_an_empty_draft_shows_what_is_missing(client, council) -> None:
    draft = await services.create_draft(council.profile, actor=council.officer_p, now=NOW)
    await sign_in(client, council.officer)
    token = await csrf(client, "/authority/short-breaks")
    response = await client.post(f"/authority/short-breaks/drafts/{draft.id}/publish", data={"csrf_token": token})
    assert response.status_code == 422
    assert 'href="#introduction"' in response.text and 'href="#tiers"' in response.text


async def test_an_officer_sets_the_councils_address_and_allowance_year(client, council) -> None:
    await sign_in(client, council.other_officer)
    page = await client.get("/authority/short-breaks")
    assert page.status_code == 200 and "Eastshire Council" in page.text and "Westshire" not in page.text
    token = await csrf(client, "/authority/short-breaks")
    form = {"csrf_token": token, "local_authority_id": str(council.other_authority.id), "allowance_year_start_month": "4"}
    taken = await client.post("/authority/short-breaks/profile", data={**form, "slug": "westshire", "allowance_year_start_day": "1"})
    assert taken.status_code == 422 and 'href="#slug"' in taken.text
    saved = await client.post(
        "/authority/short-breaks/profile",
        data={**form, "slug": "eastshire", "allowance_year_start_day": "1", "postcode_districts": "e1, E2"},
    )
    assert saved.status_code == 303
    not_ours = await client.post(
        "/authority/short-breaks/profile", data={**form, "local_authority_id": str(council.authority.id), "slug": "x1"}
    )
    assert not_ours.status_code == 404


async def test_an_officer_of_another_council_gets_not_found_and_a_family_gets_forbidden(client, council) -> None:
    await council.published()
    draft = await services.create_draft(council.profile, actor=council.officer_p, now=NOW)
    [draft_tier] = await Tier.filter(statement_id=draft.id, code="targeted")
    await sign_in(client, council.other_officer)
    token = await csrf(client, "/authority/short-breaks")
    assert (await client.get(f"/authority/short-breaks/drafts/{draft.id}")).status_code == 404
    assert (await client.get(f"/authority/short-breaks/tiers/{draft_tier.id}")).status_code == 404
    assert (await client.post(f"/authority/short-breaks/drafts/{draft.id}/publish", data={"csrf_token": token})).status_code == 404
    assert (await client.post("/authority/short-breaks/westshire/drafts", data={"csrf_token": token})).status_code == 404
    assert (await Statement.get(id=draft.id)).status == StatementStatus.DRAFT

    await client.post("/sign-out", data={"csrf_token": token})
    await sign_in(client, council.family)
    assert (await client.get("/authority/short-breaks")).status_code == 403


async def test_signed_out_visitors_cannot_edit(client, council) -> None:
    draft = await services.create_draft(council.profile, actor=council.officer_p, now=NOW)
    response = await client.get(f"/authority/short-breaks/drafts/{draft.id}")
    assert response.status_code == 303 and response.headers["location"].startswith("/sign-in")
    token = await csrf(client, "/sign-in")
    posted = await client.post(f"/authority/short-breaks/drafts/{draft.id}/publish", data={"csrf_token": token})
    assert posted.status_code == 303 and posted.headers["location"].startswith("/sign-in")
    assert (await Statement.get(id=draft.id)).status == StatementStatus.DRAFT


async def test_odd_input_to_public_pages_is_never_a_server_error(client, council) -> None:
    await council.published()
    assert (await client.get("/councils/westshire/short-breaks/versions/99999999999999999999")).status_code == 404
    assert (await client.get("/api/v1/councils/westshire/statement/versions/99999999999999999999")).status_code == 404
    odd = await client.post(
        CHECK, data={"step": "zzz", "age": "9" * 400, "postcode": "B" * 5000, "needs": ["PMLD", "<script>"], "dla": "x"}
    )
    assert odd.status_code == 200 and "Question 1 of 5" in odd.text and "<script>" not in odd.text


async def test_the_servers_access_log_holds_no_answers(app, council, caplog) -> None:
    """Behind a real uvicorn with its access log on, as ``shortbreaks serve`` runs outside production."""
    await council.published()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="info", access_log=True, log_config=None))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    await wait_until(lambda: server.started, timeout=30, what="uvicorn to start serving")
    caplog.set_level(logging.DEBUG)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{sock.getsockname()[1]}") as real:
            pages = await run_checker(real, {"age": "13", "postcode": "WS9 8QQ", "needs": ["MSI"], "ehc_plan": "no", "dla": "not_sure"})
    finally:
        server.should_exit = True
        await task
    assert 'id="result-targeted"' in pages[-1].text
    access = [r.getMessage() for r in caplog.records if r.name == "uvicorn.access"]
    assert len(access) == len(pages) and all("POST /councils/westshire/short-breaks/check HTTP/1.1" in line for line in access)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for typed in ("WS9", "8QQ", "MSI", "not_sure"):
        assert typed not in logged
