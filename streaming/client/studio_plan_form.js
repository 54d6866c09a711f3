// The floor plan's form: the lights as a list (an ambient light has no place on the plan)
// and the chosen item's fields: a light's type, colour, intensity, height and, directional,
// its azimuth and elevation; the spawn's heading and eye height; a corner's x and z.
// Degrees throughout; azimuth as the spawn's yaw (0 faces -Z, positive turns left).
import { w } from '/static/studio_words.js';

// A new light's intensity by type (the document's units; the house key light is 3).
const DEFAULT_INTENSITY = { point: 50, spot: 200, directional: 3, ambient: 1 };
const round3 = (v) => Math.round(v * 1000) / 1000;
const deg = (rad) => (rad * 180) / Math.PI;
const rad = (d) => (d * Math.PI) / 180;

/** '#rrggbb' from the document's 0..1 RGB, and back (three decimals). */
export function toHex(color) {
  return `#${(color || [1, 1, 1]).map((v) => Math.round(Math.min(1, Math.max(0, v)) * 255).toString(16).padStart(2, '0')).join('')}`;
}
export function fromHex(hex) {
  return [1, 3, 5].map((i) => round3(parseInt(hex.slice(i, i + 2), 16) / 255));
}

/** A light's travel direction from azimuth and elevation (degrees below the horizon). */
export function direction(azimuth, elevation) {
  const a = rad(azimuth);
  const e = rad(elevation);
  return [round3(-Math.sin(a) * Math.cos(e)), round3(-Math.sin(e)), round3(-Math.cos(a) * Math.cos(e))];
}
export function angles(dir) {
  const [x, y, z] = dir || [0, -1, 0];
  const length = Math.hypot(x, y, z) || 1;
  return { azimuth: Math.round(deg(Math.atan2(-x, -z))), elevation: Math.round(deg(Math.asin(-y / length))) };
}

function numberField(id, label, value, attrs, onChange) {
  const wrap = document.createElement('label');
  wrap.className = 'field';
  const span = document.createElement('span');
  span.textContent = label;
  const input = document.createElement('input');
  input.id = id;
  input.type = 'number';
  Object.assign(input, attrs);
  input.value = String(value);
  input.addEventListener('input', () => {
    const v = Number(input.value);
    const bad = input.value === '' || !Number.isFinite(v) || (attrs.min !== undefined && v < attrs.min) || (attrs.max !== undefined && v > attrs.max);
    input.setAttribute('aria-invalid', String(bad));
    if (!bad) onChange(v);
  });
  wrap.append(span, input);
  return wrap;
}

function button(id, text, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'button';
  b.id = id;
  b.textContent = text;
  b.addEventListener('click', onClick);
  return b;
}

