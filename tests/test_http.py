import datetime as _dt
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crawlers.http import FetchError, get, guarded_client, shared_client
from presswatch.netguard import BlockedURL, check_url

ALLOW = ("127.0.0.1",)


def test_internal_addresses_are_refused_unless_allowed(demo_site):
    with pytest.raises(BlockedURL, match="internal address"):
        check_url(demo_site.base_url + "/robots.txt")
    for url in ("http://10.0.0.1/", "http://169.254.169.254/latest/meta-data", "http://[::1]/", "file:///etc/passwd"):
        with pytest.raises(BlockedURL):
            check_url(url)
    with pytest.raises(FetchError, match="PRESSWATCH_ALLOW_PRIVATE_HOSTS"):
        get(demo_site.base_url + "/robots.txt")
    assert get(demo_site.base_url + "/robots.txt", allow=ALLOW).status == 200


def test_conditional_get_returns_304(demo_site):
    r = get(demo_site.base_url + "/baobacninh/feed.rss", allow=ALLOW)
    assert r.status == 200 and r.headers.get("etag")
    again = get(demo_site.base_url + "/baobacninh/feed.rss", allow=ALLOW, etag=r.headers["etag"])
    assert again.status == 304 and again.body == b""


def test_redirect_is_followed_and_recorded(demo_site):
    r = get(demo_site.base_url + "/redirect-to-article", allow=ALLOW)
    assert r.status == 200 and r.redirects == [demo_site.base_url + "/redirect-to-article"]
    assert r.final_url.endswith(".html") and "/baobacninh/" in r.final_url


def test_size_cap_and_timeout(demo_site):
    with pytest.raises(FetchError, match="cap"):
        get(demo_site.base_url + "/huge.html", allow=ALLOW, max_bytes=1_000_000)
    with pytest.raises(FetchError, match="cap"):
        get(demo_site.base_url + "/huge.html?chunked=1", allow=ALLOW, max_bytes=1_000_000)
    with pytest.raises(FetchError, match="timed out"):
        get(demo_site.base_url + "/slow?seconds=5", allow=ALLOW, timeout=1)


def test_unreachable_host_is_a_clear_error():
    with pytest.raises(FetchError):
        get("http://127.0.0.1:9/", allow=ALLOW, timeout=3)
    with pytest.raises(FetchError, match="cannot resolve"):
        get("http://no-such-host.invalid/", timeout=3)


# --------------------------------------------------------------------------- DNS pinning (DNS rebinding)
PUBLIC = "93.184.216.34"  # a global address; nothing is reachable at it from the test machine


class _Resolver:
    """Stands in for DNS: answers per host name from a script (one answer per lookup, the last repeats);
    other names go to the real resolver. Records every lookup."""

    def __init__(self, monkeypatch, answers: dict[str, list[str]]):
        self.answers, self.lookups, self._real = answers, [], socket.getaddrinfo
        monkeypatch.setattr(socket, "getaddrinfo", self)

    def __call__(self, host, port, *args, **kwargs):
        if host not in self.answers:
            return self._real(host, port, *args, **kwargs)
        self.lookups.append(host)
        script = self.answers[host]
        addr = script.pop(0) if len(script) > 1 else script[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (addr, int(port)))]


def _record_connects(monkeypatch) -> list[tuple[str, int]]:
    """Every TCP destination the client opens; the public address is refused at once (no internet here)."""
    seen, real = [], socket.create_connection

    def connect(address, *args, **kwargs):
        seen.append((address[0], address[1]))
        if address[0] == PUBLIC:
            raise ConnectionRefusedError(111, "refused (test: no internet)")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", connect)
    return seen


