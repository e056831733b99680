"""Serves the official client's webhook receiver (ricloud.webhooks, a Flask app), unchanged, for the kit.

Usage: PYTHONPATH=<a ricloud-py 3.2.0 checkout> python3 official_receiver.py SECRET [DELTA]
Prints one JSON line {"url": ...} once it listens on a free loopback port, then serves until killed.
The app is served threaded (werkzeug's make_server(threaded=True)), as `ricloud event listen` serves it (Flask's
app.run, threaded by default since Flask 1.0). The kit does not need it: it sends one delivery at a time and
reads only the status (the same run with threaded=False took 0.2 s, no stall); the ~4 s stall of deliveries to
single-threaded receivers is in the mock's own delivery code (issue 10), not in the kit.
"""
from __future__ import print_function

import json
import logging
import sys

from werkzeug.serving import make_server

from ricloud.webhooks import app


def main():
    app.config["WEBHOOK_SECRET"] = sys.argv[1]
    app.config["WEBHOOK_DELTA"] = int(sys.argv[2]) if len(sys.argv) > 2 else 600
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(json.dumps({"url": "http://127.0.0.1:{}/webhooks".format(server.server_port)}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
