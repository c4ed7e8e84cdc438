"""The review workflow on the demo's real alerts: the two paths, assignment, audit (append-only, hash chain,
before/after), 403 for another department's security-tagged item, bulk actions, CLI parity, training
examples from decisions, saved searches."""
import json
import sqlite3
import subprocess
from urllib.parse import urlencode

import pytest
from starlette.testclient import TestClient

from presswatch import audit
from presswatch.workflow import WorkflowError, assign, correct_labels, decide
from tests.conftest import cli_env, presswatch_cmd, use_module_database
from tests.review_support import ACCOUNTS, PASSWORD, alert_id, build_demo, csrf_of, login


@pytest.fixture(scope="module")
def demo(demo_site, tmp_path_factory):
    from presswatch.config import load_settings
    from presswatch.storage import open_store
    from presswatch.web.app import create_app

    s = use_module_database(load_settings(tmp_path_factory.mktemp("review"), allow_private_hosts=["127.0.0.1"]))
    build_demo(s, demo_site)
    st = open_store(s)
    yield {"settings": s, "store": st, "app": create_app(s)}
    st.close()


def client_for(demo, username):
    c = TestClient(demo["app"], base_url="http://testserver")
    assert login(c, username).status_code == 303
    return c


def post(c, url, **data):
    page = c.get(url.rsplit("/", 1)[0] if url.endswith(("/decide", "/assign", "/labels")) else "/review")
    return c.post(url, data={"csrf": csrf_of(page.text), **data}, follow_redirects=False)


def test_distortion_path_rebuttal_needs_the_published_link(demo):
    st = demo["store"]
    aid = alert_id(st, "SỰ THẬT BỊ CHE GIẤU")  # the distorted social post
    with pytest.raises(WorkflowError, match="published rebuttal"):
        decide(st, aid, "tester", status="rebutted")
    with pytest.raises(WorkflowError, match="http"):
        decide(st, aid, "tester", action="rebuttal", url="javascript:alert(1)")
    with pytest.raises(WorkflowError, match="not on the distortion path"):
        decide(st, aid, "tester", action="remedy_request", target="Sở Xây dựng")


def test_local_problem_path_is_routed_for_a_fix_never_rebutted(demo):
    st = demo["store"]
    aid = alert_id(st, "Người dân phản ánh bụi")
    assert st.conn.execute("SELECT kind FROM alerts WHERE id=?", (aid,)).fetchone()[0] == "local_problem"
    with pytest.raises(WorkflowError, match="not rebutted"):
        decide(st, aid, "tester", status="rebutted", url="https://baobacninh.example/phan-bac")
    with pytest.raises(WorkflowError, match="name the agency"):
        decide(st, aid, "tester", action="remedy_request")
    after = decide(st, aid, "tester", action="remedy_request", target="Sở Xây dựng",
                   note="đề nghị đôn đốc nhà thầu tưới nước chống bụi")
    assert after["status"] == "referred"
    row = st.conn.execute("SELECT * FROM audit_log WHERE object_type='alert' AND object_id=? ORDER BY id DESC",
                          (str(aid),)).fetchone()
    assert row["actor"] == "tester" and row["action"] == "alert_remedy_request"
    assert json.loads(row["before"])["status"] == "new" and json.loads(row["after"])["status"] == "referred"
    with pytest.raises(WorkflowError, match="needs a note"):
        decide(st, aid, "tester", status="no_action")


def test_audit_log_is_append_only_and_hash_chained(demo, tmp_path, fresh_database_url):
    st = demo["store"]
    assert audit.verify(st.conn)[0]
    refused = sqlite3.IntegrityError
    if st.dialect == "postgresql":
        import psycopg

        refused = psycopg.errors.RaiseException
    with pytest.raises(refused, match="append-only"):
        st.conn.execute("UPDATE audit_log SET actor='someone else'")
    with pytest.raises(refused, match="append-only"):
        st.conn.execute("DELETE FROM review_events")
    # a copy tampered with outside the app (trigger dropped) fails verification
    if st.dialect == "postgresql":
        from presswatch.backup import copy_store
        from presswatch.storage import Store

        c = Store(fresh_database_url())
        copy_store(st, c)
        c = c.conn
        c.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    else:
        copy = tmp_path / "copy.db"
        st.conn.execute(f"VACUUM INTO '{copy}'")
        c = sqlite3.connect(copy)
        c.row_factory = sqlite3.Row
        c.execute("DROP TRIGGER audit_log_no_update")
    c.execute("UPDATE audit_log SET note='edited' WHERE id=(SELECT min(id) FROM audit_log)")
    ok, msg = audit.verify(c)
    assert not ok and "do not match" in msg


