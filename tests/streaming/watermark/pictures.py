"""Natural-ish test pictures without a renderer: 1/f noise (the spectrum of photographs)
under flat walls and hard edges, and a camera that drifts across them, so tests of the
watermark see busy texture, flat areas and edges, and frames that change."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

Frame = npt.NDArray[np.uint8]


def scene(seed: int, width: int = 960, height: int = 540) -> Frame:
    """A picture with a 1/f texture, a few flat panels and a bright object."""
    rng = np.random.default_rng(seed)
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.rfftfreq(width)[None, :]
    radius = np.hypot(fx, fy)
    radius[0, 0] = 1.0
    channels = []
    base = rng.normal(size=(height, width // 2 + 1)) + 1j * rng.normal(
        size=(height, width // 2 + 1)
    )
    for tint in rng.uniform(0.8, 1.2, size=3):
        texture = np.fft.irfft2(base / radius**1.1, s=(height, width))
        channels.append(texture / texture.std() * 35 * tint)
    picture = np.stack(channels, axis=-1) + 120
    for _ in range(int(rng.integers(2, 5))):
        y0, x0 = rng.integers(0, height - 40), rng.integers(0, width - 40)
        y1, x1 = y0 + rng.integers(30, height // 2), x0 + rng.integers(30, width // 2)
        picture[y0:y1, x0:x1] = rng.uniform(20, 235, size=3)
    return np.clip(picture, 0, 255).astype(np.uint8)


def clip(seed: int, frames: int, width: int = 640, height: int = 360) -> Iterator[Frame]:
    """``frames`` views of one scene as a visitor walking past sees it: the camera pans a
    few pixels a frame, turning back at the scene's edges."""
    picture = scene(seed, width * 3 // 2, height * 3 // 2)
    rng = np.random.default_rng(seed + 1)
    room_y, room_x = picture.shape[0] - height, picture.shape[1] - width
    speed_y, speed_x = rng.uniform(-1.5, 1.5), rng.choice([-1, 1]) * rng.uniform(2, 5)
    for i in range(frames):
        y = _bounce(room_y // 2 + speed_y * i, room_y)
        x = _bounce(room_x // 2 + speed_x * i, room_x)
        yield np.ascontiguousarray(picture[y : y + height, x : x + width])


def _bounce(position: float, room: int) -> int:
    """``position`` folded into ``[0, room]`` as a camera turning back at the walls."""
    folded = abs(position) % (2 * room)
    return int(2 * room - folded if folded > room else folded)
