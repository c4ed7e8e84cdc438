"""Dashboard and REST API against the demo archive, served on 127.0.0.1, as a logged-in user."""
import csv
import io
import json

import httpx
import pytest

from presswatch import stats
from presswatch.web.app import create_app
from tests.review_support import Served, build_demo, login

from tests.conftest import use_module_database


@pytest.fixture(scope="module")
def served(demo_site, tmp_path_factory):
    from presswatch.config import load_settings
    from presswatch.service import import_items, process_now
    from presswatch.storage import open_store

    s = use_module_database(load_settings(tmp_path_factory.mktemp("dash"), allow_private_hosts=["127.0.0.1"]))
    build_demo(s, demo_site)
    with open_store(s) as st:  # a title a spreadsheet would run as a formula
        import_items(st, s, [json.dumps({"title": "=HYPERLINK(\"http://evil\",\"Bắc Ninh\")",
                                         "text": "Tin về tỉnh Bắc Ninh và KCN Quang Châu, đình công, ngừng việc."},
                                        ensure_ascii=False)])
        process_now(st, s)
    with Served(create_app(s)) as srv:
        with httpx.Client(base_url=srv.base) as c:
            assert login(c, "admin").status_code == 303
            yield {"client": c, "settings": s, "base": srv.base}


def test_api_requires_a_session(served):
    r = httpx.get(served["base"] + "/api/search", params={"q": "dinh cong"})
    assert r.status_code == 401


def test_api_search_with_facets_and_errors(served):
    c = served["client"]
    r = c.get("/api/search", params={"q": "dinh cong", "facets": "true"})
    assert r.status_code == 200
    body = r.json()
    titles = [h["title"] for h in body["hits"]]
    assert any("Quang Châu" in t for t in titles)
    assert body["facets"]["topics"]["labour"] >= 1 and "<mark>" in body["hits"][0]["snippet"]
    bad = c.get("/api/search", params={"q": '"open'})
    assert bad.status_code == 400 and "unbalanced quote" in bad.json()["detail"]


def test_api_document_story_alerts_stats(served):
    c = served["client"]
    hit = c.get("/api/search", params={"q": '"linh kiện điện tử" site:127.0.0.1'}).json()
    assert hit["total"] >= 1
    doc = c.get(f"/api/documents/{hit['hits'][0]['id']}").json()
    assert doc["topics"] == ["investment_economy"] and doc["text"]
    story = c.get(f"/api/stories/{doc['story']}").json()
    # the provincial original, its syndicated copy and (clustered by the e5 embedding + shared names and
    # numbers, pipelines/stories.py) the English outlet's report of the same licence
    assert story["copies"] == 3 and story["outlets"] == 3
    assert story["spread"]["copies"] == 1 and story["spread"]["languages"] == {"vi": 2, "en": 1}
    alerts = c.get("/api/alerts").json()
    assert any(a["kind"] == "distortion" for a in alerts) and all(isinstance(a["reasons"], list) for a in alerts)
    st = c.get("/api/stats", params={"dimension": "sentiment", "days": 30, "until": "2026-11-21"}).json()
    # the 14 demo items are dated 15–21/11/2026; the 2 imported ones have no date and count on the day they
    # were stored (after 21/11/2026)
    assert sum(sum(v) for v in st["volume"]["series"].values()) == 14
    assert c.get("/api/stats", params={"dimension": "author"}).status_code == 400  # never by author
    assert c.get("/api/documents/999999").status_code == 404


def test_csv_export_is_spreadsheet_safe(served):
    r = served["client"].get("/api/search.csv", params={"q": "province:bac_ninh"})
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) >= 5
    formula = [row for row in rows if "HYPERLINK" in row["title"]]
    assert formula and formula[0]["title"].startswith("'=")


def test_dashboard_renders_svg_charts_linked_to_searches(served):
    html = served["client"].get("/dashboard", params={"days": 30, "until": "2026-11-22"}).text
    for block in ("chart-topics", "chart-sentiment", "chart-source_type", "chart-provinces", "chart-sov", "top-stories"):
        assert f'id="{block}"' in html
    assert html.count("<svg") >= 5 and "/search?q=topic%3Alabour" in html
    assert "<script" not in html.split("</header>", 1)[1]


def test_openapi_and_docs(served):
    c = served["client"]
    spec = c.get("/api/openapi.json").json()
    assert {"/api/search", "/api/search.csv", "/api/documents/{doc_id}", "/api/stories/{story_id}", "/api/alerts",
            "/api/stats"} <= set(spec["paths"])
    assert "GET /api/search" in c.get("/docs").text


