// Rotational timewarp for the headset: each display frame, each eye's half of the newest
// decoded video is drawn re-projected from the head pose it was rendered with to the pose
// of this display frame, so head turns show at the display's rate while the video comes at
// its own.  For a display pixel the shader unprojects it with the display projection,
// turns the ray by R = R_rendered⁻¹ · R_display, and projects it with the (wider, over-
// rendered) projection the server used: the homography K_r · R · K_d⁻¹.  Outside the
// rendered picture, and as a stream stalls, it fades to a neutral room colour: never a
// frozen image glued to the face.  The maths is plain functions (tested in Node); the
// WebGL part is createReprojector.

/** A turn about +y (up) by `degrees` (positive: left), as a quaternion [x, y, z, w]. */
export function yawQuaternion(degrees) {
  const half = (degrees * Math.PI) / 360;
  return [0, Math.sin(half), 0, Math.cos(half)];
}

/** The product a · b of two quaternions [x, y, z, w] (b first, then a). */
export function quatMultiply(a, b) {
  const [ax, ay, az, aw] = a;
  const [bx, by, bz, bw] = b;
  return [
    aw * bx + ax * bw + ay * bz - az * by,
    aw * by - ax * bz + ay * bw + az * bx,
    aw * bz + ax * by - ay * bx + az * bw,
    aw * bw - ax * bx - ay * by - az * bz,
  ];
}

/** The rotation matrix (3x3, column-major) of a unit quaternion [x, y, z, w]. */
export function rotation([x, y, z, w]) {
  return [
    1 - 2 * (y * y + z * z), 2 * (x * y + z * w), 2 * (x * z - y * w),
    2 * (x * y - z * w), 1 - 2 * (x * x + z * z), 2 * (y * z + x * w),
    2 * (x * z + y * w), 2 * (y * z - x * w), 1 - 2 * (x * x + y * y),
  ];
}

/** `a · b` of two 3x3 column-major matrices. */
export function multiply3(a, b) {
  const out = new Array(9).fill(0);
  for (let col = 0; col < 3; col += 1) {
    for (let row = 0; row < 3; row += 1) {
      for (let k = 0; k < 3; k += 1) out[col * 3 + row] += a[k * 3 + row] * b[col * 3 + k];
    }
  }
  return out;
}

/** The transpose (for a rotation: its inverse). */
export function transpose3(m) {
  return [m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8]];
}