def test_another_departments_security_item_is_403_and_audited(demo):
    st = demo["store"]
    aid = alert_id(st, "SỰ THẬT BỊ CHE GIẤU")
    assert tuple(st.conn.execute("SELECT security, department FROM alerts WHERE id=?", (aid,)).fetchone()) == (1, "cong_an")
    kcn = client_for(demo, "kcn")  # sector officer of the industrial-zones authority
    assert kcn.get(f"/review/{aid}").status_code == 403
    doc_id = st.conn.execute("SELECT doc_id FROM alerts WHERE id=?", (aid,)).fetchone()[0]
    assert kcn.get(f"/documents/{doc_id}").status_code == 403
    assert post(kcn, f"/review/{aid}/decide", status="no_action", note="x").status_code == 403
    assert "SỰ THẬT BỊ CHE GIẤU" not in kcn.get("/review?status=all").text           # not listed either
    denied = st.conn.execute("SELECT actor, role, object_type, object_id FROM audit_log WHERE action='access_denied'"
                             " AND actor='kcn'").fetchall()
    assert ("kcn", "sector_officer", "alert", str(aid)) in [tuple(r) for r in denied]
    assert ("kcn", "sector_officer", "document", str(doc_id)) in [tuple(r) for r in denied]
    # the strike, routed to the officer's own department, is visible to them
    strike = alert_id(st, "Hơn 1.200 công nhân")
    assert kcn.get(f"/review/{strike}").status_code == 200
    # cleared roles see the security item, and each view is audited
    police = client_for(demo, "police")
    assert police.get(f"/review/{aid}").status_code == 200
    assert st.conn.execute("SELECT count(*) FROM audit_log WHERE action='view' AND actor='police' AND object_id=?",
                           (str(aid),)).fetchone()[0] == 1


def test_monitor_assigns_responds_and_leader_is_read_only(demo):
    st = demo["store"]
    aid = alert_id(st, "Hơn 1.200 công nhân")
    mon = client_for(demo, "monitor")
    assert post(mon, f"/review/{aid}/assign", department="bql_kcn", assignee="kcn", due_at="2026-11-25").status_code == 303
    row = st.conn.execute("SELECT * FROM alerts WHERE id=?", (aid,)).fetchone()
    assert (row["assignee"], row["due_at"], row["status"]) == ("kcn", "2026-11-25", "in_progress")
    page = mon.get("/review?assignee=kcn")
    assert "Hơn 1.200 công nhân" in page.text and "2026-11-25" in page.text
    kcn = client_for(demo, "kcn")
    assert "Hơn 1.200 công nhân" in kcn.get("/review?assignee=me").text
    r = post(kcn, f"/review/{aid}/decide", action="official_info", note="BQL đã đối thoại với công nhân")
    assert r.status_code == 303
    assert st.conn.execute("SELECT status FROM alerts WHERE id=?", (aid,)).fetchone()[0] == "informed"
    leader = client_for(demo, "leader")
    page = leader.get(f"/review/{aid}")
    assert page.status_code == 200 and 'id="respond"' not in page.text
    assert post(leader, f"/review/{aid}/decide", status="new").status_code == 403