def test_stats_spikes_against_baseline(store):
    from datetime import date, timedelta

    from presswatch.record import Document, Enrichment, Extraction, SourceRef

    today = date(2026, 11, 20)
    n = 0
    for back, count in [(d, 1) for d in range(1, 15)] + [(0, 6)]:
        for _ in range(count):
            n += 1
            day = today - timedelta(days=back)
            doc = Document(url=f"https://e.org/{n}", source=SourceRef(id="s"),
                           extraction=Extraction(title="t", text="x",
                                                 published=f"{day.isoformat()}T03:00:00+00:00"))
            doc.id = store.add_document(doc)
            doc.status = "processed"
            doc.enrichment = Enrichment(topics=["labour"], story_id=f"s{n}")
            store.save_processed(doc)
    vol = stats.volume(store, "topics", days=15, today=today)
    assert vol["series"]["labour"][-1] == 6 and sum(vol["series"]["labour"]) == 20
    sp = stats.spikes(store, "topics", today=today)
    assert sp and sp[0]["value"] == "labour" and sp[0]["ratio"] == 6.0


def test_search_page_facets_sort_and_paging(served):
    c = served["client"]
    html = c.get("/search", params={"q": "province:bac_ninh"}).text
    assert 'id="facets"' in html and "topic%3Alabour" in html  # a facet value links to the narrowed search
    by_date = c.get("/search", params={"q": "province:bac_ninh", "sort": "date"}).text
    assert "sort by relevance" in c.get("/search", params={"q": "x", "sort": "date", "lang": "en"}).text
    assert by_date.index("2026-11-20") < by_date.index("2026-11-16")  # newest first
    assert "<mark>" in c.get("/search", params={"q": "ngung viec"}).text


def test_reports_list_and_download_for_cleared_roles_only(served):
    from datetime import date

    from presswatch.reports.generate import generate
    from presswatch.reports.periods import day
    from presswatch.storage import open_store

    s = served["settings"]
    with open_store(s) as st:
        rep = generate(st, s, day(date(2026, 11, 19)), formats=("html",))
    c = served["client"]
    listing = c.get("/reports").text
    assert f'href="/reports/{rep.id}/html"' in listing and f'href="/reports/{rep.id}/csv"' in listing
    html = c.get(f"/reports/{rep.id}/html")
    assert html.status_code == 200 and "19/11/2026" in html.text
    assert "script-src 'none'" in html.headers["content-security-policy"]
    assert c.get(f"/reports/{rep.id}/docx").status_code == 404  # not generated in that format
    with httpx.Client(base_url=served["base"]) as officer:
        assert login(officer, "kcn").status_code == 303
        assert officer.get(f"/reports/{rep.id}/html").status_code == 403
    with open_store(s) as st:
        actions = [r[0] for r in st.conn.execute("SELECT action FROM audit_log WHERE object_type='report'")]
    assert "download" in actions and "access_denied" in actions


# ---------------------------------------------------------------- SQL aggregates against a reference (issue 8)

def _reference_rows(store, start, end, hidden):
    """The aggregates' input as the earlier Python implementation saw it, with the Vietnamese day computed
    in Python from the stored ISO times (not with SQLite's date functions)."""
    from datetime import datetime, timezone

    out = []
    for r in store.conn.execute("SELECT * FROM documents WHERE status='processed'"):
        when = datetime.fromisoformat(r["published"] or r["created_at"])
        when = when.replace(tzinfo=when.tzinfo or timezone.utc)
        day = when.astimezone(stats.VN).date()
        if start <= day <= end and not (hidden and r["story_id"] in hidden):
            out.append((day.isoformat(), r))
    return out


def _reference_values(row, dim):
    v = row[dim]
    if dim in ("topics", "provinces"):
        return json.loads(v or "[]") or ["(none)"]
    return [v or "(none)"]


def _reference_volume(store, dim, days, today, hidden):
    from collections import defaultdict
    from datetime import timedelta

    start = today - timedelta(days=days - 1)
    axis = [(start + timedelta(days=i)).isoformat() for i in range(days)]
    series = defaultdict(lambda: [0] * days)
    for day, r in _reference_rows(store, start, today, hidden):
        for v in _reference_values(r, dim):
            series[v][axis.index(day)] += 1
    return {"dimension": dim, "days": axis, "series": dict(series)}


def _reference_sov(store, days, today, hidden, top):
    from collections import Counter
    from datetime import timedelta

    c = Counter(r["source_id"] for _, r in _reference_rows(store, today - timedelta(days=days - 1), today, hidden))
    return sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:top]


