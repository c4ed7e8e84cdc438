"""Triage: scoring and reasons, thresholds per topic and province, the event calendar, story velocity,
volume spikes against the province's own baseline, routing and security tags, saved searches."""
from datetime import date, datetime, timedelta, timezone

import pytest

from pipelines.triage import (active_events, detect_spikes, load_policy, raise_spike_alerts, route, severity,
                              triage, watch_level)
from presswatch.record import Document, Enrichment, Extraction, ProvinceHit, SourceRef

VN = timezone(timedelta(hours=7))


def doc(stance="critical", sentiment="negative", topics=("labour",), province="bac_ninh", score=0.9,
        source_type="provincial_press", tier=2, published=datetime(2026, 11, 19, 10, tzinfo=VN)):
    return Document(url="https://example.org/x", source=SourceRef(id="s", source_type=source_type, trust_tier=tier),
                    extraction=Extraction(title="t", text="x", published=published),
                    enrichment=Enrichment(stance=stance, sentiment=sentiment, topics=list(topics),
                                          provinces=[ProvinceHit(id=province, score=score, evidence=["KCN Quang Châu"])]
                                          if province else []))


@pytest.fixture(scope="module")
def policy():
    return load_policy(monitored=("bac_ninh", "tuyen_quang", "hung_yen", "lam_dong"))


def test_score_adds_weighted_terms_with_vietnamese_reasons(policy):
    d = triage(doc(stance="distorting", topics=("human_rights",), source_type="social", tier=4), policy)
    e = d.enrichment
    # 0.5 distorting + 0.15 negative + 0.25 sensitive + 0.1 social + 0.1 tier 4 = 1.1 -> 1.0, x (0.5 + 0.45)
    assert e.risk == pytest.approx(0.95)
    assert e.alert
    text = " | ".join(e.risk_reasons)
    for part in ("xuyên tạc", "Sắc thái tiêu cực", "Chủ đề nhạy cảm: nhân quyền", "Nguồn mạng xã hội",
                 "Liên quan đến tỉnh Bắc Ninh", "KCN Quang Châu", "≥ ngưỡng 0.50"):
        assert part in text, (part, text)


def test_supportive_or_unrelated_items_do_not_alert(policy):
    assert not triage(doc(stance="supportive", sentiment="positive", topics=("investment_economy",)), policy).enrichment.alert
    far = triage(doc(province=None), policy).enrichment
    assert not far.alert and "Không liên quan trực tiếp" in far.risk_reasons[-1]


def test_thresholds_per_topic_and_province_are_data(policy, tmp_path):
    from presswatch.config import PACKAGE_DATA

    assert policy.bar(["labour"], ["bac_ninh"]) == 0.35
    assert policy.bar(["politics_governance"], ["bac_ninh"]) == 0.6
    edited = tmp_path / "thresholds.yaml"
    text = (PACKAGE_DATA / "thresholds.yaml").read_text(encoding="utf-8")
    text = text.replace("  labour: 0.35 ", "  labour: 0.6 ").replace(
        "  bac_ninh: {labour: 0.35}", "  bac_ninh: {labour: 0.35}\n  hung_yen: {labour: 0.2}")
    edited.write_text(text, encoding="utf-8")
    p2 = load_policy(edited, ("bac_ninh", "hung_yen", "tuyen_quang"))
    assert [p2.bar(["labour"], [p]) for p in ("bac_ninh", "hung_yen", "tuyen_quang")] == [0.35, 0.2, 0.6]
    strike = dict(stance="neutral", sentiment="negative", topics=("labour",), score=0.9)
    assert triage(doc(**strike, province="tuyen_quang"), policy).enrichment.alert      # bundled: labour 0.35
    assert not triage(doc(**strike, province="tuyen_quang"), p2).enrichment.alert      # edited: 0.6 there
    assert triage(doc(**strike, province="hung_yen"), p2).enrichment.alert             # ... 0.2 in Hưng Yên


def test_calendar_raises_the_watch_level_on_its_dates(policy):
    assert {e["id"] for e in active_events(policy, date(2025, 9, 1))} >= {"national_day", "national_day_80"}
    assert {e["id"] for e in active_events(policy, date(2026, 8, 1))} == {"asean_week"}
    assert active_events(policy, date(2026, 11, 19)) == []
    level, evs = watch_level(policy, date(2025, 10, 9), ["tourism_culture"], ["bac_ninh"])
    assert level == 2 and evs[0]["id"] == "bac_giang_130"
    assert watch_level(policy, date(2025, 10, 9), ["tourism_culture"], ["lam_dong"])[0] == 0  # other province
    assert watch_level(policy, date(2026, 11, 15), [], ["bac_ninh"])[0] == 0  # report deadline: no watch change
    # a borderline politics item: no alert on an ordinary day, an alert in the run-up to National Day
    item = dict(stance="critical", sentiment="negative", topics=("politics_governance",), score=0.8)
    quiet = triage(doc(**item, published=datetime(2026, 11, 19, 9, tzinfo=VN)), policy).enrichment
    watch = triage(doc(**item, published=datetime(2025, 9, 1, 9, tzinfo=VN)), policy).enrichment
    assert quiet.risk == watch.risk and not quiet.alert and watch.alert
    assert any("80 năm Quốc khánh" in r and "ngưỡng cảnh báo hạ" in r for r in watch.risk_reasons)


def test_story_velocity_adds_risk_with_a_reason(policy):
    slow = triage(doc(stance="neutral", topics=("labour",)), policy, (1, 1)).enrichment
    fast = triage(doc(stance="neutral", topics=("labour",)), policy, (7, 4)).enrichment
    assert fast.risk > slow.risk
    assert any(r.startswith("Lan truyền nhanh: 7 bản từ 4 nguồn trong 6 giờ") for r in fast.risk_reasons)
    same_source = triage(doc(stance="neutral", topics=("labour",)), policy, (7, 1)).enrichment
    assert same_source.risk == slow.risk  # copies from one source are not spread


