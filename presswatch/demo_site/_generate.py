"""Render ``_content.py`` into the static demo site (``site/``) and ``expected.yaml``.

Run from the repository root::

    python -m presswatch.demo_site._generate

Absolute URLs are written as ``{{BASE}}/...``; the demo server substitutes its own base URL
when serving. The generated files are committed, so the server never needs to run this.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import json
import shutil
import unicodedata
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from presswatch.demo_site._content import ARTICLES, BROKEN_FEED, OUTLETS, POSTS

HERE = Path(__file__).resolve().parent
SITE = HERE / "site"
BASE = "{{BASE}}"
MIN_WORDS = 150

_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


# --------------------------------------------------------------------------- helpers

def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def to_cp1258(text: str) -> bytes:
    """Encode Vietnamese text as windows-1258.

    cp1258 has precomposed base letters (ă â ê ô ơ ư đ, and a few toned vowels) but not most
    toned letters; those are written as base letter + combining tone mark, the way real
    windows-1258 pages were written.
    """
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", ch)
        tones = [c for c in decomposed if c in _TONE_MARKS]
        base = nfc("".join(c for c in decomposed if c not in _TONE_MARKS))
        out += (base + "".join(tones)).encode("cp1258")  # raises if still impossible
    return bytes(out)


def parse_date(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def rfc822(value: str) -> str:
    return email.utils.format_datetime(parse_date(value))


def display_date_vi(value: str) -> str:
    d = parse_date(value)
    weekday = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"][d.weekday()]
    return f"{weekday}, {d:%d/%m/%Y %H:%M} (GMT+7)"


def display_date_en(value: str) -> str:
    d = parse_date(value)
    return d.strftime("%B %d, %Y %H:%M") + " (GMT+7)"


def word_count(paragraphs: list[str]) -> int:
    return len(" ".join(paragraphs).split())


def outlet_items(outlet: str) -> list[dict]:
    items = [a for a in ARTICLES if a["outlet"] == outlet] + [p for p in POSTS if p["outlet"] == outlet]
    return sorted(items, key=lambda a: a["published"], reverse=True)


def file_for(path: str) -> Path:
    rel = path.lstrip("/")
    target = SITE / rel
    if not target.suffix:  # social post URLs have no extension; the server adds .html
        target = target.with_name(target.name + ".html")
    return target


def write(target: Path, data: str | bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = nfc(data).encode("utf-8")
    target.write_bytes(data)


# --------------------------------------------------------------------------- page chrome

def head(item: dict, charset: str, outlet: dict) -> str:
    title = esc(item["title"])
    return f"""<head>
  <meta charset="{charset}">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} - {esc(outlet['name'])}</title>
  <meta name="description" content="{esc(item['summary'])}">
  <meta name="author" content="{esc(item['author'])}">
  <meta property="og:type" content="article">
  <meta property="og:site_name" content="{esc(outlet['name'])}">
  <meta property="og:title" content="{title}">
  <meta property="og:description" content="{esc(item['summary'])}">
  <meta property="og:url" content="{BASE}{item['path']}">
  <meta property="og:locale" content="{'vi_VN' if outlet['lang'] == 'vi' else 'en_US'}">
  <meta property="article:published_time" content="{item['published']}">
  <meta property="article:section" content="{esc(item.get('section', ''))}">
  <link rel="canonical" href="{BASE}{item['path']}">
  <link rel="alternate" type="{feed_mime(outlet)}" title="{esc(outlet['name'])}" href="{BASE}/{outlet_key(outlet)}/{outlet['feed']}">
  <link rel="stylesheet" href="/static/demo.css">
</head>"""


def outlet_key(outlet: dict) -> str:
    return next(k for k, v in OUTLETS.items() if v is outlet)


def feed_mime(outlet: dict) -> str:
    return {"rss": "application/rss+xml", "atom": "application/atom+xml",
            "jsonfeed": "application/feed+json"}[outlet["feed_kind"]]


def paragraphs_html(body: list[str], indent: str = "      ") -> str:
    return "\n".join(f"{indent}<p>{esc(p)}</p>" for p in body)


def related(item: dict, limit: int = 4) -> list[dict]:
    return [a for a in outlet_items(item["outlet"]) if a["path"] != item["path"]][:limit]


def page_baobacninh(item: dict, charset: str) -> str:
    o = OUTLETS["baobacninh"]
    nav = "\n".join(f'        <li><a href="/baobacninh/#{slug}">{esc(name)}</a></li>' for name, slug in o["nav"])
    side = "\n".join(f'        <li><a href="{a["path"]}">{esc(a["title"])}</a></li>' for a in related(item))
    return f"""<!DOCTYPE html>