def _reference_top(store, days, today, hidden, top):
    from collections import defaultdict
    from datetime import timedelta

    groups = defaultdict(list)
    for _, r in _reference_rows(store, today - timedelta(days=days - 1), today, hidden):
        if r["story_id"] is not None:
            groups[r["story_id"]].append(r)
    out = []
    for sid, rows in groups.items():
        first = min(rows, key=lambda r: r["id"])
        out.append({"story": sid, "title": first["title"], "url": first["url"], "doc_id": first["id"],
                    "copies": len(rows), "outlets": len({r["source_id"] for r in rows}),
                    "risk": max(r["risk"] for r in rows)})
    out.sort(key=lambda s: (-s["outlets"], -s["copies"], -s["risk"], s["story"]))
    return out[:top]


def _reference_spikes(vol, baseline_days=14, factor=2.0, min_count=3):
    out = []
    for value, counts in vol["series"].items():
        counts = counts[-(baseline_days + 1):]
        base = sum(counts[:-1]) / baseline_days
        if counts[-1] >= min_count and counts[-1] >= factor * max(base, 0.5):
            out.append({"dimension": vol["dimension"], "value": value, "today": counts[-1],
                        "baseline_per_day": round(base, 2), "ratio": round(counts[-1] / max(base, 0.5), 1)})
    return sorted(out, key=lambda s: (-s["ratio"], s["value"]))


@pytest.fixture
def varied_store(store):
    """~240 documents over five weeks around 20/11/2026: items on both sides of Vietnamese midnight
    (17:00 UTC), items without a publication date (counted on the day they were stored), times stored with a
    +07:00 offset, several or no topics/provinces, empty sentiment, items without a story, stories with several
    copies across outlets, items not processed (never counted), and a labour spike on 20/11."""
    import random
    from datetime import datetime, timedelta, timezone

    from presswatch.record import Document, Enrichment, Extraction, ProvinceHit, SourceRef

    rng = random.Random(8)
    topics = ["labour", "tourism_culture", "sovereignty", "local_issues"]
    provinces = ["bac_ninh", "lam_dong", "ha_noi"]
    base = datetime(2026, 10, 15, tzinfo=timezone.utc)
    specs = []
    for i in range(200):
        specs.append(base + timedelta(days=rng.randint(0, 37), hours=rng.randint(0, 23), minutes=rng.randint(0, 59)))
    # the boundary: 23:59:59 and 00:00:00 Vietnam time on 19→20/11 and 13→14/11
    specs += [datetime(2026, 11, 19, 16, 59, 59, tzinfo=timezone.utc), datetime(2026, 11, 19, 17, 0, 0, tzinfo=timezone.utc),
              datetime(2026, 11, 13, 16, 59, 59, tzinfo=timezone.utc), datetime(2026, 11, 13, 17, 0, 0, tzinfo=timezone.utc)]
    specs += [datetime(2026, 11, 19, 18, m, tzinfo=timezone.utc) for m in range(10)]  # labour spike on 20/11 (VN)
    specs += [None] * 12  # no publication date
    n_docs = 0
    for i, published in enumerate(specs):
        spike = published is not None and published.day == 19 and published.hour == 18
        story = None if i % 9 == 0 else f"st{rng.randint(0, 60)}"
        doc = Document(url=f"https://e{i % 7}.org/{i}", source=SourceRef(id=f"src{rng.randint(0, 5)}",
                                                                         source_type=rng.choice(["press", "social", "other"])),
                       extraction=Extraction(title=f"t{i}", text="x", published=published,
                                             language=rng.choice(["vi", "vi", "en", None])))
        doc.id = store.add_document(doc)
        doc.status = "processed" if i % 23 else rng.choice(["dropped", "failed"])
        doc.enrichment = Enrichment(
            topics=["labour"] if spike else rng.sample(topics, rng.choice([0, 1, 1, 2, 3])),
            provinces=[ProvinceHit(id=p, score=1.0) for p in rng.sample(provinces, rng.choice([0, 1, 2]))],
            sentiment=rng.choice(["negative", "neutral", "positive"]), stance=rng.choice(["neutral", "critical"]),
            story_id=story, risk=round(rng.random(), 3))
        store.save_processed(doc)
        n_docs += 1
    ids = [r[0] for r in store.conn.execute("SELECT id FROM documents WHERE published IS NULL ORDER BY id")]
    created = ["2026-11-05T16:30:00+00:00", "2026-11-05T17:30:00+00:00", "2026-11-19T16:59:59+00:00",
               "2026-11-19T17:00:00+00:00", "2026-11-20T03:00:00+00:00", "2026-11-20T17:00:00+00:00"]
    with store.tx() as c:
        for doc_id, at in zip(ids, created):
            c.execute("UPDATE documents SET created_at=? WHERE id=?", (at, doc_id))
        # times written with an offset rather than in UTC (another writer), and an empty sentiment
        c.execute("UPDATE documents SET published='2026-11-20T00:30:00+07:00' WHERE id=?", (ids[-1] - 3,))
        c.execute("UPDATE documents SET published='2026-11-19T23:30:00+07:00' WHERE id=?", (ids[-1] - 4,))
        c.execute("UPDATE documents SET sentiment='' WHERE id % 17 = 0")
    return store


