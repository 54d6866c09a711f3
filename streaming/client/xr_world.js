// What the headset page draws in the world over the video, per eye, in local-floor metres:
// the controllers' rays with a dot where they hit, the teleport arc (green where it lands,
// red where it cannot), hotspot markers as small discs facing the eye, and the picked
// exhibit's label as a panel of real text (drawn in the page, crisp, in the visitor's
// language; never baked into the video).  The video has no depth, so all of it is drawn
// over the picture without a depth test, the panel last.

import { pickText } from '/static/label.js';

const VERTEX = `#version 300 es
in vec3 a_position;
in vec2 a_uv;
uniform mat4 u_projection;
uniform mat4 u_view;
out vec2 v_uv;
void main() {
  v_uv = a_uv;
  gl_Position = u_projection * u_view * vec4(a_position, 1.0);
}`;

// One program for everything: a plain colour, a disc, a ring, or the panel's texture.
const FRAGMENT = `#version 300 es
precision mediump float;
uniform int u_mode;  // 0 solid, 1 disc, 2 ring, 3 texture
uniform vec4 u_colour;
uniform sampler2D u_texture;
in vec2 v_uv;
out vec4 colour;
void main() {
  if (u_mode == 3) { colour = texture(u_texture, v_uv); return; }
  float r = length(v_uv * 2.0 - 1.0);
  if (u_mode != 0 && (r > 1.0 || (u_mode == 2 && r < 0.72))) discard;
  colour = vec4(u_colour.rgb * u_colour.a, u_colour.a);  // premultiplied, as the panel
}`;

/** Sizes (metres) and colours (straight RGBA; the shader premultiplies) of what is drawn. */
export const LOOK = Object.freeze({
  rayWidth: 0.005, rayColour: [0.35, 0.85, 1, 1], hitRadius: 0.012, hitColour: [1, 1, 1, 1],
  arcWidth: 0.012, arcOk: [0.25, 0.9, 0.35, 1], arcNo: [0.95, 0.25, 0.2, 1],
  markerRadius: 0.03, ringRadius: 0.048, markerColour: [1, 0.78, 0.25, 1],
});

/** The label panel: canvas pixels, size in the world, and where it stands from the head. */
export const PANEL = Object.freeze({
  width: 1024, height: 640, metres: 0.6, distance: 1.2, margin: 56,
  font: '"Noto Sans CJK SC","PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",system-ui,sans-serif',
  titleSize: 64, textSize: 34, leading: 1.3,
});

const FIELDS = ['date', 'medium', 'dimensions'];
const FIELD_NAMES = {
  zh: { date: '年代', medium: '材质', dimensions: '尺寸', colon: '：' },
  en: { date: 'Date', medium: 'Medium', dimensions: 'Dimensions', colon: ': ' },
};

function compile(gl, kind, text, name) {
  const shader = gl.createShader(kind);
  gl.shaderSource(shader, text);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) {
    throw new Error(`museion: the world's ${name} shader did not compile: ${gl.getShaderInfoLog(shader)}`);
  }
  return shader;
}

function link(gl) {
  const made = gl.createProgram();
  gl.attachShader(made, compile(gl, gl.VERTEX_SHADER, VERTEX, 'vertex'));
  gl.attachShader(made, compile(gl, gl.FRAGMENT_SHADER, FRAGMENT, 'fragment'));
  gl.linkProgram(made);
  if (!gl.getProgramParameter(made, gl.LINK_STATUS)) {
    throw new Error(`museion: the world's shaders did not link: ${gl.getProgramInfoLog(made)}`);
  }
  return made;
}