<html lang="vi">
{head(item, charset, o)}
<body class="bbn">
  <header class="site-header">
    <div class="topbar">Cập nhật: {display_date_vi(item['published'])} · <a href="/baobacninh/feed.rss">RSS</a></div>
    <a class="logo" href="/baobacninh/">{esc(o['name'])}</a>
    <p class="tagline">{esc(o['tagline'])}</p>
    <nav class="main-nav" aria-label="Chuyên mục">
      <ul>
        <li><a href="/baobacninh/">Trang chủ</a></li>
{nav}
      </ul>
    </nav>
  </header>
  <div class="layout">
    <main>
      <div class="breadcrumb"><a href="/baobacninh/">Trang chủ</a> › <a href="/baobacninh/#{esc(item['section'])}">{esc(item['section'])}</a></div>
      <article class="article-detail">
        <h1 class="article-title">{esc(item['title'])}</h1>
        <div class="article-meta"><span class="byline">{esc(item['author'])}</span> · <time datetime="{item['published']}">{display_date_vi(item['published'])}</time></div>
        <p class="sapo"><strong>{esc(item['summary'])}</strong></p>
        <div class="article-body">
{paragraphs_html(item['body'], '          ')}
        </div>
      </article>
      <div class="share">Chia sẻ: <a href="#">Facebook</a> · <a href="#">Zalo</a> · <a href="#">In bài</a></div>
    </main>
    <aside class="sidebar">
      <h2>Tin mới nhất</h2>
      <ul>
{side}
      </ul>
      <h2>Liên kết</h2>
      <ul>
        <li><a href="/tintucquocgia/">Tin Tức Quốc Gia (demo)</a></li>
        <li><a href="/vietnamtimes/">Vietnam Times Review (demo)</a></li>
      </ul>
    </aside>
  </div>
  <footer class="site-footer">
    <p>© 2026 {esc(o['name'])}. Trang web minh họa, nội dung hư cấu phục vụ thử nghiệm Presswatch.</p>
    <p>Địa chỉ tòa soạn: (demo) · Điện thoại: (demo) · Ghi rõ nguồn khi phát hành lại thông tin từ website này.</p>
  </footer>
</body>
</html>
"""


def page_tintucquocgia(item: dict, charset: str) -> str:
    o = OUTLETS["tintucquocgia"]
    nav = " | ".join(f'<a href="/tintucquocgia/#{slug}">{esc(name)}</a>' for name, slug in o["nav"])
    side = "\n".join(f'          <li class="item"><a href="{a["path"]}">{esc(a["title"])}</a></li>' for a in related(item))
    source_note = ""
    if item.get("duplicate_of"):
        source_note = f'\n      <p class="source-note">Nguồn: <a href="{BASE}{item["duplicate_of"]}">Báo Bắc Ninh (demo)</a></p>'
    return f"""<!DOCTYPE html>
<html lang="vi">
{head(item, charset, o)}
<body class="ttqg">
  <div id="wrapper">
    <header id="header">
      <div class="brand"><a href="/tintucquocgia/">{esc(o['name'])}</a></div>
      <div class="slogan">{esc(o['tagline'])}</div>
      <nav id="menu">{nav} | <a href="/tintucquocgia/feed.atom">Atom</a></nav>
    </header>
    <div id="content" class="row">
      <div class="col-main">
        <article>
          <header>
            <span class="category">{esc(item['section'])}</span>
            <h1>{esc(item['title'])}</h1>
            <p class="meta">{display_date_vi(item['published'])} — {esc(item['author'])}</p>
          </header>
{paragraphs_html(item['body'], '          ')}
        </article>{source_note}
        <div class="tags">Từ khóa: <a href="/tintucquocgia/#{esc(item['section'])}">{esc(item['section'])}</a></div>
      </div>
      <aside class="col-side">
        <div class="box">
          <h3>Đọc nhiều</h3>
          <ul>
{side}
          </ul>
        </div>
        <div class="box ad">Quảng cáo (demo)</div>
      </aside>
    </div>
    <footer id="footer">
      <p>{esc(o['name'])} — trang tin minh họa cho Presswatch. Mọi nội dung là hư cấu.</p>
      <p><a href="/tintucquocgia/">Trang chủ</a> · <a href="/tintucquocgia/feed.atom">Atom feed</a> · Liên hệ quảng cáo (demo)</p>
    </footer>
  </div>
