#!/usr/bin/env python3
"""Maelstrom's broadcast workload (Gossip Glomers' challenge #3): every
message broadcast to any node must reach every node.

Each node gossips to its neighbours from the `topology` message (all other
nodes until it arrives). A gossip thread per neighbour sends, every
GOSSIP_INTERVAL seconds, everything that neighbour has not acknowledged yet,
and keeps resending until a `gossip_ok` comes back: messages held up by a
partition get through once it heals.
"""

import threading
import time

from maelstrom import Node

GOSSIP_INTERVAL = 0.1
GOSSIP_TIMEOUT = 0.5

node = Node()
lock = threading.Lock()
messages = set()
neighbors = []
unacked = {}  # neighbour -> set of messages it has not acknowledged


def learn(values, came_from=None):
    with lock:
        for value in values:
            if value in messages:
                continue
            messages.add(value)
            for n in neighbors:
                if n != came_from:
                    unacked.setdefault(n, set()).add(value)


def gossip_loop(neighbor):
    while True:
        time.sleep(GOSSIP_INTERVAL)
        with lock:
            batch = set(unacked.get(neighbor, ()))
        if not batch:
            continue
        reply = node.rpc(neighbor, {"type": "gossip", "messages": sorted(batch)}, timeout=GOSSIP_TIMEOUT)
        if reply["type"] == "gossip_ok":
            with lock:
                unacked[neighbor] -= batch


started = set()


def start_gossip():
    with lock:
        targets = [n for n in neighbors if n not in started]
        started.update(targets)
    for n in targets:
        threading.Thread(target=gossip_loop, args=(n,), daemon=True).start()


def on_init():
    neighbors.extend(n for n in node.node_ids if n != node.node_id)
    start_gossip()


@node.handler
def topology(req):
    mine = req["body"]["topology"].get(node.node_id)
    if isinstance(mine, list):
        with lock:
            neighbors[:] = [n for n in mine if n != node.node_id]
        node.log("neighbors:", neighbors)
        start_gossip()
    return {"type": "topology_ok"}


@node.handler
def broadcast(req):
    learn([req["body"]["message"]])
    return {"type": "broadcast_ok"}


@node.handler
def gossip(req):
    learn(req["body"]["messages"], req["src"])
    return {"type": "gossip_ok"}


@node.handler
def read(req):
    with lock:
        return {"type": "read_ok", "messages": sorted(messages)}


node.run(on_init)
