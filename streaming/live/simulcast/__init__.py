"""Simulcast: a publisher's two or three layers negotiated and received apart, and each
viewer steered to the one its link sustains (or the one it chose)."""

from museion.streaming.live.simulcast.pilot import AUTO, Feedback, Pilot
from museion.streaming.live.simulcast.receive import SimulcastReceiver, split_layers
from museion.streaming.live.simulcast.sdp import SimulcastOffer, simulcast_offer

__all__ = [
    "AUTO",
    "Feedback",
    "Pilot",
    "SimulcastOffer",
    "SimulcastReceiver",
    "simulcast_offer",
    "split_layers",
]