</body>
</html>
"""


def page_vietnamtimes(item: dict, charset: str) -> str:
    o = OUTLETS["vietnamtimes"]
    nav = "\n".join(f'      <a href="/vietnamtimes/#{slug}">{esc(name)}</a>' for name, slug in o["nav"])
    side = "\n".join(f'      <li><a href="{a["path"]}">{esc(a["title"])}</a></li>' for a in related(item))
    return f"""<!DOCTYPE html>
<html lang="en">
{head(item, charset, o)}
<body class="vtr">
  <header>
    <div class="masthead"><a href="/vietnamtimes/">{esc(o['name'])}</a></div>
    <p class="strap">{esc(o['tagline'])}</p>
    <nav>
      <a href="/vietnamtimes/">Home</a>
{nav}
      <a href="/vietnamtimes/feed.rss">RSS</a>
    </nav>
  </header>
  <main>
    <article>
      <p class="kicker">{esc(item['section'])}</p>
      <h1>{esc(item['title'])}</h1>
      <p class="standfirst">{esc(item['summary'])}</p>
      <p class="byline">By {esc(item['author'])} · <time datetime="{item['published']}">{display_date_en(item['published'])}</time></p>
{paragraphs_html(item['body'])}
    </article>
  </main>
  <aside>
    <h2>More from Vietnam Times Review</h2>
    <ul>
{side}
    </ul>
    <h2>Newsletter</h2>
    <p>Sign up for our weekly briefing (demo — no emails are sent).</p>
  </aside>
  <footer>
    <p>© 2026 {esc(o['name'])}. A fictional outlet built for Presswatch demos and tests.</p>
    <p><a href="/vietnamtimes/">Home</a> · <a href="/vietnamtimes/feed.rss">RSS</a> · Privacy · Terms</p>
  </footer>
</body>
</html>
"""


def page_mangxahoi(item: dict, charset: str) -> str:
    o = OUTLETS["mangxahoi"]
    tags = " ".join(f'<a class="tag" href="/mangxahoi/#{esc(t)}">#{esc(t)}</a>' for t in item["tags"])
    side = "\n".join(f'        <li><a href="{a["path"]}">{esc(a["title"])}</a></li>' for a in related(item))
    return f"""<!DOCTYPE html>
<html lang="vi">
{head(item, charset, o)}
<body class="mxh">
  <header class="appbar">
    <a class="brand" href="/mangxahoi/">{esc(o['name'])}</a>
    <nav><a href="/mangxahoi/">Bảng tin</a> · <a href="/mangxahoi/#trending">Xu hướng</a> · <a href="/mangxahoi/feed.json">JSON Feed</a></nav>
  </header>
  <div class="layout">
    <main>
      <article class="post" id="post-{item['id']}">
        <header>
          <span class="account">{esc(item['author'])}</span>
          <time datetime="{item['published']}">{display_date_vi(item['published'])}</time>
        </header>
        <h1 class="post-title">{esc(item['title'])}</h1>
{paragraphs_html(item['body'], '        ')}
        <p class="tags">{tags}</p>
        <footer class="reactions">👍 Thích · 💬 Bình luận · ↪ Chia sẻ</footer>
      </article>
    </main>
    <aside>
      <h2>Bài viết khác</h2>
      <ul>
{side}
      </ul>
    </aside>
  </div>
  <footer class="site-footer"><p>{esc(o['name'])} — nền tảng hư cấu phục vụ thử nghiệm Presswatch.</p></footer>
</body>
</html>
"""


PAGE = {"baobacninh": page_baobacninh, "tintucquocgia": page_tintucquocgia,
        "vietnamtimes": page_vietnamtimes, "mangxahoi": page_mangxahoi}


# --------------------------------------------------------------------------- feeds

def rss_feed(outlet_id: str) -> str:
    o = OUTLETS[outlet_id]
    items = []
    for a in outlet_items(outlet_id):
        items.append(f"""    <item>
      <title>{xml_escape(a['title'])}</title>
      <link>{BASE}{a['path']}</link>
      <guid isPermaLink="true">{BASE}{a['path']}</guid>
      <pubDate>{rfc822(a['published'])}</pubDate>
      <dc:creator>{xml_escape(a['author'])}</dc:creator>
      <category>{xml_escape(a['section'])}</category>
      <description>{xml_escape(a['summary'])}</description>
    </item>""")
    newest = outlet_items(outlet_id)[0]["published"]
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>{xml_escape(o['name'])}</title>
    <link>{BASE}/{outlet_id}/</link>
    <atom:link href="{BASE}/{outlet_id}/feed.rss" rel="self" type="application/rss+xml"/>
    <description>{xml_escape(o['tagline'])}</description>
    <language>{o['lang']}</language>
    <lastBuildDate>{rfc822(newest)}</lastBuildDate>
    <ttl>10</ttl>
{chr(10).join(items)}
  </channel>
</rss>
"""