/** `list` gets a button per light, `box` the chosen item's fields; `plan` is the plan. */
export function createPlanForm({ list, box, history, plan }) {
  const s = { shape: '' };

  function editLight(index, fn, key) {
    history.change((doc) => { const light = (doc.lights || [])[index]; if (light) fn(light, doc); }, key);
  }

  function lightFields(light, index) {
    const parts = [];
    const typeLabel = document.createElement('label');
    typeLabel.className = 'field';
    typeLabel.textContent = w('lightType');
    const type = document.createElement('select');
    type.id = 'light-type';
    for (const t of ['point', 'spot', 'directional', 'ambient']) {
      const option = document.createElement('option');
      option.value = t;
      option.textContent = w(`light.${t}`);
      type.append(option);
    }
    type.value = light.type;
    type.addEventListener('change', () => editLight(index, (l, doc) => {
      if (l.intensity === DEFAULT_INTENSITY[l.type]) l.intensity = DEFAULT_INTENSITY[type.value];
      l.type = type.value;
      if (l.type === 'directional') l.direction = l.direction || direction(0, 45);
      else if (l.type === 'spot') l.direction = l.direction || direction(0, 90); // straight down
      else delete l.direction;
      if (l.type !== 'spot') { delete l.inner_cone; delete l.outer_cone; }
      if (l.type !== 'ambient' && !l.position) {
        const at = doc.spawn?.position || [0, 0, 0];
        l.position = [at[0], 3, at[2]];
      }
    }));
    typeLabel.append(type);
    parts.push(typeLabel);

    const colourLabel = document.createElement('label');
    colourLabel.className = 'field';
    colourLabel.textContent = w('colour');
    const colour = document.createElement('input');
    colour.id = 'light-color';
    colour.type = 'color';
    colour.value = toHex(light.color);
    colour.addEventListener('input', () => editLight(index, (l) => { l.color = fromHex(colour.value); }, `light:${index}:color`));
    colourLabel.append(colour);
    parts.push(colourLabel);

    parts.push(numberField('light-intensity', w('intensity'), light.intensity ?? 1, { min: 0, max: 1e5, step: 0.1 },
      (v) => editLight(index, (l) => { l.intensity = v; }, `light:${index}:intensity`)));
    if (light.position) {
      parts.push(numberField('light-height', w('height'), light.position[1], { min: -1e6, max: 1e6, step: 0.1 },
        (v) => editLight(index, (l) => { l.position = [l.position[0], v, l.position[2]]; }, `light:${index}:height`)));
    }
    if (light.type === 'directional' || light.type === 'spot') {
      const now = angles(light.direction);
      const setAngle = (part) => (v) => editLight(index, (l) => {
        const a = { ...angles(l.direction), [part]: v };
        l.direction = direction(a.azimuth, a.elevation);
      }, `light:${index}:${part}`);
      parts.push(numberField('light-azimuth', w('azimuth'), now.azimuth, { min: -360, max: 360, step: 5 }, setAngle('azimuth')));
      parts.push(numberField('light-elevation', w('elevation'), now.elevation, { min: -90, max: 90, step: 5 }, setAngle('elevation')));
    }
    if (light.type === 'spot') {
      // glTF's smooth cone, half-angles in degrees (the document's defaults: 0 and 45).
      parts.push(numberField('light-inner-cone', w('innerCone'), light.inner_cone ?? 0, { min: 0, max: 89, step: 1 },
        (v) => editLight(index, (l) => { l.inner_cone = v; }, `light:${index}:inner`)));
      parts.push(numberField('light-outer-cone', w('outerCone'), light.outer_cone ?? 45, { min: 1, max: 90, step: 1 },
        (v) => editLight(index, (l) => { l.outer_cone = v; }, `light:${index}:outer`)));
    }
    // What the renderer makes of it (runtime/lighting.py): say so rather than let it puzzle.
    // Point lights are drawn (each view the few strongest where it looks); a second
    // directional light is not.
    const first = (history.doc.lights || []).findIndex((l) => l.type === 'directional');
    const note = light.type === 'directional' && first !== index ? 'keyOnly' : '';
    if (note) {
      const p = document.createElement('p');
      p.className = 'hint';
      p.id = 'light-note';
      p.textContent = w(note);
      parts.push(p);
    }
    parts.push(button('light-remove', w('remove'), () => plan.remove({ kind: 'light', index })));
    return parts;
  }

  function spawnFields(spawn) {
    return [
      numberField('spawn-yaw', w('heading'), spawn.yaw ?? 0, { min: -360, max: 360, step: 5 },
        (v) => history.change((doc) => { doc.spawn.yaw = v; }, 'spawn:yaw')),
      numberField('spawn-height', w('eyeHeight'), spawn.position[1], { min: 0, max: 10, step: 0.05 },
        (v) => history.change((doc) => { doc.spawn.position = [doc.spawn.position[0], v, doc.spawn.position[2]]; }, 'spawn:height')),
    ];
  }

  function cornerFields(corner, index) {
    const set = (axis) => (v) => plan.moveCorner(index, axis ? [corner[0], v] : [v, corner[1]]);
    return [
      numberField('corner-x', 'x', corner[0], { min: -1e6, max: 1e6, step: 0.1 }, set(0)),
      numberField('corner-z', 'z', corner[1], { min: -1e6, max: 1e6, step: 0.1 }, set(1)),
      button('corner-remove', w('remove'), () => plan.remove({ kind: 'corner', index })),
    ];
  }

  function renderList(doc) {
    const chosen = plan.item;
    list.replaceChildren(...(doc.lights || []).map((light, i) => {
      const li = document.createElement('li');
      const b = button(`light-${i}`, `${w('light')} ${i + 1} · ${w(`light.${light.type}`)}`, () => plan.choose({ kind: 'light', index: i }));
      b.dataset.light = String(i);
      b.setAttribute('aria-pressed', String(chosen?.kind === 'light' && chosen.index === i));
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = toHex(light.color);
      b.prepend(swatch);
      li.append(b);
      return li;
    }));
  }

  /** After any change: rebuild the fields only when their shape changed (keeps focus). */
  function render(doc) {
    if (!doc) return;
    renderList(doc);
    const item = plan.item;
    const light = item?.kind === 'light' ? (doc.lights || [])[item.index] : null;
    const shape = JSON.stringify([item, (doc.lights || []).map((l) => l.type), Boolean(light?.position)]);
    if (shape === s.shape && box.contains(document.activeElement)) return;
    s.shape = shape;
    let parts = [];
    if (light) parts = lightFields(light, item.index);
    else if (item?.kind === 'spawn' && doc.spawn) parts = spawnFields(doc.spawn);
    else if (item?.kind === 'corner' && doc.walkable?.[item.index]) parts = cornerFields(doc.walkable[item.index], item.index);
    if (parts.length) {
      const heading = document.createElement('h4');
      heading.textContent = item.kind === 'light' ? `${w('light')} ${item.index + 1}` : w(item.kind);
      parts.unshift(heading);
    }
    box.replaceChildren(...parts);
  }

  return { render };
}
