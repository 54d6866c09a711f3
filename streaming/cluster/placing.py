"""Which node a visitor goes to: pure choices over the nodes' records, made by the door
and by a full node sending a visitor on (any node may act as the door)."""

from __future__ import annotations

from museion.streaming.cluster.records import NodeRecord

__all__ = ["choose_node", "node_for_stream", "node_for_viewer"]

_BUSY = 0.95  # a render thread this busy takes no one more, whatever its places say


def choose_node(nodes: list[NodeRecord], placed: dict[str, int] | None = None) -> NodeRecord | None:
    """The node for a new visitor of their own: most places free (less those this door
    ``placed`` there since the node last wrote its record), then least busy."""
    placed = placed or {}

    def room(node: NodeRecord) -> int:
        return node.spare - placed.get(node.id, 0)

    open_nodes = [n for n in nodes if room(n) > 0 and n.busy < _BUSY]
    if not open_nodes:
        return None
    return max(open_nodes, key=lambda n: (room(n), -n.busy, n.id))


def node_for_viewer(nodes: list[NodeRecord], stream: str) -> NodeRecord | None:
    """Where a viewer of ``stream`` watches: any node, once the stream flows somewhere
    (one that does not have it yet pulls it from its origin on this first viewer, over
    one link), the one with the fewest viewers; None while it flows nowhere."""
    if node_for_stream(nodes, stream) is None:
        return None
    return min(nodes, key=lambda n: (n.watching, stream not in n.streams, n.busy, n.id))


def node_for_stream(
    nodes: list[NodeRecord], stream: str, origin: bool = False
) -> NodeRecord | None:
    """A node ``stream`` flows through (the least loaded of them; ``origin``: only where
    it is published or led, not pulled), or None."""
    flowing = [n for n in nodes if stream in n.streams and not (origin and stream in n.pulled)]
    return min(flowing, key=lambda n: (n.busy, n.id)) if flowing else None