def atom_feed(outlet_id: str) -> str:
    o = OUTLETS[outlet_id]
    entries = []
    for a in outlet_items(outlet_id):
        entries.append(f"""  <entry>
    <title>{xml_escape(a['title'])}</title>
    <link rel="alternate" type="text/html" href="{BASE}{a['path']}"/>
    <id>{BASE}{a['path']}</id>
    <published>{a['published']}</published>
    <updated>{a['published']}</updated>
    <author><name>{xml_escape(a['author'])}</name></author>
    <category term="{xml_escape(a['section'])}"/>
    <summary type="text">{xml_escape(a['summary'])}</summary>
  </entry>""")
    newest = outlet_items(outlet_id)[0]["published"]
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{o['lang']}">
  <title>{xml_escape(o['name'])}</title>
  <subtitle>{xml_escape(o['tagline'])}</subtitle>
  <link rel="alternate" type="text/html" href="{BASE}/{outlet_id}/"/>
  <link rel="self" type="application/atom+xml" href="{BASE}/{outlet_id}/feed.atom"/>
  <id>{BASE}/{outlet_id}/</id>
  <updated>{newest}</updated>
{chr(10).join(entries)}
</feed>
"""


def json_feed(outlet_id: str) -> str:
    o = OUTLETS[outlet_id]
    items = []
    for p in outlet_items(outlet_id):
        item = {
            "id": f"{BASE}{p['path']}",
            "url": f"{BASE}{p['path']}",
            "title": p["title"],
            "summary": p["summary"],
            "date_published": p["published"],
            "authors": [{"name": p["author"]}],
            "tags": p["tags"],
            "language": o["lang"],
        }
        if p["content_field"] == "content_html":
            item["content_html"] = "".join(f"<p>{esc(t)}</p>" for t in p["body"])
        else:
            item["content_text"] = "\n\n".join(p["body"])
        items.append(item)
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": o["name"],
        "home_page_url": f"{BASE}/{outlet_id}/",
        "feed_url": f"{BASE}/{outlet_id}/feed.json",
        "description": o["tagline"],
        "language": o["lang"],
        "items": items,
    }
    return json.dumps(feed, ensure_ascii=False, indent=2) + "\n"


FEEDS = {"rss": rss_feed, "atom": atom_feed, "jsonfeed": json_feed}


# --------------------------------------------------------------------------- index pages, sitemap

def outlet_index(outlet_id: str) -> str:
    o = OUTLETS[outlet_id]
    rows = "\n".join(
        f'      <li><a href="{a["path"]}">{esc(a["title"])}</a> <small>{a["published"][:10]}</small>'
        f'<p>{esc(a["summary"])}</p></li>'
        for a in outlet_items(outlet_id))
    return f"""<!DOCTYPE html>
<html lang="{o['lang']}">
<head>
  <meta charset="utf-8">
  <title>{esc(o['name'])}</title>
  <link rel="alternate" type="{feed_mime(o)}" title="{esc(o['name'])}" href="{BASE}/{outlet_id}/{o['feed']}">
  <link rel="canonical" href="{BASE}/{outlet_id}/">
</head>
<body>
  <header><h1>{esc(o['name'])}</h1><p>{esc(o['tagline'])}</p></header>
  <main>
    <ul class="article-list">
{rows}
    </ul>
  </main>
  <footer><a href="/">Presswatch demo</a> · <a href="/{outlet_id}/{o['feed']}">Feed</a></footer>
</body>
</html>
"""


def root_index() -> str:
    rows = "\n".join(
        f'    <li><a href="/{k}/">{esc(o["name"])}</a> — <a href="/{k}/{o["feed"]}">{o["feed"]}</a></li>'
        for k, o in OUTLETS.items())
    return f"""<!DOCTYPE html>
<html lang="vi">
<head><meta charset="utf-8"><title>Presswatch — trang tin demo</title></head>
<body>
  <h1>Presswatch — trang tin demo</h1>
  <p>Bốn trang tin hư cấu phục vụ trình diễn và kiểm thử Presswatch.</p>
  <ul>
{rows}
    <li>Nguồn lỗi — <a href="/broken/feed.rss">broken/feed.rss</a></li>
  </ul>
  <p><a href="/sitemap.xml">sitemap.xml</a></p>