const sub = (a, b) => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const add = (a, b, s = 1) => [a[0] + b[0] * s, a[1] + b[1] * s, a[2] + b[2] * s];
const cross = (a, b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const unit = (v) => {
  const size = Math.hypot(v[0], v[1], v[2]);
  return size > 1e-9 ? v.map((c) => c / size) : null;
};
/** A point or a direction as [x, y, z], from an array or a DOMPoint-like object. */
const xyz = (p) => (Array.isArray(p) || ArrayBuffer.isView(p) ? [p[0], p[1], p[2]] : [p.x, p.y, p.z]);
const xyzw = (q) => (Array.isArray(q) || ArrayBuffer.isView(q) ? [q[0], q[1], q[2], q[3]] : [q.x, q.y, q.z, q.w]);

/** The eye's position, right and up in the world, from its view (world -> eye) matrix. */
function eyeFrame(view) {
  const t = [view[12], view[13], view[14]];
  const position = [0, 1, 2].map((i) => -(view[4 * i] * t[0] + view[4 * i + 1] * t[1] + view[4 * i + 2] * t[2]));
  return { position, right: [view[0], view[4], view[8]], up: [view[1], view[5], view[9]] };
}

/** A ribbon `width` wide along `points`, turned to face the eye: triangle-strip vertices. */
function ribbon(points, width, eye) {
  const out = [];
  points.forEach((p, i) => {
    const tangent = sub(points[Math.min(i + 1, points.length - 1)], points[Math.max(i - 1, 0)]);
    const side = unit(cross(tangent, sub(eye.position, p))) ?? eye.right;
    out.push(...add(p, side, -width / 2), 0, 0.5, ...add(p, side, width / 2), 1, 0.5);
  });
  return out;
}

/** A square of half-size `radius` at `centre` facing the eye, uv 0..1 across it. */
function billboard(centre, radius, eye) {
  const corner = (sx, sy) => add(add(centre, eye.right, sx * radius), eye.up, sy * radius);
  return [
    ...corner(-1, -1), 0, 0, ...corner(1, -1), 1, 0,
    ...corner(-1, 1), 0, 1, ...corner(1, 1), 1, 1,
  ];
}

/** The drawing over the video: `draw(eye, scene)` once per eye, its viewport already set. */
export function createWorld(gl) {
  const shader = link(gl);
  const where = (name) => gl.getUniformLocation(shader, name);
  const u = {
    projection: where('u_projection'), view: where('u_view'), mode: where('u_mode'),
    colour: where('u_colour'), texture: where('u_texture'),
  };
  const buffer = gl.createBuffer();
  const vao = gl.createVertexArray();
  gl.bindVertexArray(vao);
  gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
  for (const [name, size, offset] of [['a_position', 3, 0], ['a_uv', 2, 12]]) {
    const at = gl.getAttribLocation(shader, name);
    gl.enableVertexAttribArray(at);
    gl.vertexAttribPointer(at, size, gl.FLOAT, false, 20, offset);
  }
  gl.bindVertexArray(null);

  function strip(vertices, mode, colour) {
    if (vertices.length < 15) return;
    gl.uniform1i(u.mode, mode);
    gl.uniform4fv(u.colour, colour);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array(vertices), gl.STREAM_DRAW);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, vertices.length / 5);
  }

  function drawPanel(panel) {
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, panel.texture);
    gl.uniform1i(u.texture, 0);
    gl.uniform1i(u.mode, 3);
    const [topLeft, topRight, bottomLeft, bottomRight] = panel.corners;
    const vertices = [...bottomLeft, 0, 1, ...bottomRight, 1, 1, ...topLeft, 0, 0, ...topRight, 1, 0];
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array(vertices), gl.STREAM_DRAW);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
  }

  /**
   * Draw `scene` for one eye: `eye = {projection, view}` (Float32Array(16) each: the
   * XRView's projectionMatrix and transform.inverse.matrix); `scene = {rays: [{origin,
   * direction, length}], arc: {points, ok} | null, markers: [{position, active}], panel}`
   * (the panel from createPanel, drawn when visible).  The GL state it changes (program,
   * vertex array, buffer, blending, depth test, texture 0) is put back as it found it.
   */
  function draw(eye, scene) {
    const kept = {
      program: gl.getParameter(gl.CURRENT_PROGRAM), vao: gl.getParameter(gl.VERTEX_ARRAY_BINDING),
      buffer: gl.getParameter(gl.ARRAY_BUFFER_BINDING), blend: gl.isEnabled(gl.BLEND),
      depth: gl.isEnabled(gl.DEPTH_TEST), unit: gl.getParameter(gl.ACTIVE_TEXTURE),
    };
    gl.activeTexture(gl.TEXTURE0);
    kept.texture = gl.getParameter(gl.TEXTURE_BINDING_2D);
    gl.useProgram(shader);
    gl.bindVertexArray(vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
    gl.disable(gl.DEPTH_TEST);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    gl.uniformMatrix4fv(u.projection, false, eye.projection);
    gl.uniformMatrix4fv(u.view, false, eye.view);
    const frame = eyeFrame(eye.view);

    if (scene.arc && scene.arc.points.length > 1) {
      strip(ribbon(scene.arc.points, LOOK.arcWidth, frame), 0, scene.arc.ok ? LOOK.arcOk : LOOK.arcNo);
    }
    for (const ray of scene.rays ?? []) {
      const origin = xyz(ray.origin);
      const end = add(origin, xyz(ray.direction), ray.length);
      strip(ribbon([origin, end], LOOK.rayWidth, frame), 0, LOOK.rayColour);
      strip(billboard(end, LOOK.hitRadius, frame), 1, LOOK.hitColour);
    }
    for (const marker of scene.markers ?? []) {
      const position = xyz(marker.position);
      strip(billboard(position, LOOK.markerRadius, frame), 1, LOOK.markerColour);
      if (marker.active) strip(billboard(position, LOOK.ringRadius, frame), 2, LOOK.markerColour);
    }
    if (scene.panel && scene.panel.visible) drawPanel(scene.panel);

    gl.bindTexture(gl.TEXTURE_2D, kept.texture);
    gl.activeTexture(kept.unit);
    if (!kept.blend) gl.disable(gl.BLEND);
    if (kept.depth) gl.enable(gl.DEPTH_TEST);
    gl.bindVertexArray(kept.vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, kept.buffer);
    gl.useProgram(kept.program);
  }

  return { draw };
}