def test_bulk_action_queue_filters_and_sorting(demo):
    st = demo["store"]
    mon = client_for(demo, "monitor")
    ids = [r[0] for r in st.conn.execute("SELECT id FROM alerts WHERE status='new' ORDER BY id")]
    assert ids
    page = mon.get("/review?sort=new&kind=sensitive")
    assert page.status_code == 200
    data = [("csrf", csrf_of(page.text))] + [("ids", str(i)) for i in ids] + [("bulk_status", "verified")]
    r = mon.post("/review/bulk", content=urlencode(data), follow_redirects=False,
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 303 and f"{len(ids)}" in r.headers["location"]
    assert {r[0] for r in st.conn.execute(f"SELECT status FROM alerts WHERE id IN ({','.join(map(str, ids))})")} == {"verified"}
    assert "Hơn 1.200" not in mon.get("/review?status=new").text
    editor = client_for(demo, "editor")
    page = editor.get("/review")
    assert editor.post("/review/bulk", data={"csrf": csrf_of(page.text), "ids": str(ids[0]),
                                             "bulk_status": "no_action"}).status_code == 403


def test_auditor_views_and_exports_the_log_others_cannot(demo):
    aud = client_for(demo, "auditor")
    page = aud.get("/audit")
    assert page.status_code == 200 and "chain intact" in page.text and "access_denied" in page.text
    csv = aud.get("/audit/export?format=csv")
    assert csv.status_code == 200 and csv.text.startswith("id,at,actor,role,channel,action")
    lines = aud.get("/audit/export?format=jsonl").text.splitlines()
    assert all(json.loads(x)["action"] for x in lines)
    mon = client_for(demo, "monitor")
    assert mon.get("/audit").status_code == 403


def test_cli_parity_users_and_decisions_are_audited(demo, tmp_path):
    s = demo["settings"]
    env = cli_env(s.data_dir, PRESSWATCH_PASSWORD_HASH_COST="test")
    run = lambda *a, inp=None: subprocess.run(presswatch_cmd() + list(a), capture_output=True, text=True,  # noqa: E731
                                              env=env, input=inp, timeout=120)
    out = run("users", "add", "officer2", "--role", "sector_officer", "--department", "vp_ubnd", "--password-stdin",
              inp=PASSWORD + "\n")
    assert out.returncode == 0, out.stderr
    assert run("users", "set-role", "officer2", "propaganda_lead").returncode == 0
    users = json.loads(run("users", "list", "--json").stdout)
    assert {"username": "officer2", "role": "propaganda_lead"}.items() <= next(
        u for u in users if u["username"] == "officer2").items()
    assert "password" not in json.dumps(users)
    st = demo["store"]
    aid = alert_id(st, "SỰ THẬT BỊ CHE GIẤU")
    listed = json.loads(run("alerts", "list", "--json").stdout)
    assert aid in [a["id"] for a in listed]
    assert all(a["status"] == "verified" for a in json.loads(run("alerts", "list", "--status", "verified", "--json").stdout))
    bad = run("alerts", "set", str(aid), "--status", "rebutted")
    assert bad.returncode != 0 and "link to the published rebuttal" in bad.stderr
    ok = run("alerts", "set", str(aid), "--status", "rebutted", "--url", "https://baobacninh.example/phan-bac-1024",
             "--note", "bài phản bác đã đăng", "--actor", "officer2")
    assert ok.returncode == 0 and "rebutted" in ok.stdout
    row = st.conn.execute("SELECT * FROM audit_log WHERE object_id=? AND action='alert_rebuttal'", (str(aid),)).fetchone()
    assert row["channel"] == "cli" and row["actor"] == "officer2"
    assert json.loads(row["after"])["response_url"] == "https://baobacninh.example/phan-bac-1024"
    verify = run("alerts", "audit", "--verify")
    assert verify.returncode == 0 and "chain intact" in verify.stdout
    # confirmed decisions become training examples (no reviewer names in them)
    examples = [json.loads(x) for x in run("alerts", "training-export", "--format", "raw").stdout.splitlines()]
    mine = [e for e in examples if e["origin"] == "confirmed" and e["label"].get("stance") == "distorting"]
    assert mine and mine[0]["text"] and "officer2" not in json.dumps(examples)
    # the labelled form is what models/train.py reads as review_labels
    labelled = [json.loads(x) for x in run("alerts", "training-export").stdout.splitlines()]
    assert labelled and all({"id", "lang", "title", "text", "topics", "sentiment", "stance", "split"} <= set(r)
                            for r in labelled)
    assert any(r["stance"] == "distorting" and "review:confirmed" in r["tags"] for r in labelled)


def test_label_correction_moves_the_alert_to_the_other_path_and_is_a_training_example(demo):
    st = demo["store"]
    aid = st.conn.execute("SELECT id FROM alerts WHERE kind='sensitive' ORDER BY id LIMIT 1").fetchone()[0]
    after = correct_labels(st, aid, "tester", stance="critical", topics=["labour", "local_issues"])
    assert after["kind"] == "local_problem"
    ex = st.conn.execute("SELECT * FROM training_examples WHERE alert_id=? AND origin='corrected'", (aid,)).fetchone()
    assert json.loads(ex["label"]) == {"stance": "critical", "topics": ["labour", "local_issues"]}
    with pytest.raises(WorkflowError):
        assign(st, aid, "tester", due_at="next week")


def test_saved_search_raises_an_alert_for_new_matches(demo, demo_site, tmp_path):
    from presswatch.config import load_settings
    from presswatch.service import import_items, process_now
    from presswatch.storage import open_store

    s = load_settings(tmp_path / "ss")
    with open_store(s) as st:
        st.conn.execute("INSERT INTO saved_searches (name, query, owner, created_at) VALUES "
                        "('Nhãn lồng', 'nhan long', 'tester', '2026-01-01')")
        item = {"title": "Giá nhãn lồng Hưng Yên giảm mạnh", "text": "Nhãn lồng Hưng Yên năm nay giá giảm, "
                "nông dân Hưng Yên lo lắng vì thương lái ép giá nhãn lồng.", "lang": "vi"}
        import_items(st, s, [json.dumps(item, ensure_ascii=False)])
        process_now(st, s)
        rows = st.conn.execute("SELECT kind, trigger, reasons FROM alerts").fetchall()
    assert [(r["kind"], r["trigger"]) for r in rows] == [("saved_search", "saved_search")]
    assert "Khớp tìm kiếm đã lưu “Nhãn lồng”" in rows[0]["reasons"]


def test_hidden_stories_in_sql_are_can_view_row_by_row(demo):
    """auth.hidden_stories (SQL) hides exactly the security alerts can_view refuses, for every role."""
    from presswatch.auth import can_view, get_user, hidden_stories

    st = demo["store"]
    rows = st.conn.execute("SELECT a.story_id, a.department, a.security, d.topics, d.provinces, d.source_type"
                           " FROM alerts a JOIN documents d ON d.id=a.doc_id WHERE a.security=1").fetchall()
    assert rows, "the demo has no security alert to hide"
    seen = set()
    for name in ACCOUNTS:
        user = get_user(st, name)
        want = {r["story_id"] for r in rows if not can_view(user, r)}
        assert hidden_stories(st, user) == want, name
        seen.add(bool(want))
    assert seen == {True, False}  # some roles see them, some do not
