"""A real HTTP server on loopback that misbehaves on purpose: the feed tests' (and benchmarks') stand-in web."""

from __future__ import annotations

import gzip
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
<title>Loopback Teachers' Blog</title><link>http://127.0.0.1:{port}/</link>
<item><title>Retrieval practice in Year 9</title><link>/posts/retrieval</link>
<pubDate>Tue, 03 Nov 2026 09:30:00 GMT</pubDate>
<description>&lt;p&gt;Short &lt;a href="/posts/quiz"&gt;quizzes&lt;/a&gt; work.&lt;/p&gt;</description></item>
<item><title>&lt;script&gt;alert("title")&lt;/script&gt; Scripts in titles</title><link>http://127.0.0.1:{port}/posts/2</link>
<description>Plain words</description></item>
</channel></rss>"""

HOSTILE = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Hostile</title><link>http://127.0.0.1/</link>
<item><title>Everything bad</title><link>javascript:alert(1)</link>
<description><![CDATA[<p onclick="alert(1)">Hi<script>alert(2)</script></p>
<img src="http://tracker.example/pixel.gif" width="1" height="1">
<form action="http://evil.example/"><input name="password"></form>
<iframe src="http://evil.example/"></iframe>
<a href="javascript:alert(3)">js link</a> <a href="data:text/html,hi">data link</a>
<a href="http://ok.example/page" onmouseover="alert(4)">ok link</a>
<div style="background:url(http://tracker.example/bg)">styled</div>
<svg onload="alert(5)"><circle/></svg><object data="x"></object>
<a href="mailto:teacher@example.org">mail</a>]]></description></item>
<item><title>Data link</title><link>data:text/html,hello</link><description>x</description></item>
</channel></rss>"""