const CJK = /[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]/u;
const CLOSING = /^[，。、；：！？）」』》”’]$/u;  // never at a line's start: it hangs instead

/**
 * `text` broken into lines no wider than `width` by `measure(text)`: latin text at spaces
 * (a word longer than a line by characters), CJK at any character, as Chinese is set.
 */
export function wrapText(text, width, measure) {
  const tokens = String(text).match(/[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|\s+|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+/gu) ?? [];
  const lines = [];
  let line = '';
  const push = () => { if (line.trim()) lines.push(line.trim()); line = ''; };
  for (const token of tokens) {
    if (measure(line + token) <= width || (line && CLOSING.test(token))) { line += token; continue; }
    if (/^\s+$/u.test(token)) { push(); continue; }
    push();
    if (measure(token) <= width || CJK.test(token)) { line = token; continue; }
    for (const char of token) {  // a word wider than the line: by characters
      if (measure(line + char) > width) push();
      line += char;
    }
  }
  push();
  return lines;
}

/** A quaternion's turn of the local -Z (where the head looks). */
function forwardOf([x, y, z, w]) {
  return [-(2 * (x * z + y * w)), -(2 * (y * z - x * w)), -(1 - 2 * (x * x + y * y))];
}

/**
 * The label panel: `show(label, language, fallback, pose)` draws the picked exhibit's label
 * (`label.metadata` as the server's `picked` message has it) onto a canvas and stands it
 * PANEL.distance in front of `pose` (the viewer's `{position, orientation}`, arrays or
 * DOMPoints) at eye height, facing the head; `hide()` puts it away.  `lines` is the text
 * drawn, title first; `visible` whether it shows.
 */
export function createPanel(gl) {
  const canvas = typeof OffscreenCanvas === 'function'
    ? new OffscreenCanvas(PANEL.width, PANEL.height)
    : Object.assign(document.createElement('canvas'), { width: PANEL.width, height: PANEL.height });
  const paint = canvas.getContext('2d');
  const texture = gl.createTexture();
  const anisotropy = gl.getExtension('EXT_texture_filter_anisotropic');
  const state = { visible: false, lines: [], corners: null };

  function render(label, language, fallback) {
    const { width, height, margin, font, titleSize, textSize, leading } = PANEL;
    const t = (map) => pickText(map, language, fallback);
    const meta = (label && label.metadata) || {};
    paint.clearRect(0, 0, width, height);
    paint.fillStyle = 'rgba(18, 20, 26, 0.94)';
    paint.beginPath();
    paint.roundRect(0, 0, width, height, 36);
    paint.fill();
    paint.textBaseline = 'top';
    const lines = [];
    let y = margin;
    const write = (text, size, colour, weight, most) => {
      paint.font = `${weight} ${size}px ${font}`;
      paint.fillStyle = colour;
      const wrapped = wrapText(text, width - 2 * margin, (s) => paint.measureText(s).width);
      const room = Math.floor((height - margin - y) / (size * leading));
      const shown = wrapped.slice(0, Math.max(0, Math.min(most, room)));
      if (shown.length < wrapped.length && shown.length) shown[shown.length - 1] += '…';
      for (const line of shown) {
        paint.fillText(line, margin, y);
        lines.push(line);
        y += size * leading;
      }
    };
    write(t(meta.title), titleSize, '#ffffff', 'bold', 2);
    y += textSize * 0.4;
    const names = FIELD_NAMES[language.split('-')[0]] ?? FIELD_NAMES.en;
    for (const field of FIELDS) {
      const text = t(meta[field]);
      if (text) write(`${names[field]}${names.colon}${text}`, textSize, '#c8ccd4', 'normal', 2);
    }
    y += textSize * 0.4;
    write(t(meta.description), textSize, '#eef0f4', 'normal', Infinity);
    return lines;
  }

  function upload() {
    gl.activeTexture(gl.TEXTURE0);
    const kept = gl.getParameter(gl.TEXTURE_BINDING_2D);
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, true);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, gl.RGBA, gl.UNSIGNED_BYTE, canvas);
    gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, false);
    gl.generateMipmap(gl.TEXTURE_2D);  // small text stays crisp seen from afar or askew
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR_MIPMAP_LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    if (anisotropy) gl.texParameterf(gl.TEXTURE_2D, anisotropy.TEXTURE_MAX_ANISOTROPY_EXT, 8);
    gl.bindTexture(gl.TEXTURE_2D, kept);
  }

  /** The panel's corners (top left, top right, bottom left, bottom right) before `pose`. */
  function place(pose) {
    const head = xyz(pose.position);
    const look = forwardOf(xyzw(pose.orientation));
    const ahead = unit([look[0], 0, look[2]]) ?? [0, 0, -1];  // level: only the heading
    const centre = add(head, ahead, PANEL.distance);
    const right = [-ahead[2], 0, ahead[0]];
    const halfWidth = PANEL.metres / 2;
    const halfHeight = (halfWidth * PANEL.height) / PANEL.width;
    const corner = (sx, sy) => add(add(centre, right, sx * halfWidth), [0, 1, 0], sy * halfHeight);
    return [corner(-1, 1), corner(1, 1), corner(-1, -1), corner(1, -1)];
  }

  return {
    show(label, language, fallback, pose) {
      state.lines = render(label, language, fallback);
      upload();
      state.corners = place(pose);
      state.visible = true;
    },
    hide() { state.visible = false; },
    get lines() { return state.lines.slice(); },
    get visible() { return state.visible; },
    get corners() { return state.corners; },
    texture,
  };
}