def test_dns_rebinding_cannot_reach_loopback(demo_site, monkeypatch):
    """The check sees a public address, a second lookup would answer 127.0.0.1 (the attack): the request
    goes to the checked address and nowhere else, and the host is looked up once."""
    port = int(demo_site.base_url.rsplit(":", 1)[1])
    dns = _Resolver(monkeypatch, {"rebind.test": [PUBLIC, "127.0.0.1"]})
    connects = _record_connects(monkeypatch)
    with pytest.raises(FetchError, match="ConnectError"):
        get(f"http://rebind.test:{port}/robots.txt", timeout=5)
    assert connects == [(PUBLIC, port)]
    assert dns.lookups == ["rebind.test"]


def test_a_client_used_without_a_check_is_still_guarded_at_connect_time(demo_site, monkeypatch):
    port = int(demo_site.base_url.rsplit(":", 1)[1])
    _Resolver(monkeypatch, {"inside.test": ["127.0.0.1"]})
    with pytest.raises(BlockedURL, match="internal address 127.0.0.1"):
        shared_client().get(f"http://inside.test:{port}/robots.txt")


def test_allowed_host_name_and_redirect_to_loopback_still_work(demo_site, monkeypatch):
    """A name that resolves to an allowed loopback address is fetched, and its redirect to 127.0.0.1 followed."""
    port = int(demo_site.base_url.rsplit(":", 1)[1])
    _Resolver(monkeypatch, {"news.test": ["127.0.0.1"]})
    connects = _record_connects(monkeypatch)
    r = get(f"http://news.test:{port}/redirect-to-article", allow=ALLOW)
    assert r.status == 200 and r.redirects == [f"http://news.test:{port}/redirect-to-article"]
    assert r.final_url.startswith(demo_site.base_url + "/baobacninh/")
    assert connects and all(host == "127.0.0.1" for host, _ in connects)


class _Redirector(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(302)
        self.send_header("Location", self.server.location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_redirect_to_an_internal_address_is_refused(monkeypatch):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Redirector)
    srv.location = "http://metadata.test/latest/meta-data"
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    _Resolver(monkeypatch, {"metadata.test": ["169.254.169.254"]})
    try:
        with pytest.raises(FetchError, match="metadata.test resolves to internal address 169.254.169.254"):
            get(f"http://127.0.0.1:{srv.server_port}/go", allow=ALLOW, timeout=5)
    finally:
        srv.shutdown()
        srv.server_close()


def _tls_server(tmp_path, name: str):
    """An HTTPS server on 127.0.0.1 with a certificate for ``name`` from a throw-away CA; records the SNI
    and Host header it receives. Returns (server, CA context for the client, record)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = _dt.datetime.now(_dt.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "presswatch test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(now - _dt.timedelta(days=1)).not_valid_after(now + _dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - _dt.timedelta(days=1)).not_valid_after(now + _dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    record = {"sni": [], "host": []}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            record["host"].append(self.headers["Host"])
            body = b"<rss version='2.0'><channel><title>ok</title></channel></rss>"
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    server_ctx.sni_callback = lambda sock, sni, ctx: record["sni"].append(sni)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.socket = server_ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    client_ctx = ssl.create_default_context(cadata=ca.public_bytes(serialization.Encoding.PEM).decode())
    return srv, client_ctx, record


def test_pinned_https_keeps_sni_host_header_and_certificate_checks(tmp_path, monkeypatch):
    """Only the socket's destination is pinned: TLS still sends and verifies the real host name."""
    srv, ca, record = _tls_server(tmp_path, "feeds.test")
    _Resolver(monkeypatch, {"feeds.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]})
    client = guarded_client(verify=ca)
    try:
        r = get(f"https://feeds.test:{srv.server_port}/feed.rss", allow=ALLOW, client=client, timeout=5)
        assert r.status == 200 and b"<rss" in r.body
        assert record["sni"] == ["feeds.test"] and record["host"] == [f"feeds.test:{srv.server_port}"]
        # same address, a name the certificate does not cover: refused by certificate verification
        with pytest.raises(FetchError, match="CERTIFICATE_VERIFY_FAILED|certificate"):
            get(f"https://other.test:{srv.server_port}/feed.rss", allow=ALLOW, client=client, timeout=5)
    finally:
        client.close()
        srv.shutdown()
        srv.server_close()
