// A headset's controllers: where each one points, the teleport arc it throws, and the snap
// turn of its thumbstick.  The maths is plain functions (tested in Node); createControls
// reads an XRSession's input sources once per XR frame and tells the page what the visitor
// did (select along a ray, aim and teleport, turn), so the page only sends commands and
// draws.  Everything is in the local-floor reference space: metres, y up, the floor at 0.
//
// Heading convention (as the server's "turn" command): positive degrees turn the visitor
// LEFT (counter-clockwise seen from above, about +y).  A thumbstick pushed right therefore
// gives -30, pushed left +30.

/** The arc's defaults: launch speed (m/s), gravity (m/s²), time step (s), most points,
 * longest flight (s), farthest landing (horizontal m), steepest launch and "at the sky"
 * elevations (degrees). */
export const ARC = Object.freeze({
  speed: 7, gravity: 9.8, step: 0.02, points: 60, flight: 2, reach: 8, steepest: 45, sky: 75,
});

/** The snap turn's defaults: degrees per turn, stick push that turns, stick rest that re-arms. */
export const SNAP = Object.freeze({ angle: 30, press: 0.7, release: 0.3 });

/** How far forward (thumbstick y, forward is negative) starts aiming a teleport. */
export const AIM = Object.freeze({ press: 0.7, release: 0.3 });

const length3 = (v) => Math.hypot(v[0], v[1], v[2]);

/**
 * The ray of an XRPose transform matrix (column-major 16): its origin (the translation) and
 * its unit direction (the matrix's -Z axis, where a WebXR target ray points).
 */
export function targetRay(matrix) {
  const origin = [matrix[12], matrix[13], matrix[14]];
  const axis = [-matrix[8], -matrix[9], -matrix[10]];
  const size = length3(axis) || 1;
  return { origin, direction: axis.map((c) => c / size) };
}

/**
 * A ballistic teleport arc from `origin` along `direction` until it meets the floor (y = 0):
 * `{points: [[x, y, z], ...], floor: [x, 0, z] | null}`.  Every point but the last is above
 * the floor; the last is on it when the arc lands.  A launch steeper than `steepest` flies
 * as if at `steepest` (pointing up still lands, at the farthest reach); pointing within
 * `90 - sky` degrees of straight up has no heading, and an arc that would land past `reach`
 * or after `flight` seconds does not land: both give `floor: null` and the arc as thrown.
 */
export function teleportArc(origin, direction, options = {}) {
  const o = { ...ARC, ...options };
  const size = length3(direction) || 1;
  const [dx, dy, dz] = direction.map((c) => c / size);
  const flat = Math.hypot(dx, dz);
  const elevation = Math.atan2(dy, flat);
  const steepest = (o.steepest * Math.PI) / 180;
  const launch = Math.min(elevation, steepest);
  const heading = flat > 1e-9 ? [dx / flat, dz / flat] : [0, 0];
  const vh = o.speed * Math.cos(launch);
  const vy = o.speed * Math.sin(launch);
  const at = (t) => [
    origin[0] + heading[0] * vh * t,
    origin[1] + vy * t - 0.5 * o.gravity * t * t,
    origin[2] + heading[1] * vh * t,
  ];
  const skyward = elevation > (o.sky * Math.PI) / 180;
  const below = vy * vy + 2 * o.gravity * origin[1];
  const landing = origin[1] > 0 && below >= 0 ? (vy + Math.sqrt(below)) / o.gravity : Infinity;
  if (skyward || landing > o.flight || vh * landing > o.reach) {
    // The arc as thrown, for drawing in the "no" colour: as far as the points allow.
    const points = [];
    for (let i = 0; i < o.points; i += 1) {
      const point = at(i * o.step);
      points.push(point);
      if (point[1] <= 0) break;
    }
    return { points, floor: null };
  }
  // Evenly in time, about `step` apart, never more than `points` of them, the last on the floor.
  const segments = Math.max(1, Math.min(o.points - 1, Math.ceil(landing / o.step)));
  const points = [];
  for (let i = 0; i < segments; i += 1) points.push(at((landing * i) / segments));
  const end = at(landing);
  const floor = [end[0], 0, end[2]];
  points.push(floor);
  return { points, floor };
}

