"""Which layer one viewer gets: the best its link sustains, or the one it chose.

Pure, on a given clock, so it is tested without a network.  Every
:attr:`PilotSettings.interval` the viewer's relay hands :meth:`Pilot.decide` what its link
said since the last call (:class:`Feedback`) and the layers sending now, best first.  The
strongest sign is the relay's own: frames or packets it dropped for this viewer (its queue
overflowed, its socket was full).  Then loss: the viewer's receiver reports and the share
of packets it asked again (NACK).  Then its receiver estimated maximum bitrate (REMB), when
it sends one: a layer whose bitrate is over it is too much.  Any of them steps the viewer
down at once (to what REMB allows, else one layer); a link quiet for a while earns a try of
the next layer up, and a try that fails soon doubles the wait before the next (a receiver's
estimate cannot vouch for a rate it has not seen, so going up is always a try).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AUTO", "Feedback", "LayerRate", "Pilot", "PilotSettings"]

AUTO = "auto"


@dataclass(frozen=True)
class PilotSettings:
    """``interval``: seconds between decisions; ``loss``: the share of packets lost or
    asked again that steps down; ``remb_margin``: a layer fits under a REMB of ``r`` when
    its bitrate is at most ``remb_margin * r``; ``settle``: seconds after a switch before
    the link's word counts again (its reports still describe the old layer); ``probe``,
    ``probe_max``: the quiet seconds before trying a better layer, doubled up to the most
    after a try that failed within ``failed_within`` seconds."""

    interval: float = 0.5
    loss: float = 0.05
    remb_margin: float = 0.9
    remb_age: float = 3.0
    settle: float = 2.0
    probe: float = 6.0
    probe_max: float = 60.0
    failed_within: float = 10.0


@dataclass(frozen=True)
class Feedback:
    """What one viewer's link said since the last decision: ``drops`` (frames or packets
    the relay dropped for it), ``loss`` (the share lost by its last receiver report, None
    without a new one), ``nack_share`` (packets asked again over packets sent), ``remb``
    (bits/s, None when it sends none lately)."""

    drops: int = 0
    loss: float | None = None
    nack_share: float = 0.0
    remb: float | None = None


@dataclass(frozen=True)
class LayerRate:
    """A layer sending now, and its bitrate (bits/s)."""

    rid: str
    bitrate: float


class Pilot:
    """One viewer's layer: :data:`AUTO` follows its link; a chosen rid is kept while that
    layer sends (else it gets the best one sending until it does again)."""

    def __init__(self, now: float, settings: PilotSettings = PilotSettings()) -> None:
        self.settings = settings
        self.choice = AUTO
        self.target: str | None = None
        self._changed = now
        self._quiet_since = now
        self._probe_wait = settings.probe
        self._stepped_up_at = -float("inf")

    def choose(self, layer: str) -> None:
        """The viewer asked for ``layer`` (a rid or :data:`AUTO`)."""
        self.choice = layer

    def decide(self, now: float, sending: list[LayerRate], heard: Feedback) -> str | None:
        """The layer to send from now on (None while no layer sends)."""
        if not sending:
            return self.target
        rids = [layer.rid for layer in sending]
        if self.choice != AUTO:
            return self._set(now, self._nearest(self.choice, rids))
        if self.target not in rids:
            return self._set(now, self._nearest(self.target, rids))
        assert self.target is not None
        index = rids.index(self.target)
        if now - self._changed < self.settings.settle:
            return self.target
        if self._congested(sending[index].bitrate, heard):
            return self._step_down(now, sending, index, self._budget(sending[index], heard))
        if now - self._quiet_since >= self._probe_wait and index > 0:
            self._stepped_up_at = now
            return self._set(now, rids[index - 1])
        return self.target

    def _congested(self, bitrate: float, heard: Feedback) -> bool:
        limit = self.settings.loss
        return (
            heard.drops > 0
            or (heard.loss is not None and heard.loss >= limit)
            or heard.nack_share >= limit
            or (heard.remb is not None and bitrate > heard.remb * self.settings.remb_margin)
        )

    def _budget(self, layer: LayerRate, heard: Feedback) -> float:
        """What the link carries, as far as it told: what got through of the layer (its
        bitrate less the share lost), and under its estimate."""
        lost = max(heard.loss or 0.0, heard.nack_share)
        budget = (
            layer.bitrate * (1 - min(lost, 1.0)) if lost >= self.settings.loss else layer.bitrate
        )
        if heard.remb is not None:
            budget = min(budget, heard.remb)
        return budget * self.settings.remb_margin

    def _step_down(self, now: float, sending: list[LayerRate], index: int, budget: float) -> str:
        """To the best layer lower than ``index`` that fits ``budget`` (the lowest if none)."""
        self._quiet_since = now
        if now - self._stepped_up_at < self.settings.failed_within:
            self._probe_wait = min(self._probe_wait * 2, self.settings.probe_max)
        lower = next(
            (i for i in range(index + 1, len(sending)) if sending[i].bitrate <= budget),
            len(sending) - 1,
        )
        return self._set(now, sending[min(lower, len(sending) - 1)].rid)

    def _nearest(self, wanted: str | None, rids: list[str]) -> str:
        """``wanted`` if it sends, else the best layer that does."""
        return wanted if wanted in rids else rids[0]

    def _set(self, now: float, rid: str) -> str:
        if rid != self.target:
            self.target = rid
            self._changed = now
            self._quiet_since = max(self._quiet_since, now)
        return rid
