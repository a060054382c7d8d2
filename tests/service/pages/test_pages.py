"""The committee pages through the HTTP client: sign-in, CSRF, access, escaping, the numbers."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from service.errors import ValidationFailed
from service.keys import revoke_key
from service.models import ApiKey, PageSession, utcnow
from service.pages import session as page_session
from service.selection.shortlists import words
from tests.service.selection.builders import (
    Headers,
    assign_cohort,
    candidate_csv,
    end_notice,
    open_round,
    run_scheme,
    scored_round,
    shortlist,
)

HOSTILE = '<script>alert("x")</script> & Co'


def sign_in(client: TestClient, key: str) -> str:
    """Sign the client in with ``key``; the CSRF token its forms carry."""
    assert client.get("/ui/login").status_code == 200
    token = client.cookies["cohorts_csrf"]
    response = client.post(
        "/ui/login", data={"api_key": key, "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return token


def test_sign_in_sets_a_strict_http_only_cookie_and_sign_out_clears_it(
    client: TestClient, api_keys: dict[str, str]
) -> None:
    assert client.get("/ui/rounds", follow_redirects=False).headers["location"] == "/ui/login"
    token = sign_in(client, api_keys["chair"])
    assert client.get("/ui/rounds").status_code == 200
    out = client.post("/ui/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/ui/rounds", follow_redirects=False).status_code == 303


def test_session_cookie_attributes(app: FastAPI, api_keys: dict[str, str]) -> None:
    with TestClient(app, base_url="https://testserver") as secure:
        secure.get("/ui/login")
        response = secure.post(
            "/ui/login",
            data={"api_key": api_keys["admin"], "csrf_token": secure.cookies["cohorts_csrf"]},
            follow_redirects=False,
        )
    header = next(h for h in response.headers.get_list("set-cookie") if "cohorts_session" in h)
    assert "HttpOnly" in header
    assert "SameSite=strict" in header
    assert "Secure" in header
    assert api_keys["admin"] not in header  # the cookie names no raw key


def test_a_bad_key_or_a_forged_cookie_signs_nobody_in(
    client: TestClient, api_keys: dict[str, str]
) -> None:
    client.get("/ui/login")
    refused = client.post(
        "/ui/login", data={"api_key": "ck_nope_nope", "csrf_token": client.cookies["cohorts_csrf"]}
    )
    assert refused.status_code == 400
    sign_in(client, api_keys["admin"])
    token = client.cookies["cohorts_session"]
    flipped = ("A" if token[0] != "A" else "B") + token[1:]
    for forged in (flipped, token[:-1], token + "x", "1.99999999999.abc"):
        client.cookies.clear()
        client.cookies.set("cohorts_session", forged)
        assert client.get("/ui/rounds", follow_redirects=False).status_code == 303


def _stored_sessions(app: FastAPI) -> list[PageSession]:
    with app.state.read_sessions() as session:
        return list(session.scalars(select(PageSession)))


def test_the_cookie_is_a_random_token_and_the_session_lives_on_the_server(
    client: TestClient, app: FastAPI, api_keys: dict[str, str]
) -> None:
    token = sign_in(client, api_keys["chair"])
    cookie = client.cookies["cohorts_session"]
    (stored,) = _stored_sessions(app)
    assert stored.token_hash == hashlib.sha256(cookie.encode()).hexdigest()
    assert cookie not in stored.token_hash
    with app.state.read_sessions() as session:
        key = session.get(ApiKey, stored.key_id)
        assert key is not None
        assert key.prefix == api_keys["chair"].split("_")[1]
    assert client.get("/ui/rounds").status_code == 200
    client.post("/ui/logout", data={"csrf_token": token}, follow_redirects=False)
    assert _stored_sessions(app) == []  # sign-out deleted it
    client.cookies.set("cohorts_session", cookie, path="/ui")  # a copy kept by a thief
    assert client.get("/ui/rounds", follow_redirects=False).status_code == 303


def test_an_expired_session_is_refused(
    client: TestClient, app: FastAPI, api_keys: dict[str, str]
) -> None:
    sign_in(client, api_keys["officer"])
    assert client.get("/ui/rounds").status_code == 200
    with app.state.write_sessions.begin() as session:
        session.execute(
            update(PageSession).values(expires_at=utcnow() - dt.timedelta(seconds=1))
        )
    assert client.get("/ui/rounds", follow_redirects=False).status_code == 303


def test_an_admin_lists_and_revokes_sessions(
    app: FastAPI, api_keys: dict[str, str]
) -> None:
    with TestClient(app) as first, TestClient(app) as second:
        sign_in(first, api_keys["reviewer"])
        sign_in(second, api_keys["chair"])
        with app.state.read_sessions() as session:
            live = page_session.list_sessions(session)
        assert sorted(s.role for s in live) == ["chair", "reviewer"]
        reviewer = next(s for s in live if s.role == "reviewer")
        with app.state.write_sessions.begin() as session:
            assert page_session.revoke(session, session_id=reviewer.id) == 1
        assert first.get("/ui/rounds", follow_redirects=False).status_code == 303
        assert second.get("/ui/rounds").status_code == 200
        with app.state.write_sessions.begin() as session:
            assert page_session.revoke(session, key_id=live[0].key_id) == 0  # already ended
            with pytest.raises(ValidationFailed):
                page_session.revoke(session)


def test_a_revoked_key_ends_its_page_session(
    client: TestClient, app: FastAPI, api_keys: dict[str, str]
) -> None:
    sign_in(client, api_keys["officer"])
    assert client.get("/ui/rounds").status_code == 200
    (stored,) = _stored_sessions(app)
    with app.state.write_sessions.begin() as session:
        revoke_key(session, key_id=stored.key_id)
    assert _stored_sessions(app) == []  # revoking the key deleted its sessions
    assert client.get("/ui/rounds", follow_redirects=False).status_code == 303


def test_a_form_without_its_token_is_refused(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    token = sign_in(client, api_keys["admin"])
    form = {"name": "Round (SYNTHETIC)", "year": "2026", "reference_date": "2026-06-30"}
    missing = client.post("/ui/rounds", data=form)
    assert missing.status_code == 403
    wrong = client.post("/ui/rounds", data={**form, "csrf_token": token + "x"})
    assert wrong.status_code == 403
    assert client.get("/v1/rounds", headers=as_role("admin")).json()["items"] == []
    made = client.post("/ui/rounds", data={**form, "csrf_token": token}, follow_redirects=False)
    assert made.status_code == 303
    assert len(client.get("/v1/rounds", headers=as_role("admin")).json()["items"]) == 1


def test_a_tracker_sees_no_shortlist_page(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=6, capacity=2)
    sign_in(client, api_keys["tracker"])
    assert client.get("/ui").status_code == 200
    for path in ("/ui/rounds", f"/ui/rounds/{round_id}/cohorts/seed/shortlist"):
        refused = client.get(path)
        assert refused.status_code == 403
        assert "total" not in refused.text


def _no_inline_code(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script"
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html), "inline style attribute"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    assert "http://" not in html, "an address off the server"
    assert "https://" not in html, "an address off the server"


def test_pages_escape_user_text_and_carry_a_strict_policy(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=6, capacity=2, hostile_name=HOSTILE)
    sign_in(client, api_keys["reviewer"])
    page = client.get(f"/ui/rounds/{round_id}/cohorts/seed/shortlist")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "default-src 'none'" in policy
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in page.text
    _no_inline_code(page.text)
    for path in ("/ui", "/ui/rounds", f"/ui/rounds/{round_id}"):
        _no_inline_code(client.get(path).text)


def test_chinese_first_and_english_one_click_away(
    client: TestClient, api_keys: dict[str, str]
) -> None:
    sign_in(client, api_keys["admin"])
    assert "遴选轮次" in client.get("/ui/rounds").text
    english = client.get("/ui/rounds?lang=en")
    assert "Rounds" in english.text
    assert 'lang="en"' in english.text
    assert 'lang="en"' in client.get("/ui/rounds").text  # remembered


def test_the_firm_page_shows_the_api_numbers(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=8, capacity=3)
    items = shortlist(client, as_role("chair"), round_id, "seed")["items"]
    sign_in(client, api_keys["chair"])
    for item in items[:3]:
        page = client.get(f"/ui/rounds/{round_id}/cohorts/seed/firms/{item['uscc']}")
        assert page.status_code == 200
        bars = dict(re.findall(r'data-criterion="([^"]+)" data-points="([^"]*)"', page.text))
        for entry in item["explanation"]["criteria"]:
            expected = "" if entry["points"] is None else repr(entry["points"])
            assert bars[entry["criterion"]] == expected, entry["criterion"]
        assert f'data-total="{item["total"]!r}"' in page.text or item["total"] is None
        assert len(re.findall(r"<tr data-gate=", page.text)) == len(item["explanation"]["gates"])


def _visible_text(page: str) -> str:
    """What a reader sees of a page: its text without tags or attributes, unescaped."""
    return html.unescape(re.sub(r"<[^>]*>", " ", page))


def test_flags_and_gates_show_in_words_in_both_languages(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=10, capacity=3)
    items = shortlist(client, as_role("chair"), round_id, "seed")["items"]
    failing = [i for i in items if not i["eligible"]]
    assert failing, "the synthetic round should have firms that fail a gate"
    assert any(f.startswith("awaiting-ratings:") for i in items for f in i["flags"])
    gate_ids = {g["gate"] for i in items for g in i["explanation"]["gates"]}
    # A raw id as a word of its own (``in_haidian``, an indicator in a reason, is no gate id).
    words = "|".join(map(re.escape, sorted(gate_ids | {"awaiting-ratings"})))
    raw = re.compile(rf"(?<![\w-])(?:{words})(?![\w-])")
    sign_in(client, api_keys["chair"])
    base = f"/ui/rounds/{round_id}/cohorts/seed"
    for lang, awaiting, failed in (("zh", "评分未齐", "未通过门槛"),
                                   ("en", "awaiting ratings", "failed the gate")):
        listing = _visible_text(client.get(f"{base}/shortlist?lang={lang}").text)
        firm = _visible_text(client.get(f"{base}/firms/{failing[0]['uscc']}?lang={lang}").text)
        for text in (listing, firm):
            assert raw.findall(text) == [], lang
        assert awaiting in listing
        assert failed in listing
        assert failed in firm
        assert ("✗ 未通过" if lang == "zh" else "✗ failed") in firm


def test_gates_read_as_words_with_units_on_the_firm_and_shortlist_pages(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=10, capacity=3)
    listed = shortlist(client, as_role("chair"), round_id, "seed")
    scheme = run_scheme(client, as_role("chair"), listed["run"])
    assert all(" — " in (g.title or "") for g in scheme.gates)  # the bundled seed 4
    failing = next(i for i in listed["items"] if not i["eligible"])
    said = words.gates_in_words(scheme, failing["explanation"]["gates"])
    assert set(said) == {g.id for g in scheme.gates}
    sign_in(client, api_keys["chair"])
    base = f"/ui/rounds/{round_id}/cohorts/seed"
    for lang, index, verdict in (("zh", 0, "✗ 未通过"), ("en", 1, "✗ failed")):
        firm = _visible_text(client.get(f"{base}/firms/{failing['uscc']}?lang={lang}").text)
        listing = _visible_text(client.get(f"{base}/shortlist?lang={lang}&rows=all").text)
        for gate in said.values():
            assert gate.title[index] in firm
            assert gate.said[index] in firm
        failed = [g for g in said.values() if not g.passed]
        assert failed
        for gate in failed:
            assert gate.said[index] in listing
        # No terse English reason on either page (``age_years = 5.25 fails <= 5.0``).
        for g in failing["explanation"]["gates"]:
            if g["reason"]:
                assert g["reason"] not in firm
                assert g["reason"] not in listing
        assert verdict in firm
    zh_firm = _visible_text(client.get(f"{base}/firms/{failing['uscc']}?lang=zh").text)
    assert "不超过 5 年" in zh_firm
    assert "须为是" in zh_firm
    assert "in_haidian" not in zh_firm
    assert "age_years" not in zh_firm


def test_chinese_pages_name_cohorts_states_and_notes_in_chinese(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=6, capacity=2)
    items = shortlist(client, as_role("chair"), round_id, "seed")["items"]
    noted = next(i for i in items if any(c["note"] for c in i["explanation"]["criteria"]))
    sign_in(client, api_keys["chair"])
    base = f"/ui/rounds/{round_id}"
    dashboard = _visible_text(client.get(f"{base}?lang=zh").text)
    listing = _visible_text(client.get(f"{base}/cohorts/seed/shortlist?lang=zh").text)
    firm = _visible_text(client.get(f"{base}/cohorts/seed/firms/{noted['uscc']}?lang=zh").text)
    assert "评审中" in dashboard  # the round's state
    assert "种子企业100" in dashboard
    assert "隐形冠军100" in dashboard
    raw_ids = r"(?<![\w-])(scoring|decided|hidden-champion|leader|chair)(?![\w-])"
    assert re.search(raw_ids, dashboard) is None
    assert "短名单: 种子企业100" in listing
    assert "未决定" in listing  # the decision filter
    assert re.search(r"(?<![\w-])(undecided|waitlist|reject)(?![\w-])", listing) is None
    assert "(policy " not in firm
    assert "缺少数值" in firm
    # Raw values read whole when whole (7 patents, not 7.00), with their units.
    page = client.get(f"{base}/cohorts/seed/firms/{noted['uscc']}?lang=zh").text
    cells = re.findall(r'<td class="num raw">([^<]*)</td>', page)
    assert len(cells) == len(noted["explanation"]["criteria"])
    assert not [c for c in cells if re.match(r"-?[\d,]+\.00(\s|$)", c)]
    assert any(c.endswith(" 亿元") for c in cells)


def test_english_pages_name_criteria_and_categories_in_english(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=6, capacity=2)
    listed = shortlist(client, as_role("chair"), round_id, "seed")
    scheme = run_scheme(client, as_role("chair"), listed["run"])
    # The bundled seed scheme titles its criteria and categories in Chinese only.
    chinese = {c.title or "" for c in scheme.categories}
    chinese |= {c.title or "" for c in scheme.scored_criteria}
    assert all(re.search(r"[\u4e00-\u9fff]", title) for title in chinese)
    first, second = (i["uscc"] for i in listed["items"][:2])
    sign_in(client, api_keys["chair"])
    base = f"/ui/rounds/{round_id}/cohorts/seed"
    pages = (
        f"{base}/shortlist",
        f"{base}/firms/{first}",
        f"{base}/compare?uscc={first}&uscc={second}",
    )
    for path in pages:
        sep = "&" if "?" in path else "?"
        english = _visible_text(client.get(f"{path}{sep}lang=en").text)
        left = sorted(title for title in chinese if title in english)
        assert left == [], path
        assert any(t in _visible_text(client.get(f"{path}{sep}lang=zh").text) for t in chinese)
    firm = client.get(f"{base}/firms/{first}?lang=en").text
    assert "Hard-tech distinctiveness (rated by reviewers)" in firm


def test_compare_takes_two_to_four_firms(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=6, capacity=2)
    items = shortlist(client, as_role("chair"), round_id, "seed")["items"]
    sign_in(client, api_keys["officer"])
    base = f"/ui/rounds/{round_id}/cohorts/seed/compare"
    two = client.get(base, params={"uscc": [items[0]["uscc"], items[1]["uscc"]]})
    assert two.status_code == 200
    assert items[0]["name"] in two.text
    assert items[1]["name"] in two.text
    assert client.get(base, params={"uscc": [items[0]["uscc"]]}).status_code == 422


def test_a_reviewer_rates_and_a_conflict_hides_the_ratings(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=6, capacity=2)
    assign_cohort(client, as_role, round_id, "seed")  # the one reviewer rates every seed firm
    item = shortlist(client, as_role("chair"), round_id, "seed")["items"][0]
    token = sign_in(client, api_keys["reviewer"])
    firm = f"/ui/rounds/{round_id}/cohorts/seed/firms/{item['uscc']}"
    form = client.get(firm).text
    criterion = re.search(r'name="score:([a-z_]+)"', form)
    assert criterion is not None
    rated = client.post(
        f"{firm}/reviews",
        data={
            "csrf_token": token,
            "nomination_id": str(item["nomination_id"]),
            f"score:{criterion.group(1)}": "7",
            f"comment:{criterion.group(1)}": "<b>strong</b> team",
        },
    )
    assert rated.status_code == 200
    assert "评分已保存" in rated.text
    out_of_range = client.post(
        f"{firm}/reviews",
        data={
            "csrf_token": token,
            "nomination_id": str(item["nomination_id"]),
            f"score:{criterion.group(1)}": "70",
        },
    )
    assert out_of_range.status_code == 422
    conflict = client.post(
        f"{firm}/conflicts",
        data={"csrf_token": token, "nomination_id": str(item["nomination_id"]), "reason": "kin"},
    )
    assert conflict.status_code == 200  # back on the shortlist, without the firm
    assert "已登记利益冲突" in conflict.text  # saying so, not silently
    assert item["uscc"] not in conflict.text
    assert client.get(firm).status_code == 404  # hidden from the conflicted reviewer


def test_the_chair_confirms_a_batch_and_an_override_needs_a_reason(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=8, capacity=2)
    items = shortlist(client, as_role("chair"), round_id, "seed")["items"]
    below = next(i for i in items if i["eligible"] and not i["within_capacity"])
    token = sign_in(client, api_keys["chair"])
    base = f"/ui/rounds/{round_id}/cohorts/seed/decisions"
    form = {"csrf_token": token, f"outcome:{below['nomination_id']}": "select"}
    confirm = client.post(f"{base}/confirm", data=form)
    assert confirm.status_code == 200
    assert "缺少理由" in confirm.text
    assert client.post(base, data=form).status_code == 422
    form[f"reason:{below['nomination_id']}"] = "strategic supplier"
    confirm = client.post(f"{base}/confirm", data=form)
    assert "缺少理由" not in confirm.text
    assert "<strong>1</strong> / 2" in confirm.text
    before = client.get(f"/ui/rounds/{round_id}/cohorts/seed/shortlist")
    assert "d-select" not in before.text
    recorded = client.post(base, data=form)
    assert recorded.status_code == 200
    assert "d-select" in recorded.text  # the cached page was rebuilt after the decision
    assert "已记录 1 项决定" in recorded.text
    assert f'value="{token}"' in recorded.text  # with this viewer's own token
    after = shortlist(client, as_role("chair"), round_id, "seed")["items"]
    assert next(i for i in after if i["uscc"] == below["uscc"])["decision"] == "select"


def test_the_confirmation_asks_for_a_reason_to_select_a_firm_awaiting_ratings(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    # Nobody has rated yet, so selecting a firm inside the line is no override, but recording
    # it without a reason is refused: the confirmation must not offer to record it.
    round_id = scored_round(client, as_role, per_cohort=8, capacity=2)
    items = shortlist(client, as_role("chair"), round_id, "seed")["items"]
    inside = next(i for i in items if i["within_capacity"])
    assert not inside["ratings_complete"]
    token = sign_in(client, api_keys["chair"])
    base = f"/ui/rounds/{round_id}/cohorts/seed/decisions"
    form = {"csrf_token": token, f"outcome:{inside['nomination_id']}": "select"}
    confirm = client.post(f"{base}/confirm", data=form)
    assert confirm.status_code == 200
    assert "缺少理由" in confirm.text
    assert "评分未齐" in confirm.text
    assert "确认并记录" not in confirm.text
    assert client.post(base, data=form).status_code == 422
    form[f"reason:{inside['nomination_id']}"] = "site visit showed the product"
    confirm = client.post(f"{base}/confirm", data=form)
    assert "缺少理由" not in confirm.text
    assert "确认并记录" in confirm.text
    assert client.post(base, data=form).status_code == 200


def test_the_officer_report_uses_the_files_own_headers(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id = open_round(client, as_role, capacity=2)
    lines = candidate_csv(3).decode().split("\n")
    columns = lines[0].split(",")
    first = lines[1].split(",")
    first[columns.index("founded_on")] = "not a date"
    columns[columns.index("founded_on")] = "成立日期"
    body = "\n".join([",".join(columns), ",".join(first), *lines[2:]]).encode()
    token = sign_in(client, api_keys["officer"])
    response = client.post(
        f"/ui/rounds/{round_id}/upload",
        data={"csrf_token": token},
        files={"file": ("名单.csv", body, "text/csv")},
    )
    assert response.status_code == 201, response.text
    assert "<td>成立日期</td>" in response.text


@pytest.mark.parametrize("path", ["/ui/rounds/999", "/ui/rounds/1/cohorts/seed/shortlist"])
def test_a_missing_round_is_a_404_page(
    client: TestClient, api_keys: dict[str, str], path: str
) -> None:
    sign_in(client, api_keys["admin"])
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


def test_the_page_exports_in_the_page_language(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=6, capacity=2)
    sign_in(client, api_keys["reviewer"])
    base = f"/ui/rounds/{round_id}/cohorts/seed/export"
    chinese = client.get(base, params={"format": "csv"})
    assert chinese.status_code == 200
    assert "梯队" in chinese.content.decode("utf-8-sig")
    english = client.get(base, params={"format": "csv", "lang": "en"})
    assert "Cohort" in english.content.decode("utf-8-sig")
    workbook = client.get(base)
    assert workbook.headers["content-type"].startswith("application/vnd.openxmlformats")


def test_a_long_shortlist_shows_the_line_and_the_rest_on_request(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=80, capacity=2)
    total = len(shortlist(client, as_role("chair"), round_id, "seed")["items"])
    sign_in(client, api_keys["chair"])
    path = f"/ui/rounds/{round_id}/cohorts/seed/shortlist"
    short = client.get(path).text
    shown = short.count('<tr class="within">') + short.count('<tr class="below">')
    shown += short.count('<tr class="ineligible">')
    assert shown < total
    assert "显示全部" in short
    full = client.get(path, params={"rows": "all"}).text
    rows = full.count('<tr class="within">') + full.count('<tr class="below">')
    assert rows + full.count('<tr class="ineligible">') == total
    assert "显示全部" not in full


def test_the_admin_moves_the_round_and_publishes_from_the_dashboard(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=6, capacity=2)
    token = sign_in(client, api_keys["admin"])
    dashboard = f"/ui/rounds/{round_id}"
    assert 'value="decided"' in client.get(dashboard).text
    moved = client.post(f"{dashboard}/state", data={"csrf_token": token, "state": "decided"})
    assert moved.status_code == 200
    assert "/notice" in moved.text
    noticed = client.post(f"{dashboard}/notice", data={"csrf_token": token})
    assert noticed.status_code == 200
    assert "/publish" in noticed.text
    early = client.post(f"{dashboard}/publish", data={"csrf_token": token})
    assert early.status_code == 409  # the notice period is running
    end_notice(client, round_id)
    published = client.post(f"{dashboard}/publish", data={"csrf_token": token})
    assert published.status_code == 200
    assert client.get(f"/v1/rounds/{round_id}", headers=as_role("admin")).json()["state"] == (
        "published"
    )
    assert "三年目标" in published.text
    again = client.post(f"{dashboard}/publish", data={"csrf_token": token})
    assert again.status_code == 409