/**
 * A snap turn on one thumbstick's x: `update(axisX)` gives -angle (pushed right past
 * `press`: turn right), +angle (pushed left: turn left) or 0.  One turn per push; it re-arms
 * only once the stick has come back under `release`, so a held or wobbling stick never
 * turns twice.
 */
export function createSnapTurn(options = {}) {
  const o = { ...SNAP, ...options };
  let armed = true;
  return {
    update(axisX) {
      const x = Number.isFinite(axisX) ? axisX : 0;
      if (!armed) {
        if (Math.abs(x) < o.release) armed = true;
        return 0;
      }
      if (Math.abs(x) <= o.press) return 0;
      armed = false;
      return x > 0 ? -o.angle : o.angle;
    },
    get armed() { return armed; },
  };
}

/** The thumbstick (x, y) of an xr-standard gamepad (axes 2 and 3), or null. */
function thumbstick(gamepad) {
  if (!gamepad || gamepad.mapping !== 'xr-standard' || gamepad.axes.length < 4) return null;
  return [gamepad.axes[2], gamepad.axes[3]];
}

const quiet = () => {};

/**
 * The controllers of an XR `session`.  Call `update(frame, referenceSpace)` once per XR
 * frame.  The handlers (each optional) hear:
 * - `onSelect(hand, ray)`: the session's `select` (a trigger pull) with that controller's
 *   ray `{origin, direction}`: ask the server to pick along it;
 * - `onAim(hand, arc | null)`: every frame the thumbstick is held forward, the arc
 *   (`{points, floor}`) to draw; null when aiming ends;
 * - `onTeleport(hand, floorPoint)`: the stick let go with the arc landed on the floor;
 * - `onTurn(degrees)`: a snap turn (positive: left), from the stick's x while not aiming.
 * `rays` holds each hand's newest ray (for drawing); `arcs` each aiming hand's arc.
 */
export function createControls(session, handlers = {}, options = {}) {
  const on = {
    onSelect: quiet, onAim: quiet, onTeleport: quiet, onTurn: quiet, ...handlers,
  };
  const rays = {};
  const arcs = {};
  const turns = {};
  let space = null;

  function rayOf(source, frame) {
    const pose = frame && space ? frame.getPose(source.targetRaySpace, space) : null;
    return pose ? targetRay(pose.transform.matrix) : rays[source.handedness] ?? null;
  }

  function select(event) {
    const source = event.inputSource;
    const ray = rayOf(source, event.frame);
    if (ray) on.onSelect(source.handedness, ray);
  }

  function stopAiming(hand, landed) {
    const arc = arcs[hand];
    delete arcs[hand];
    if (landed && arc && arc.floor) on.onTeleport(hand, arc.floor);
    on.onAim(hand, null);
  }

  function steer(hand, stick) {
    const [x, y] = stick;
    if (arcs[hand] !== undefined) {
      if (y > -AIM.release) {
        stopAiming(hand, true);
        return;
      }
      const ray = rays[hand];
      if (ray) arcs[hand] = teleportArc(ray.origin, ray.direction, options.arc);
      on.onAim(hand, arcs[hand]);
      return;
    }
    if (y < -AIM.press && rays[hand]) {
      arcs[hand] = teleportArc(rays[hand].origin, rays[hand].direction, options.arc);
      on.onAim(hand, arcs[hand]);
      return;
    }
    turns[hand] ??= createSnapTurn(options.snap);
    const degrees = turns[hand].update(x);
    if (degrees !== 0) on.onTurn(degrees);
  }

  function update(frame, referenceSpace) {
    space = referenceSpace;
    const seen = new Set();
    for (const source of session.inputSources) {
      const hand = source.handedness;
      seen.add(hand);
      if (!source.targetRaySpace) continue;
      const pose = frame.getPose(source.targetRaySpace, referenceSpace);
      if (pose) rays[hand] = targetRay(pose.transform.matrix);
      const stick = thumbstick(source.gamepad);
      if (stick) steer(hand, stick);
    }
    for (const hand of Object.keys(rays)) {
      if (seen.has(hand)) continue;  // a controller gone: forget it, never teleport
      delete rays[hand];
      delete turns[hand];
      if (arcs[hand] !== undefined) stopAiming(hand, false);
    }
  }

  session.addEventListener('select', select);
  return {
    update,
    rays,
    arcs,
    /** Stop listening to the session. */
    dispose: () => session.removeEventListener('select', select),
  };
}