/** The inverse of a 4x4 column-major matrix, or null when it has none. */
export function invert4(m) {
  const inv = new Array(16);
  inv[0] = m[5] * m[10] * m[15] - m[5] * m[11] * m[14] - m[9] * m[6] * m[15] + m[9] * m[7] * m[14] + m[13] * m[6] * m[11] - m[13] * m[7] * m[10];
  inv[4] = -m[4] * m[10] * m[15] + m[4] * m[11] * m[14] + m[8] * m[6] * m[15] - m[8] * m[7] * m[14] - m[12] * m[6] * m[11] + m[12] * m[7] * m[10];
  inv[8] = m[4] * m[9] * m[15] - m[4] * m[11] * m[13] - m[8] * m[5] * m[15] + m[8] * m[7] * m[13] + m[12] * m[5] * m[11] - m[12] * m[7] * m[9];
  inv[12] = -m[4] * m[9] * m[14] + m[4] * m[10] * m[13] + m[8] * m[5] * m[14] - m[8] * m[6] * m[13] - m[12] * m[5] * m[10] + m[12] * m[6] * m[9];
  inv[1] = -m[1] * m[10] * m[15] + m[1] * m[11] * m[14] + m[9] * m[2] * m[15] - m[9] * m[3] * m[14] - m[13] * m[2] * m[11] + m[13] * m[3] * m[10];
  inv[5] = m[0] * m[10] * m[15] - m[0] * m[11] * m[14] - m[8] * m[2] * m[15] + m[8] * m[3] * m[14] + m[12] * m[2] * m[11] - m[12] * m[3] * m[10];
  inv[9] = -m[0] * m[9] * m[15] + m[0] * m[11] * m[13] + m[8] * m[1] * m[15] - m[8] * m[3] * m[13] - m[12] * m[1] * m[11] + m[12] * m[3] * m[9];
  inv[13] = m[0] * m[9] * m[14] - m[0] * m[10] * m[13] - m[8] * m[1] * m[14] + m[8] * m[2] * m[13] + m[12] * m[1] * m[10] - m[12] * m[2] * m[9];
  inv[2] = m[1] * m[6] * m[15] - m[1] * m[7] * m[14] - m[5] * m[2] * m[15] + m[5] * m[3] * m[14] + m[13] * m[2] * m[7] - m[13] * m[3] * m[6];
  inv[6] = -m[0] * m[6] * m[15] + m[0] * m[7] * m[14] + m[4] * m[2] * m[15] - m[4] * m[3] * m[14] - m[12] * m[2] * m[7] + m[12] * m[3] * m[6];
  inv[10] = m[0] * m[5] * m[15] - m[0] * m[7] * m[13] - m[4] * m[1] * m[15] + m[4] * m[3] * m[13] + m[12] * m[1] * m[7] - m[12] * m[3] * m[5];
  inv[14] = -m[0] * m[5] * m[14] + m[0] * m[6] * m[13] + m[4] * m[1] * m[14] - m[4] * m[2] * m[13] - m[12] * m[1] * m[6] + m[12] * m[2] * m[5];
  inv[3] = -m[1] * m[6] * m[11] + m[1] * m[7] * m[10] + m[5] * m[2] * m[11] - m[5] * m[3] * m[10] - m[9] * m[2] * m[7] + m[9] * m[3] * m[6];
  inv[7] = m[0] * m[6] * m[11] - m[0] * m[7] * m[10] - m[4] * m[2] * m[11] + m[4] * m[3] * m[10] + m[8] * m[2] * m[7] - m[8] * m[3] * m[6];
  inv[11] = -m[0] * m[5] * m[11] + m[0] * m[7] * m[9] + m[4] * m[1] * m[11] - m[4] * m[3] * m[9] - m[8] * m[1] * m[7] + m[8] * m[3] * m[5];
  inv[15] = m[0] * m[5] * m[10] - m[0] * m[6] * m[9] - m[4] * m[1] * m[10] + m[4] * m[2] * m[9] + m[8] * m[1] * m[6] - m[8] * m[2] * m[5];
  const det = m[0] * inv[0] + m[1] * inv[4] + m[2] * inv[8] + m[3] * inv[12];
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) return null;
  return inv.map((v) => v / det);
}

/** The ray turn from the display pose to the rendered one: R_rendered⁻¹ · R_display. */
export function warp(renderedOrientation, displayOrientation) {
  return multiply3(transpose3(rotation(renderedOrientation)), rotation(displayOrientation));
}

/**
 * Where a display point (NDC, -1..1) samples the rendered eye picture (0..1 each way), or
 * null when it falls outside it: the shader's sums, for tests and for the page's checks.
 */
export function sample(ndc, inverseDisplay, turn, renderedProjection) {
  const [x, y] = ndc;
  // The near plane's point (z = -1 in NDC): finite even for an infinite far plane.
  const v = [0, 1, 2, 3].map((r) => inverseDisplay[r] * x + inverseDisplay[4 + r] * y
    - inverseDisplay[8 + r] + inverseDisplay[12 + r]);
  const ray = [v[0] / v[3], v[1] / v[3], v[2] / v[3]];
  const d = [0, 1, 2].map((r) => turn[r] * ray[0] + turn[3 + r] * ray[1] + turn[6 + r] * ray[2]);
  const p = renderedProjection;
  const cx = p[0] * d[0] + p[4] * d[1] + p[8] * d[2] + p[12];
  const cy = p[1] * d[0] + p[5] * d[1] + p[9] * d[2] + p[13];
  const cw = p[3] * d[0] + p[7] * d[1] + p[11] * d[2] + p[15];
  if (cw <= 0) return null;  // behind the rendered eye
  const u = (cx / cw) * 0.5 + 0.5;
  const w = (cy / cw) * 0.5 + 0.5;
  return u < 0 || u > 1 || w < 0 || w > 1 ? null : [u, w];
}

