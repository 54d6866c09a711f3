"""Several boxes as one gallery: nodes registered in Redis, and the door that places
visitors on them."""

from museion.streaming.cluster.node import CLUSTER_KEY, ClusterMember, join_cluster
from museion.streaming.cluster.records import NodeRecord
from museion.streaming.cluster.store import ClusterStore

__all__ = ["CLUSTER_KEY", "ClusterMember", "ClusterStore", "NodeRecord", "join_cluster"]
