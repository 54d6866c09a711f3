// Versions, publish and restore, the changes between two versions told in sentences, and
// the audit trail (with its JSON-lines export).
import { ApiError, api } from '/static/studio_api.js';
import { w } from '/static/studio_words.js';

const show = (v) => (typeof v === 'string' ? `"${v}"` : JSON.stringify(v));

/** The value at an RFC 6901 pointer in `doc`, or undefined. */
function at(doc, pointer) {
  if (!pointer) return doc;
  return pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((v, key) => (v == null ? undefined : v[key]), doc);
}

/**
 * One sentence for one patch operation: `before` is the document the patch starts from
 * (to name exhibits and say what a value was), `old` the value there before.
 */
export function describe(op, before, old) {
  const parts = op.path.split('/').slice(1);
  let who = '';
  let rest = parts;
  if (parts[0] === 'exhibits' && parts.length > 1) {
    const exhibit = at(before, `/exhibits/${parts[1]}`);
    who = `exhibit '${(exhibit && exhibit.id) || (op.value && op.value.id) || parts[1]}'`;
    rest = parts.slice(2);
    if (!rest.length) return `${who} ${op.op === 'add' ? 'added' : op.op === 'remove' ? 'removed' : 'replaced'}`;
    if (rest[0] === 'transform') {
      const verb = { translation: 'moved', rotation: 'turned', scale: 'resized' }[rest[1]] || 'moved';
      return `${who} ${verb}`;
    }
    if (rest[0] === 'metadata') rest = rest.slice(1);
    if (rest[0] === 'hotspots') return `${who}: hotspot ${op.op === 'add' ? 'added' : op.op === 'remove' ? 'removed' : 'changed'}`;
  } else if (['lights', 'walkable', 'spawn', 'stage_screens', 'tours'].includes(parts[0])) {
    return `${parts[0].replace('_', ' ')} changed`;
  }
  const what = rest.length >= 2 ? `${rest[0]} (${rest[1]})` : rest[0] || 'document';
  const subject = who ? `${what} of ${who}` : what;
  if (op.op === 'add') return `${subject} set to ${show(op.value)}`;
  if (op.op === 'remove') return `${subject} removed${old !== undefined ? ` (was ${show(old)})` : ''}`;
  if (op.op === 'replace') return old !== undefined ? `${subject} changed from ${show(old)} to ${show(op.value)}` : `${subject} changed to ${show(op.value)}`;
  return `${subject}: ${op.op}`;
}

/** Sentences for `from` → `to`, the same change said once (a move is many numbers). */
export async function readableDiff(id, from, to, draftDoc) {
  const forward = (await api.diff(id, from, to)).body.patch || [];
  // The reverse patch carries the values before; with the draft it rebuilds names.
  const backward = (await api.diff(id, to, from)).body.patch || [];
  const olds = new Map(backward.filter((op) => 'value' in op).map((op) => [op.path, op.value]));
  const before = from === 'draft' ? draftDoc : (to === 'draft' ? draftDoc : null);
  const lines = forward.map((op) => describe(op, before, olds.get(op.path)));
  return [...new Set(lines)];
}

export function createVersions({ list, diffBox, fromSelect, toSelect, auditList, exportLink, publishButton, history, role, problem, notice, onRestored }) {
  const canPublish = () => role() === 'publisher';

  async function refresh() {
    const id = history.id;
    if (!id) return;
    try {
      const versions = (await api.versions(id)).body.versions || [];
      list.replaceChildren(...versions.map((v) => {
        const li = document.createElement('li');
        li.dataset.version = v.id;
        li.textContent = `${v.id.slice(0, 12)} · ${v.published_at} · ${v.published_by}${v.summary ? ` · ${v.summary}` : ''}${v.live ? ` · ${w('live')}` : ''}`;
        if (!v.live && canPublish()) {
          const b = document.createElement('button');
          b.type = 'button';
          b.className = 'button';
          b.textContent = w('restore');
          b.dataset.role = 'restore';
          b.addEventListener('click', () => restore(v.id));
          li.append(' ', b);
        }
        return li;
      }));
      const options = [['draft', 'draft'], ['live', 'live'], ...versions.map((v) => [v.id, v.id.slice(0, 12)])];
      for (const select of [fromSelect, toSelect]) {
        const keep = select.value;
        select.replaceChildren(...options.map(([value, text]) => { const o = document.createElement('option'); o.value = value; o.textContent = text; return o; }));
        select.value = options.some(([v]) => v === keep) ? keep : (select === fromSelect ? 'live' : 'draft');
      }
      const audit = (await api.audit(id)).body.audit || [];
      auditList.replaceChildren(...audit.map((entry) => {
        const li = document.createElement('li');
        li.textContent = `${entry.when} · ${entry.who} · ${entry.action}${entry.version ? ` · ${String(entry.version).slice(0, 12)}` : ''}`;
        return li;
      }));
      exportLink.href = `/api/exhibitions/${encodeURIComponent(id)}/audit?format=jsonl`;
    } catch (err) {
      problem(err instanceof ApiError ? err.describe() : String(err));
    }
  }

  async function showDiff() {
    problem('');
    try {
      const lines = await readableDiff(history.id, fromSelect.value, toSelect.value, history.doc);
      diffBox.replaceChildren(...(lines.length ? lines : [w('noChanges')]).map((line) => { const li = document.createElement('li'); li.textContent = line; return li; }));
    } catch (err) {
      problem(err instanceof ApiError ? err.describe() : String(err));
    }
  }

  async function publish() {
    problem('');
    notice('');
    try {
      await history.save();  // what the curator sees is what goes live
      const reply = await api.publish(history.id);
      await refresh();
      notice(`${w('published')}: ${reply.body.version.id.slice(0, 12)}`);
    } catch (err) {
      problem(err instanceof ApiError ? err.describe() : String(err));
    }
  }

  async function restore(version) {
    try {
      await api.restore(history.id, version);
      if (onRestored) await onRestored();
      await refresh();
      notice(`${w('restored')}: ${version.slice(0, 12)}`);  // after the list shows it
    } catch (err) {
      problem(err instanceof ApiError ? err.describe() : String(err));
    }
  }

  publishButton.addEventListener('click', publish);
  return { refresh, showDiff, publish, restore, canPublish };
}
