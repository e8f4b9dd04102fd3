#!/usr/bin/env python3
"""Maelstrom's g-counter workload on the seq-kv service (Gossip Glomers'
challenge #4): one counter key, increased by compare-and-set.

seq-kv is sequentially consistent: a read may return an old value, but a
node never goes back in time, and a write moves it to the newest state. So
an `add` reads the counter and tries `cas` from that value, reading again
when the cas fails because the value was stale; and a `read` first writes
a key of its own (a new value each time) to catch up with the newest state,
then reads the counter, which therefore includes every add acknowledged
before the read began.
"""

import itertools
import uuid

from maelstrom import KEY_DOES_NOT_EXIST, PRECONDITION_FAILED, TEMPORARILY_UNAVAILABLE, TIMEOUT, Node, RPCError

KEY = "counter"
node = Node()
# Sync writes must always change the stored value, or seq-kv would not move us to the newest
# state: a counter, plus a token that differs in every incarnation of this node.
INCARNATION = uuid.uuid4().hex
sync_numbers = itertools.count(1)


def read_counter():
    reply = node.rpc("seq-kv", {"type": "read", "key": KEY})
    if reply["type"] == "read_ok":
        return reply["value"]
    if reply.get("code") == KEY_DOES_NOT_EXIST:
        return 0
    # Reads change nothing: failing them is always safe.
    raise RPCError(TEMPORARILY_UNAVAILABLE, "seq-kv read failed: " + str(reply.get("text")))


@node.handler
def add(req):
    delta = req["body"]["delta"]
    while True:
        current = read_counter()
        reply = node.rpc(
            "seq-kv",
            {"type": "cas", "key": KEY, "from": current, "to": current + delta, "create_if_not_exists": True},
        )
        if reply["type"] == "cas_ok":
            return {"type": "add_ok"}
        if reply.get("code") == PRECONDITION_FAILED:
            continue  # our read was stale, or another add won: try again
        # A cas that timed out may still have happened: say so (indefinite), never retry it.
        raise RPCError(TIMEOUT, "seq-kv cas failed: " + str(reply.get("text")))


@node.handler
def read(req):
    value = [INCARNATION, next(sync_numbers)]
    sync = node.rpc("seq-kv", {"type": "write", "key": "sync-" + node.node_id, "value": value})
    if sync["type"] != "write_ok":
        raise RPCError(TEMPORARILY_UNAVAILABLE, "seq-kv sync write failed: " + str(sync.get("text")))
    return {"type": "read_ok", "value": read_counter()}


node.run()