def test_sql_aggregates_equal_the_reference(varied_store):
    from datetime import date

    st = varied_store
    stories = sorted({r[0] for r in st.conn.execute("SELECT story_id FROM documents WHERE story_id IS NOT NULL")})
    assert st.conn.execute("SELECT count(*) FROM documents WHERE published IS NULL").fetchone()[0] >= 6
    many = {f"x{i}" for i in range(40_000)} | set(stories[::3])  # past SQLite's limit on bound variables
    hiddens = [None, set(), set(stories[:5]), set(stories[::2]) | {None}, many]
    checked = 0
    for today in (date(2026, 11, 20), date(2026, 11, 14), date(2026, 11, 6)):
        for hidden in hiddens:
            for days in (1, 7, 15, 30):
                for dim in stats.DIMENSIONS:
                    got = stats.volume(st, dim, days=days, today=today, hidden=hidden)
                    want = _reference_volume(st, dim, days, today, hidden)
                    assert got == want, (today, days, dim, hidden and len(hidden))
                    totals = [sum(v) for v in got["series"].values()]
                    assert list(got["series"]) == sorted(got["series"], key=lambda k: (-sum(got["series"][k]), k))
                    checked += sum(totals)
                assert stats.share_of_voice(st, days=days, today=today, hidden=hidden, top=4) == \
                    _reference_sov(st, days, today, hidden, 4)
                assert stats.top_stories(st, days=days, today=today, hidden=hidden, top=5) == \
                    _reference_top(st, days, today, hidden, 5)
            for dim in ("topics", "provinces"):
                sp = stats.spikes(st, dim, today=today, hidden=hidden)
                assert sp == _reference_spikes(_reference_volume(st, dim, 15, today, hidden))
                # the dashboard's shortcut: the same spikes out of its 30-day series
                assert stats.spikes_from_volume(stats.volume(st, dim, days=30, today=today, hidden=hidden)) == sp
    assert checked > 5000  # the comparisons counted real items
    # the fixture's edges are really there: the spike, both sides of midnight, a hidden story removed
    today = date(2026, 11, 20)
    assert stats.spikes(st, "topics", today=today)[0]["value"] == "labour"
    day19 = _reference_volume(st, "lang", 2, today, None)
    assert all(sum(v) > 0 for v in zip(*day19["series"].values()))
    full = sum(map(sum, stats.volume(st, "sentiment", days=30, today=today)["series"].values()))
    less = sum(map(sum, stats.volume(st, "sentiment", days=30, today=today, hidden=set(stories[:5]))["series"].values()))
    assert less < full and "(none)" in stats.volume(st, "sentiment", days=30, today=today)["series"]
    with pytest.raises(ValueError, match="a volume of 7 days"):
        stats.spikes_from_volume(stats.volume(st, "topics", days=7, today=today))


def test_sql_aggregates_read_the_covering_index(varied_store):
    """Each aggregate is answered from the index documents_vn_day alone (storage.MIGRATIONS): the day
    expression in stats must stay the index's, character for character."""
    from datetime import date

    st = varied_store
    seen = []

    def run_all():
        stats.volume(st, "topics", today=date(2026, 11, 20), hidden={"st1"})
        stats.volume(st, "sentiment", today=date(2026, 11, 20))
        stats.share_of_voice(st, today=date(2026, 11, 20), hidden={"st1"})
        stats.top_stories(st, today=date(2026, 11, 20))

    if st.dialect == "postgresql":  # the planner may use the day index (a few hundred rows: scans forbidden)
        execute = st.conn.execute
        st.conn.execute = lambda q, p=(): (seen.append((q, tuple(p))), execute(q, p))[1]
        try:
            run_all()
        finally:
            del st.conn.execute
        assert len(seen) == 4
        st.conn.execute("SET enable_seqscan = off")
        for q, p in seen:
            plan = " | ".join(r[0] for r in st.conn.execute("EXPLAIN " + q, p))
            assert "documents_vn_day" in plan, plan
        return
    st.conn.set_trace_callback(seen.append)
    try:
        run_all()
    finally:
        st.conn.set_trace_callback(None)
    queries = [q for q in seen if q.lstrip().upper().startswith("SELECT")]
    assert len(queries) == 4
    for q in queries:
        plan = " | ".join(r[3] for r in st.conn.execute("EXPLAIN QUERY PLAN " + q))
        assert "USING COVERING INDEX documents_vn_day" in plan, plan
