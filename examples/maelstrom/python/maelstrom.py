"""A tiny helper for writing Maelstrom nodes in Python, standard library only,
in the manner of Maelstrom's own demo/python/maelstrom.py.

Messages arrive on stdin, one JSON object per line; the node prints its own
on stdout, one per line; logs go to stderr. Each request is handled on its own
thread, so a handler may block on `rpc` while other requests go on.

    node = Node()

    @node.handler
    def echo(req):
        return {"type": "echo_ok", "echo": req["body"]["echo"]}

    node.run()

A handler is named after the message type it serves and returns the reply
body (or None to send nothing). Raising RPCError answers with that error;
any other exception answers with crash (13, indefinite).
"""

import json
import sys
import threading

TIMEOUT = 0
NOT_SUPPORTED = 10
TEMPORARILY_UNAVAILABLE = 11
CRASH = 13
KEY_DOES_NOT_EXIST = 20
PRECONDITION_FAILED = 22


class RPCError(Exception):
    def __init__(self, code, text):
        super().__init__(text)
        self.code = code
        self.text = text

    def body(self):
        return {"type": "error", "code": self.code, "text": self.text}


class Node:
    def __init__(self):
        self.node_id = None
        self.node_ids = []
        self.rpc_timeout = 1.0
        self._handlers = {}
        self._next_id = 1
        self._lock = threading.Lock()
        self._out_lock = threading.Lock()
        self._waiting = {}  # msg_id -> [threading.Event, reply body or None]

    def handler(self, f):
        """Decorator: serve requests whose type is the function's name."""
        self._handlers[f.__name__] = f
        return f

    def log(self, *parts):
        with self._out_lock:
            print(*parts, file=sys.stderr, flush=True)

    def send(self, dest, body):
        line = json.dumps({"src": self.node_id, "dest": dest, "body": body})
        with self._out_lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def reply(self, req, body):
        self.send(req["src"], dict(body, in_reply_to=req["body"]["msg_id"]))

    def rpc(self, dest, body, timeout=None):
        """Send a request and wait for its reply body; on timeout, an error body with code 0."""
        with self._lock:
            msg_id = self._next_id
            self._next_id += 1
            slot = [threading.Event(), None]
            self._waiting[msg_id] = slot
        self.send(dest, dict(body, msg_id=msg_id))
        if not slot[0].wait(self.rpc_timeout if timeout is None else timeout):
            with self._lock:
                self._waiting.pop(msg_id, None)
            return {"type": "error", "code": TIMEOUT, "text": "RPC request timed out"}
        return slot[1]

    def _serve(self, req):
        body = req["body"]
        f = self._handlers.get(body["type"])
        try:
            if f is None:
                raise RPCError(NOT_SUPPORTED, "unsupported request type " + str(body["type"]))
            answer = f(req)
        except RPCError as e:
            answer = e.body()
        except Exception as e:  # a bug in a handler: say so, indefinitely
            self.log("handler failed:", repr(e))
            answer = {"type": "error", "code": CRASH, "text": repr(e)}
        if answer is not None and body.get("msg_id") is not None:
            self.reply(req, answer)

    def run(self, init=None):
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            try:
                req = json.loads(line)
                body = req["body"]
            except (ValueError, KeyError, TypeError):
                self.log("ignoring a line that is not a message:", line)
                continue
            if body.get("in_reply_to") is not None:
                with self._lock:
                    slot = self._waiting.pop(body["in_reply_to"], None)
                if slot is not None:  # else a late or duplicated reply: ignore it
                    slot[1] = body
                    slot[0].set()
                continue
            if body.get("type") == "init":
                self.node_id = body["node_id"]
                self.node_ids = body["node_ids"]
                if init is not None:
                    init()
                self.log("node", self.node_id, "initialized")
                self.reply(req, {"type": "init_ok"})
                continue
            threading.Thread(target=self._serve, args=(req,), daemon=True).start()