</body>
</html>
"""


def sitemap() -> str:
    urls = "\n".join(
        f"  <url><loc>{BASE}{a['path']}</loc><lastmod>{a['published']}</lastmod></url>"
        for a in sorted(ARTICLES + POSTS, key=lambda a: a["path"]))
    return f"""<?xml version="1.0" encoding="utf-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{urls}
</urlset>
"""


ROBOTS = f"""User-agent: *
Allow: /

Sitemap: {BASE}/sitemap.xml
"""

CSS = """body{font-family:system-ui,sans-serif;max-width:72rem;margin:0 auto;padding:0 1rem;color:#222}
.layout,#content{display:flex;gap:2rem}main,.col-main{flex:3}aside,.col-side,.sidebar{flex:1}
nav a{margin-right:.75rem}article p{line-height:1.6}footer{border-top:1px solid #ccc;margin-top:2rem;color:#666}
"""


# --------------------------------------------------------------------------- expected.yaml

def ystr(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(ystr(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)  # JSON strings are valid YAML scalars


def expected_yaml() -> str:
    lines = [
        "# Expected outcome per demo article/post, for data-driven tests.",
        "# Generated by presswatch/demo_site/_generate.py from _content.py; do not edit by hand.",
        "# Paths are relative to the demo server's base URL. `title` is the headline",
        "# (h1 / og:title / feed title); the HTML <title> adds \" - <outlet name>\".",
        "# `event` groups items reporting the same real-world event (for story clustering);",
        "# `duplicate_of` is set only for a verbatim syndicated copy.",
        "version: 1",
        "feeds:",
    ]
    for k, o in OUTLETS.items():
        n = len(outlet_items(k))
        lines += [f"  - path: /{k}/{o['feed']}", f"    outlet: {k}", f"    kind: {o['feed_kind']}",
                  f"    items: {n}", "    valid: true"]
    lines += ["  - path: /broken/feed.rss", "    outlet: broken", "    kind: rss", "    items: null",
              "    valid: false   # truncated XML + undefined entity: parsers must flag it (feedparser bozo)"]
    lines.append("articles:")
    for a in ARTICLES + POSTS:
        e = a["expected"]
        lines += [
            f"  - path: {ystr(a['path'])}",
            f"    outlet: {a['outlet']}",
            f"    lang: {OUTLETS[a['outlet']]['lang']}",
            f"    title: {ystr(a['title'])}",
            f"    author: {ystr(a['author'])}",
            f"    published: {ystr(a['published'])}",
            f"    provinces: {ystr(e['provinces'])}",
            f"    topics: {ystr(e['topics'])}",
            f"    sentiment: {e['sentiment']}",
            f"    stance: {e['stance']}",
            f"    alert: {ystr(e['alert'])}",
            f"    duplicate_of: {ystr(a.get('duplicate_of'))}",
            f"    event: {ystr(a.get('event'))}",
            f"    encoding: {a.get('encoding', 'utf-8')}",
        ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- main

def main() -> None:
    if SITE.exists():
        shutil.rmtree(SITE)
    for item in ARTICLES + POSTS:
        n = word_count(item["body"])
        assert n >= MIN_WORDS, f"{item['path']}: only {n} words"
        encoding = item.get("encoding", "utf-8")
        page = nfc(PAGE[item["outlet"]](item, encoding))
        if encoding == "utf-8":
            write(file_for(item["path"]), page)
        else:
            assert encoding == "windows-1258"
            assert item["path"].endswith(".cp1258.html")
            write(file_for(item["path"]), to_cp1258(page))
    for k, o in OUTLETS.items():
        write(SITE / k / o["feed"], FEEDS[o["feed_kind"]](k))
        write(SITE / k / "index.html", outlet_index(k))
    write(SITE / "broken" / "feed.rss", BROKEN_FEED)
    write(SITE / "index.html", root_index())
    write(SITE / "sitemap.xml", sitemap())
    write(SITE / "robots.txt", ROBOTS)
    write(SITE / "static" / "demo.css", CSS)
    (HERE / "expected.yaml").write_text(expected_yaml(), encoding="utf-8")
    for item in ARTICLES + POSTS:
        print(f"{word_count(item['body']):4d} words  {item['path']}")


if __name__ == "__main__":
    main()
