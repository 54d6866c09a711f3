// What the visitor does with the controllers in VR, and what the page draws for it over
// the video: a select picks along the controller's ray (the server answers as it does a
// click, and the label stands in the world as a panel of real text in the visitor's
// language); the thumbstick forward throws a teleport arc, and its release asks the server
// to stand there (walls and pedestals still refuse); the stick sideways snap-turns 30
// degrees; the grip steps a guided tour on.  Hotspots near the head are markers in 3D.
// Moving is never a slide: the page dims, the server moves the headset's space, and the
// picture opens again on the new spot.
import { createControls } from '/static/xr_controls.js';
import { createPanel, createWorld } from '/static/xr_world.js';

const RAY = 3;          // metres a ray is drawn when it hits nothing known
const NEAR_MARK = 0.06; // metres from a ray within which a marker lights up
const round = (v) => Math.round(v * 1e4) / 1e4;

/** The distance from point `p` to the ray `origin + t·direction` (t ≥ 0). */
export function rayDistance(origin, direction, p) {
  const d = [p[0] - origin[0], p[1] - origin[1], p[2] - origin[2]];
  const t = Math.max(0, d[0] * direction[0] + d[1] * direction[1] + d[2] * direction[2]);
  return Math.hypot(d[0] - t * direction[0], d[1] - t * direction[1], d[2] - t * direction[2]);
}

/**
 * The controllers of one XR session on WebGL2 context `gl`.  `send(command)` sends a view
 * command; `language()` gives [language, fallback]; `moving(kind)` tells the page the hall
 * is about to move ('teleport', 'turn') so it dims or blinks; `step()` asks for the next
 * step of a guided tour.  Call `frame(xrFrame, space, viewerPose)` once per XR frame and
 * `draw(view)` per eye after the video; `update(message)` takes the server's answers.
 */
export function createHands({ session, gl, send, language, moving, step }) {
  const world = createWorld(gl);
  const panel = createPanel(gl);
  const state = { head: [0, 1.6, 0], viewer: null, arc: null, marks: [], picked: null, tour: null };

  const headFloor = () => [round(state.head[0]), round(state.head[2])];

  const controls = createControls(session, {
    onSelect(hand, ray) {
      send({ type: 'pick_ray', origin: ray.origin.map(round), direction: ray.direction.map(round) });
    },
    onAim(hand, arc) {
      state.arc = arc ? { points: arc.points, ok: arc.floor !== null } : null;
    },
    onTeleport(hand, floor) {
      state.arc = null;
      moving('teleport');
      send({ type: 'teleport', x: round(floor[0]), z: round(floor[2]), head: headFloor() });
    },
    onTurn(degrees) {
      moving('turn', degrees);
      send({ type: 'turn', degrees, head: headFloor() });
    },
  });
  const squeeze = () => step();
  session.addEventListener('squeeze', squeeze);

  function showTour() {
    const tour = state.tour;
    if (!tour || !state.viewer) return;
    panel.show({ metadata: { title: tour.title, description: tour.narration } }, ...language(), state.viewer);
  }

  return {
    frame(xrFrame, space, viewerPose) {
      const { position, orientation } = viewerPose.transform;
      state.head = [position.x, position.y, position.z];
      state.viewer = { position: [...state.head], orientation: [orientation.x, orientation.y, orientation.z, orientation.w] };
      controls.update(xrFrame, space);
    },
    draw(view) {
      const rays = Object.values(controls.rays).filter(Boolean);
      const markers = state.marks.map((mark) => ({
        position: mark.p,
        active: rays.some((ray) => rayDistance(ray.origin, ray.direction, mark.p) < NEAR_MARK),
      }));
      world.draw(
        { projection: view.projectionMatrix, view: view.transform.inverse.matrix },
        {
          rays: rays.map((ray) => ({ origin: ray.origin, direction: ray.direction, length: RAY })),
          arc: state.arc,
          markers,
          panel: panel.visible ? panel : null,
        },
      );
    },
    /** The server's answers that concern the headset: picks, places, tours. */
    update(message) {
      if (message.type === 'xr_place') {
        state.marks = Array.isArray(message.marks) ? message.marks : [];
      } else if (message.type === 'picked') {
        state.picked = message.exhibit && message.label ? message : null;
        if (state.picked && state.viewer) panel.show(message.label, ...language(), state.viewer);
        else panel.hide();
      } else if (message.type === 'tour') {
        state.tour = message.step === undefined || message.state === 'finished' || message.state === 'stopped'
          ? null : message;
        if (state.tour) showTour(); else panel.hide();
      }
    },
    /** A new language chosen: the panel says it again in that one. */
    relabel() {
      if (state.picked && state.viewer) panel.show(state.picked.label, ...language(), state.viewer);
      else if (state.tour) showTour();
    },
    get panel() { return panel; },
    get rays() { return controls.rays; },
    get arc() { return state.arc; },
    get marks() { return state.marks; },
    dispose() {
      controls.dispose();
      session.removeEventListener('squeeze', squeeze);
    },
  };
}
