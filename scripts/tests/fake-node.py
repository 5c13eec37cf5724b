#!/usr/bin/env python3
# Stand-in for substrate-contracts-node in scripts/tests/node-sh.sh: answers chain_getHeader
# on --rpc-port after a second.
import sys, time, json
from http.server import BaseHTTPRequestHandler, HTTPServer
port = int(sys.argv[sys.argv.index('--rpc-port') + 1])
time.sleep(1.0)
class H(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "result": {"number": "0x0"}}).encode()
        self.send_response(200); self.send_header('Content-Type', 'application/json'); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
HTTPServer(('127.0.0.1', port), H).serve_forever()
