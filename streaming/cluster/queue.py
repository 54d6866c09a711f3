"""The cluster's one waiting room, in Redis: visitors from every door wait in one line and
are admitted in arrival order onto whichever node has room.

Each step that reads and changes the line is one Lua script, so Redis runs it whole while
no other door's step runs: two doors admitting at once can neither admit one ticket twice
nor promise one place twice.  Keys (all under ``museion:``):

- ``queue:seq``: the arrival counter; ``queue:line``: tickets scored by arrival;
  ``queue:seen``: tickets scored by the Redis time (ms) they lapse at without a heartbeat;
  ``queue:who`` / ``queue:from``: each ticket's address, and tickets per address (caps);
- ``queue:admitted:<ticket>``: ``<pass id>.<expiry>`` for whichever door holds that
  ticket's socket to sign and hand over (any door with the cluster secret can);
- ``promised:<node>``: passes to that node not used yet, scored by expiry (they lapse);
  ``arriving:<node>``: passes used there, scored by when, counted until the node's record
  is newer (until then its ``in_use`` does not count them yet);
- ``pass:<id>``: set once when a pass is used, so it admits once across the cluster.

A pass is the single box's ``<id>.<expiry>.<mac>`` (:mod:`museion.streaming.passes`) under
the cluster secret; its id is ``<ticket>~<node id in base64url>``, binding it to one node.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass
from typing import Any

from museion.streaming import passes
from museion.streaming.cluster.records import NodeRecord
from museion.streaming.cluster.store import ClusterStore
from museion.streaming.errors import CapacityReached, PassRefused

__all__ = ["Admission", "ClusterQueue", "Standing", "Ticket", "pass_node"]

TICKET_TTL = 8.0
"""Seconds a ticket stays in line without a heartbeat (a tab that vanished)."""
PASS_TTL = 20
"""Seconds a pass is good for, and a place stays promised to it."""
MAX_WAITING = 1000
"""Tickets in the line at once (as in one box's waiting room)."""
MAX_WAITING_FROM_ONE = 64
"""Tickets from one address: a script cannot fill the line, a school class can wait."""
RETRY_AFTER = 10
"""What a visitor refused by a full line is told to wait, in seconds."""
_USED_MARGIN = 60  # seconds a used pass is remembered beyond its expiry (clock skew)
_ARRIVING_TTL = 60  # seconds an arriving list outlives its last use (a node gone)
_MAX_ADDRESS = 100

_PRELUDE = """
local P = 'museion:'
local LINE, SEEN = P .. 'queue:line', P .. 'queue:seen'
local WHO, FROM = P .. 'queue:who', P .. 'queue:from'
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function drop(ticket)
  local address = redis.call('HGET', WHO, ticket)
  redis.call('ZREM', SEEN, ticket)
  redis.call('HDEL', WHO, ticket)
  if address and redis.call('HINCRBY', FROM, address, -1) <= 0 then
    redis.call('HDEL', FROM, address)
  end
  return redis.call('ZREM', LINE, ticket)
end
local function sweep()
  local dead = redis.call('ZRANGEBYSCORE', SEEN, '-inf', '(' .. now_ms())
  for _, ticket in ipairs(dead) do drop(ticket) end
end
"""

_JOIN = (
    _PRELUDE
    + """
local ticket, address = ARGV[1], ARGV[2]
local ttl, most, most_from = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
sweep()
if redis.call('ZCARD', LINE) >= most then return {'full'} end
if (tonumber(redis.call('HGET', FROM, address)) or 0) >= most_from then return {'full'} end
local seq = redis.call('INCR', P .. 'queue:seq')
redis.call('ZADD', LINE, seq, ticket)
redis.call('ZADD', SEEN, now_ms() + ttl, ticket)
redis.call('HSET', WHO, ticket, address)
redis.call('HINCRBY', FROM, address, 1)
return {'ok', seq}
"""
)

_HEARTBEAT = (
    _PRELUDE
    + """
local ticket, ttl = ARGV[1], tonumber(ARGV[2])
local due = redis.call('ZSCORE', SEEN, ticket)
if not due then return 0 end
local now = now_ms()
if tonumber(due) < now then drop(ticket) return 0 end
redis.call('ZADD', SEEN, now + ttl, ticket)
return 1
"""
)

_LEAVE = _PRELUDE + "return drop(ARGV[1])"

_LENGTH = _PRELUDE + "sweep() return redis.call('ZCARD', LINE)"

_STANDING = (
    _PRELUDE
    + """
sweep()
local rank = redis.call('ZRANK', LINE, ARGV[1])
local waiting = redis.call('ZCARD', LINE)
if rank then return {rank + 1, waiting, ''} end
return {0, waiting, redis.call('GET', P .. 'queue:admitted:' .. ARGV[1]) or ''}
"""
)

# ARGV: now, pass ttl, node count, then per node: id, spare, record time, id in base64url.
_ADMIT = (
    _PRELUDE
    + """
local now, ttl, count = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
sweep()
local nodes = {}
for i = 1, count do
  local at = 3 + (i - 1) * 4
  local id = ARGV[at + 1]
  local promised, arriving = P .. 'promised:' .. id, P .. 'arriving:' .. id
  redis.call('ZREMRANGEBYSCORE', promised, '-inf', '(' .. ARGV[1])
  redis.call('ZREMRANGEBYSCORE', arriving, '-inf', ARGV[at + 3])
  local room = tonumber(ARGV[at + 2]) - redis.call('ZCARD', promised)
    - redis.call('ZCARD', arriving)
  nodes[i] = {id = id, room = room, tag = ARGV[at + 4], promised = promised}
end
local expires = math.floor(now + ttl) + 1
local out = {}
while true do
  local best = nil
  for _, node in ipairs(nodes) do
    if node.room > 0 and (best == nil or node.room > best.room) then best = node end
  end
  if best == nil then break end
  local head = redis.call('ZRANGE', LINE, 0, 0)
  if #head == 0 then break end
  local ticket = head[1]
  drop(ticket)
  local body = ticket .. '~' .. best.tag .. '.' .. expires
  redis.call('ZADD', best.promised, expires, ticket .. '~' .. best.tag)
  redis.call('EXPIRE', best.promised, ttl + 60)
  redis.call('SET', P .. 'queue:admitted:' .. ticket, body, 'EX', ttl + 1)
  best.room = best.room - 1
  table.insert(out, ticket)
  table.insert(out, best.id)
  table.insert(out, body)
end
return out
"""
)

_REDEEM = """
local P = 'museion:'
local pass_id, node = ARGV[1], ARGV[2]
if not redis.call('SET', P .. 'pass:' .. pass_id, '1', 'NX', 'EX', ARGV[4]) then return 0 end
redis.call('ZREM', P .. 'promised:' .. node, pass_id)
redis.call('ZADD', P .. 'arriving:' .. node, ARGV[3], pass_id)
redis.call('EXPIRE', P .. 'arriving:' .. node, ARGV[5])
return 1
"""


@dataclass(frozen=True)
class Ticket:
    """One visitor's place in the line: ``id`` is the door's to keep (never the page's),
    ``seq`` their arrival number across the cluster."""

    id: str
    address: str
    seq: int


@dataclass(frozen=True)
class Standing:
    """Where a ticket stands: ``position`` in ``waiting`` (1: next), or 0 and, if it was
    admitted, the signed ``pass_text`` to hand over (``None``: it left or lapsed)."""

    position: int
    waiting: int
    pass_text: str | None = None


@dataclass(frozen=True)
class Admission:
    """A ticket admitted onto ``node`` with ``pass_text``, good there once."""

    ticket: str
    node: str
    pass_text: str


def _tag(node_id: str) -> str:
    return base64.urlsafe_b64encode(node_id.encode()).decode("ascii").rstrip("=")


def _node_of(pass_id: str) -> str | None:
    _, _, tag = pass_id.partition("~")
    try:
        return base64.urlsafe_b64decode(tag + "=" * (-len(tag) % 4)).decode()
    except (binascii.Error, ValueError):
        return None


def pass_node(pass_text: str, secret: bytes, now: float) -> str:
    """The node a genuine, unexpired pass was made for (the door sends its holder there);
    :class:`PassRefused` otherwise."""
    node = _node_of(passes.read(secret, pass_text, now))
    if not node:
        raise PassRefused("This admission pass is not one of ours.", code="PASS_INVALID")
    return node


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class ClusterQueue:
    """The line across every door, kept in ``store``'s Redis; each call is bounded
    (:class:`~museion.streaming.errors.ClusterUnavailable` when Redis is not there)."""

    def __init__(
        self,
        store: ClusterStore,
        ticket_ttl: float = TICKET_TTL,
        pass_ttl: int = PASS_TTL,
    ) -> None:
        self._store = store
        self._ticket_ms = round(ticket_ttl * 1000)
        self._pass_ttl = pass_ttl
        client = store.client
        self._join = client.register_script(_JOIN)
        self._heartbeat = client.register_script(_HEARTBEAT)
        self._leave = client.register_script(_LEAVE)
        self._length = client.register_script(_LENGTH)
        self._standing = client.register_script(_STANDING)
        self._admit = client.register_script(_ADMIT)
        self._redeem = client.register_script(_REDEEM)

    async def join(self, address: str) -> Ticket:
        """A new ticket at the end of the line; :class:`CapacityReached` if the line holds
        ``MAX_WAITING`` tickets, or ``MAX_WAITING_FROM_ONE`` from ``address``."""
        ticket = secrets.token_urlsafe(12)
        address = address[:_MAX_ADDRESS]
        args = [ticket, address, self._ticket_ms, MAX_WAITING, MAX_WAITING_FROM_ONE]
        reply = await self._store.bounded(self._join(args=args))
        if _text(reply[0]) != "ok":
            raise CapacityReached(
                f"The queue is full; please try again in {RETRY_AFTER} seconds.",
                retry_after=RETRY_AFTER,
            )
        return Ticket(ticket, address, int(reply[1]))

    async def heartbeat(self, ticket: Ticket) -> bool:
        """Keep ``ticket`` in line for another ``ticket_ttl``; False if it is no longer in
        it (admitted, left, or lapsed already: a lapsed ticket is not revived)."""
        args = [ticket.id, self._ticket_ms]
        return bool(await self._store.bounded(self._heartbeat(args=args)))

    async def leave(self, ticket: Ticket) -> None:
        """Take ``ticket`` out of the line (its tab closed)."""
        await self._store.bounded(self._leave(args=[ticket.id]))

    async def length(self) -> int:
        """Tickets in line now (the door's queue gauge)."""
        return int(await self._store.bounded(self._length()))

    async def standing(self, ticket: Ticket, secret: bytes) -> Standing:
        """Where ``ticket`` stands now, with its pass signed under ``secret`` once it was
        admitted (by any door)."""
        position, waiting, body = await self._store.bounded(self._standing(args=[ticket.id]))
        text = _text(body)
        return Standing(int(position), int(waiting), self._signed(secret, text) if text else None)

    async def position(self, ticket: Ticket) -> tuple[int, int]:
        """``(position, waiting)``: 1 is next; position 0 means no longer in line."""
        position, waiting, _ = await self._store.bounded(self._standing(args=[ticket.id]))
        return int(position), int(waiting)

    async def admit(self, nodes: list[NodeRecord], secret: bytes, now: float) -> list[Admission]:
        """Admit the head of the line while ``nodes`` have room, each onto the node with
        the most room: its record's ``spare`` less the places promised to passes not used
        yet, or used since the record was written.  One script, so concurrent doors never
        promise a place twice."""
        args: list[Any] = [repr(now), self._pass_ttl, len(nodes)]
        for node in nodes:
            args += [node.id, node.spare, repr(node.updated), _tag(node.id)]
        reply = await self._store.bounded(self._admit(args=args))
        found = [_text(value) for value in reply]
        return [
            Admission(found[i], found[i + 1], self._signed(secret, found[i + 2]))
            for i in range(0, len(found), 3)
        ]

    def _signed(self, secret: bytes, body: str) -> str:
        pass_id, _, expires = body.rpartition(".")
        return passes.sign(secret, pass_id, int(expires))

    async def redeem(self, pass_text: str, node_id: str, secret: bytes, now: float) -> None:
        """Accept a pass on node ``node_id``: :class:`PassRefused` if it is forged or for
        another node (``PASS_INVALID``), lapsed (``PASS_EXPIRED``) or used before
        (``PASS_USED``, anywhere in the cluster).  The place promised to it is now the
        node's, counted as arriving until its next record counts it."""
        pass_id = passes.read(secret, pass_text, now)
        if _node_of(pass_id) != node_id:
            raise PassRefused("This admission pass is for another node.", code="PASS_INVALID")
        expires = int(pass_text.split(".")[1])
        remember = max(1, expires - int(now)) + _USED_MARGIN
        args = [pass_id, node_id, repr(now), remember, _ARRIVING_TTL]
        if not await self._store.bounded(self._redeem(args=args)):
            raise PassRefused(
                "This admission pass was used already; join the queue again.", code="PASS_USED"
            )