def test_spike_detection_against_the_provinces_own_baseline():
    now = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
    windows = [{"name": "hour", "recent_hours": 1, "baseline_hours": 12, "ratio": 3.0, "min_count": 5}]
    ev = []
    i = 0
    for h in range(1, 13):  # baseline: 1 labour item an hour in Bắc Ninh, 6 an hour in Hưng Yên
        for prov, n in (("bac_ninh", 1), ("hung_yen", 6)):
            for _ in range(n):
                i += 1
                ev.append((i, now - timedelta(hours=h, minutes=30), [prov], ["labour"]))
    for prov, n in (("bac_ninh", 8), ("hung_yen", 8)):  # the last hour: 8 each
        for _ in range(n):
            i += 1
            ev.append((i, now - timedelta(minutes=10), [prov], ["labour"]))
    spikes = detect_spikes(ev, now, windows)
    assert [(s.province, s.topic, s.recent) for s in spikes] == [("bac_ninh", "labour", 8)]  # 8 vs 1/h; HY 8 vs 6/h
    assert spikes[0].expected == 1.0
    # too few items is never a spike, whatever the baseline
    assert detect_spikes([(1, now, ["bac_ninh"], ["labour"])] * 3, now, windows) == []
    # the day window against 14 days
    day = [{"name": "day", "recent_hours": 24, "baseline_hours": 336, "ratio": 2.5, "min_count": 10}]
    ev = [(k, now - timedelta(days=2 + k % 13), ["lam_dong"], ["tourism_culture"]) for k in range(28)]  # 2/day
    ev += [(100 + k, now - timedelta(hours=k % 20), ["lam_dong"], ["tourism_culture"]) for k in range(12)]
    assert [(s.window, s.recent) for s in detect_spikes(ev, now, day)] == [("day", 12)]


def test_spike_alerts_are_raised_once_with_reasons(store, policy):
    from presswatch.record import Fetch

    for k in range(6):
        d = Document(url=f"https://example.org/{k}", source=SourceRef(id="s"),
                     fetch=Fetch(requested_url=f"https://example.org/{k}"),
                     extraction=Extraction(title=f"Công nhân ngừng việc {k}", text="x"))
        i = store.add_document(d)
        d = store.load(i)
        d.status = "processed"
        d.enrichment = Enrichment(story_id=f"s{k}", topics=["labour"], content_hash=f"h{k}",
                                  provinces=[ProvinceHit(id="bac_ninh", score=0.9)])
        store.save_processed(d)
    # after the items were stored (stored times have whole seconds: "now" taken before could precede them)
    now = datetime.now(timezone.utc) + timedelta(seconds=1)
    first = raise_spike_alerts(store, policy, now)
    assert len(first) == 1
    a = store.conn.execute("SELECT * FROM alerts WHERE id=?", (first[0],)).fetchone()
    assert a["kind"] == "spike" and a["department"] == "bql_kcn" and a["trigger"] == "spike"
    assert "tăng đột biến: 6 tin trong giờ qua" in a["reasons"] and "Bắc Ninh" in a["reasons"]
    assert raise_spike_alerts(store, policy, now + timedelta(minutes=5)) == []  # not again within the hour


def test_routing_security_tags_and_severity(policy):
    assert route(policy, "distortion", "distorting", ["human_rights"]) == ("cong_an", True)
    assert route(policy, "distortion", "distorting", ["tourism_culture"]) == ("cong_an", True)
    assert route(policy, "local_problem", "critical", ["local_issues"]) == ("vp_ubnd", False)
    assert route(policy, "sensitive", "neutral", ["labour"]) == ("bql_kcn", False)
    assert route(policy, "sensitive", "neutral", ["social_welfare"]) == ("so_lao_dong", False)
    assert (severity(policy, 0.9), severity(policy, 0.4), severity(policy, 0.1)) == ("high", "medium", "low")


def test_demo_alerts_have_reasons_routing_and_one_alert_per_story(demo_site, tmp_path):
    from presswatch.config import load_settings
    from presswatch.storage import open_store
    from tests.review_support import build_demo

    s = load_settings(tmp_path / "d", allow_private_hosts=["127.0.0.1"])
    build_demo(s, demo_site)
    with open_store(s) as st:
        rows = st.conn.execute("SELECT a.*, d.title, d.source_id FROM alerts a JOIN documents d ON d.id=a.doc_id").fetchall()
        by = {r["title"]: r for r in rows}
        strike = by["Hơn 1.200 công nhân ngừng việc tại KCN Quang Châu, chính quyền vào cuộc đối thoại"]
        assert strike["department"] == "bql_kcn" and "lao động, khu công nghiệp" in strike["reasons"]
        post = next(r for r in rows if r["source_id"] == "demo-mangxahoi")
        assert post["kind"] == "distortion" and post["security"] == 1 and post["department"] == "cong_an"
        assert "có dấu hiệu xuyên tạc" in post["reasons"]
        # the syndicated copy folded into its story raised no second alert
        dup = st.conn.execute("SELECT story_id FROM documents WHERE duplicate_of IS NOT NULL").fetchall()
        assert dup and all(st.conn.execute("SELECT count(*) FROM alerts WHERE story_id=?", (d[0],)).fetchone()[0] <= 1
                           for d in dup)
        assert st.conn.execute("SELECT count(*) FROM alerts").fetchone()[0] == len({r["story_id"] for r in rows})