const VERTEX = `#version 300 es
in vec2 corner;
out vec2 ndc;
void main() { ndc = corner; gl_Position = vec4(corner, 0.0, 1.0); }`;

const FRAGMENT = `#version 300 es
precision highp float;
in vec2 ndc;
uniform sampler2D video;
uniform mat4 inverseDisplay;
uniform mat3 turn;
uniform mat4 renderedProjection;
uniform float side;      // 0: the left eye's half of the video, 1: the right's
uniform float fresh;     // 1: a new picture, 0: the stream has stalled
uniform vec3 room;       // the neutral colour a stall fades to
out vec4 colour;
void main() {
  vec4 v = inverseDisplay * vec4(ndc, -1.0, 1.0);  // the near plane: finite for any far
  vec3 ray = turn * (v.xyz / v.w);
  vec4 c = renderedProjection * vec4(ray, 1.0);
  vec2 uv = c.xy / c.w * 0.5 + 0.5;
  bool inside = c.w > 0.0 && all(greaterThanEqual(uv, vec2(0.0))) && all(lessThanEqual(uv, vec2(1.0)));
  vec3 seen = inside ? texture(video, vec2((uv.x + side) * 0.5, 1.0 - uv.y)).rgb : room;
  colour = vec4(mix(room, seen, fresh), 1.0);
}`;

function compile(gl, kind, source) {
  const shader = gl.createShader(kind);
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) {
    throw new Error(`reprojection shader: ${gl.getShaderInfoLog(shader)}`);
  }
  return shader;
}

/**
 * The timewarp on a WebGL2 context: `upload(video)` takes the newest decoded picture as a
 * texture; `draw(viewport, eye)` draws one eye, where `eye` = {half, displayProjection,
 * displayOrientation, renderedProjection, renderedOrientation, fresh}.
 */
export function createReprojector(gl, room = [0.42, 0.41, 0.39]) {
  const program = gl.createProgram();
  gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, VERTEX));
  gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, FRAGMENT));
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) {
    throw new Error(`reprojection program: ${gl.getProgramInfoLog(program)}`);
  }
  const at = (name) => gl.getUniformLocation(program, name);
  const quad = gl.createBuffer();
  gl.bindBuffer(gl.ARRAY_BUFFER, quad);
  gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);
  const vao = gl.createVertexArray();
  gl.bindVertexArray(vao);
  const corner = gl.getAttribLocation(program, 'corner');
  gl.enableVertexAttribArray(corner);
  gl.vertexAttribPointer(corner, 2, gl.FLOAT, false, 0, 0);
  const texture = gl.createTexture();
  gl.bindTexture(gl.TEXTURE_2D, texture);
  for (const [key, value] of [[gl.TEXTURE_MIN_FILTER, gl.LINEAR], [gl.TEXTURE_MAG_FILTER, gl.LINEAR],
    [gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE], [gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE]]) {
    gl.texParameteri(gl.TEXTURE_2D, key, value);
  }
  return {
    upload(video) {
      gl.bindTexture(gl.TEXTURE_2D, texture);
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGB, gl.RGB, gl.UNSIGNED_BYTE, video);
    },
    draw(viewport, eye) {
      const inverse = invert4(eye.displayProjection);
      if (!inverse) return;
      gl.viewport(viewport.x, viewport.y, viewport.width, viewport.height);
      gl.useProgram(program);
      gl.bindVertexArray(vao);
      gl.activeTexture(gl.TEXTURE0);
      gl.bindTexture(gl.TEXTURE_2D, texture);
      gl.uniform1i(at('video'), 0);
      gl.uniformMatrix4fv(at('inverseDisplay'), false, inverse);
      gl.uniformMatrix3fv(at('turn'), false, warp(eye.renderedOrientation, eye.displayOrientation));
      gl.uniformMatrix4fv(at('renderedProjection'), false, eye.renderedProjection);
      gl.uniform1f(at('side'), eye.half);
      gl.uniform1f(at('fresh'), eye.fresh);
      gl.uniform3fv(at('room'), room);
      gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    },
  };
}