ATOM_PLAIN = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Plain</title><id>urn:x</id><updated>2026-11-01T10:00:00Z</updated>
<entry><title>Text</title><id>urn:1</id><updated>2026-11-01T10:00:00Z</updated><link href="https://example.org/1"/>
<summary type="text">Use &lt;b&gt; tags &amp; see.</summary></entry></feed>"""

LATIN1 = ("""<?xml version="1.0" encoding="iso-8859-1"?>
<rss version="2.0"><channel><title>Café pédagogique</title><link>http://127.0.0.1/</link>
<item><title>Élèves et enseignants</title><link>http://127.0.0.1/a</link><description>Très bien</description></item>
</channel></rss>""").encode("iso-8859-1")

HTML_WITH_LINK = b"""<!doctype html><html><head><title>A blog</title>
<link rel="alternate" type="application/rss+xml" title="RSS" href="/feed.xml"></head><body>Hello</body></html>"""
HTML_FEED_SCHEME = b"""<!doctype html><html><head><title>An old blog</title>
<link rel="alternate" type="application/rss+xml" href="feed://127.0.0.1:{port}/feed.xml"></head><body>Hi</body></html>"""
HTML_NO_LINK = b"<!doctype html><html><head><title>No feed</title></head><body>Hello</body></html>"


class FeedServer:
    """A threaded HTTP server on 127.0.0.1 with routes for every case the fetcher must handle."""

    def __init__(self, delay: float = 0.0) -> None:
        self.hits: Counter[str] = Counter()
        self.hosts: list[str] = []
        self.agents: list[str] = []
        self.body_bytes = 0
        self.delay = delay
        self.redirect_target = ""  # for /to-elsewhere
        self.feed_version = 1
        self.broken: set[str] = set()  # paths that answer 503 for now
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                server.hits[self.path] += 1
                server.hosts.append(self.headers.get("Host", ""))
                server.agents.append(self.headers.get("User-Agent", ""))
                if server.delay:
                    time.sleep(server.delay)
                try:
                    server.route(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def allow(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> FeedServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def send(self, h: BaseHTTPRequestHandler, status: int, body: bytes = b"", ctype: str = "application/rss+xml",
             headers: dict[str, str] | None = None) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)
        self.body_bytes += len(body)

    def route(self, h: BaseHTTPRequestHandler) -> None:  # noqa: C901 - a table of cases
        path = h.path
        if path in self.broken:
            self.send(h, 503, b"down for maintenance", "text/plain")
        elif path in ("/feed.xml", "/cached.xml"):
            etag = f'"v{self.feed_version}"'
            if h.headers.get("If-None-Match") == etag:
                self.send(h, 304, headers={"ETag": etag})
                return
            body = RSS.replace(b"{port}", str(self.port).encode())
            self.send(h, 200, body, headers={"ETag": etag, "Last-Modified": "Tue, 03 Nov 2026 09:30:00 GMT"})
        elif path == "/real-rss.xml":
            self.send(h, 200, (DATA / "real-rss.xml").read_bytes())
        elif path == "/real-atom.xml":
            self.send(h, 200, (DATA / "real-atom.xml").read_bytes(), "application/atom+xml")
        elif path == "/jsonfeed":
            self.send(h, 200, (DATA / "real-jsonfeed.json").read_bytes(), "application/feed+json")
        elif path == "/json":
            self.send(h, 200, b'{"status": "ok", "items": [1, 2, 3]}', "application/json")
        elif path == "/hostile.xml":
            self.send(h, 200, HOSTILE)
        elif path == "/plain.xml":
            self.send(h, 200, ATOM_PLAIN, "application/atom+xml")
        elif path == "/latin1.xml":
            self.send(h, 200, LATIN1, "application/rss+xml; charset=iso-8859-1")
        elif path == "/malformed.xml":
            self.send(h, 200, b"<?xml version='1.0'?><rss><channel><title>Broken</title><item><title>x</ti")
        elif path == "/garbage":
            self.send(h, 200, b"\x00\x01\x02 this is not xml at all \xff\xfe", "application/octet-stream")
        elif path == "/page":
            self.send(h, 200, HTML_WITH_LINK, "text/html; charset=utf-8")
        elif path == "/page-feed-scheme":  # the feed: form old blog engines and browsers wrote
            self.send(h, 200, HTML_FEED_SCHEME.replace(b"{port}", str(self.port).encode()), "text/html")
        elif path == "/page-no-feed":
            self.send(h, 200, HTML_NO_LINK, "text/html")
        elif path == "/203":
            self.send(h, 203, RSS.replace(b"{port}", str(self.port).encode()))
        elif path == "/404":
            self.send(h, 404, b"not found", "text/plain")
        elif path == "/500":
            self.send(h, 500, b"oops", "text/plain")
        elif path == "/429":
            self.send(h, 429, b"slow down", "text/plain", {"Retry-After": "3600"})
        elif path == "/slow":
            time.sleep(60)  # far beyond any timeout a test sets
            self.send(h, 200, RSS)
        elif path == "/drip":
            h.send_response(200)
            h.send_header("Content-Type", "application/rss+xml")
            h.send_header("Content-Length", str(len(RSS)))
            h.end_headers()
            for byte in RSS:
                h.wfile.write(bytes([byte]))
                h.wfile.flush()
                time.sleep(1)
        elif path == "/bomb":
            bomb = gzip.compress(b"\0" * (60 * 1024 * 1024), compresslevel=9)
            self.send(h, 200, bomb, headers={"Content-Encoding": "gzip"})
        elif path == "/gzip.xml":
            self.send(h, 200, gzip.compress(RSS.replace(b"{port}", b"1")), headers={"Content-Encoding": "gzip"})
        elif path == "/huge":
            h.send_response(200)
            h.send_header("Content-Type", "application/rss+xml")
            h.end_headers()  # no length: streamed until the client gives up
            chunk = b"<!-- padding -->" * 4096
            for _ in range(50 * 1024 * 1024 // len(chunk)):
                h.wfile.write(chunk)
            h.close_connection = True
        elif path == "/loop":
            self.send(h, 302, headers={"Location": "/loop2"})
        elif path == "/loop2":
            self.send(h, 302, headers={"Location": "/loop"})
        elif path.startswith("/hop/"):
            n = int(path.rsplit("/", 1)[1])
            self.send(h, 302, headers={"Location": f"/hop/{n + 1}" if n < 20 else "/feed.xml"})
        elif path == "/moved":
            self.send(h, 301, headers={"Location": "/feed.xml"})
        elif path == "/to-elsewhere":
            self.send(h, 302, headers={"Location": self.redirect_target})
        else:
            self.send(h, 404, b"no such route", "text/plain")
