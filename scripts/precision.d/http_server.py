"""HTTP/1.1 server for scripts/precision: basic and digest auth, redirects, chunked streaming, keep-alive.

Usage: python3 http_server.py PORT
  GET  /                  a small page
  GET  /basic             401 with WWW-Authenticate: Basic until Authorization is alice:secret
  GET  /digest            401 with a Digest challenge (fixed nonce, so a replay is answered the same)
                          until a valid RFC 7616 MD5 qop=auth response for alice:secret
  GET  /redirect/N        302 to /redirect/N-1, /redirect/0 is 302 to /final
  GET  /final             the end of the redirects
  GET  /stream?n=N        N lines, Transfer-Encoding: chunked, one chunk per line
  POST /echo              the request body back (Content-Length or chunked request bodies)
  HEAD any of the above   the headers only
Everything is deterministic but the Date header.
"""
import base64
import hashlib
import http.server
import re
import sys
import urllib.parse

USER, PASSWORD, REALM, NONCE = "alice", "secret", "precision", "0123456789abcdef0123456789abcdef"


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "precision/1"
    sys_version = ""

    def log_message(self, *args):
        pass

    def send_body(self, status, body, content_type="text/plain", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def digest_ok(self):
        value = self.headers.get("Authorization", "")
        if not value.startswith("Digest "):
            return False
        fields = {k: a or b for k, a, b in re.findall(r'(\w+)=(?:"([^"]*)"|([^,\s]*))', value[7:])}
        if fields.get("username") != USER or fields.get("nonce") != NONCE:
            return False
        ha1 = md5(f"{USER}:{REALM}:{PASSWORD}")
        ha2 = md5(f"{self.command}:{fields.get('uri', '')}")
        expected = md5(f"{ha1}:{NONCE}:{fields.get('nc', '')}:{fields.get('cnonce', '')}:{fields.get('qop', '')}:{ha2}")
        return fields.get("response") == expected

    def do_HEAD(self):
        self.do_GET()

    def do_POST(self):
        body = self.read_body()
        if self.path == "/echo":
            self.send_body(200, body, "application/octet-stream")
        else:
            self.send_body(404, b"not found\n")

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        if path == "/":
            self.send_body(200, b"<html><body>precision</body></html>\n", "text/html")
        elif path == "/basic":
            token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
            if self.headers.get("Authorization") == f"Basic {token}":
                self.send_body(200, b"basic ok\n")
            else:
                self.send_body(401, b"who are you?\n", headers=[("WWW-Authenticate", f'Basic realm="{REALM}"')])
        elif path == "/digest":
            if self.digest_ok():
                self.send_body(200, b"digest ok\n")
            else:
                challenge = f'Digest realm="{REALM}", qop="auth", algorithm=MD5, nonce="{NONCE}", opaque="cafe"'
                self.send_body(401, b"who are you?\n", headers=[("WWW-Authenticate", challenge)])
        elif path.startswith("/redirect/"):
            n = int(path.rsplit("/", 1)[1] or 0)
            target = "/final" if n <= 0 else f"/redirect/{n - 1}"
            self.send_body(302, b"moved\n", headers=[("Location", target)])
        elif path == "/final":
            self.send_body(200, b"you made it\n")
        elif path == "/stream":
            n = int(urllib.parse.parse_qs(url.query).get("n", ["10"])[0])
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if self.command != "HEAD":
                for i in range(n):
                    line = f"line {i}\n".encode()
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_body(404, b"not found\n")


if __name__ == "__main__":
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.daemon_threads = True
    print("listening", flush=True)
    server.serve_forever()
