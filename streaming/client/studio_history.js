// The draft being edited: undo/redo over whole-document snapshots, and autosave with
// If-Match.  A 412 (someone else saved) keeps the local copy and offers a choice, so a
// conflict never loses the curator's work.
import { ApiError, api, bareEtag } from '/static/studio_api.js';
import { w } from '/static/studio_words.js';

const AUTOSAVE_MS = 1200;
const MAX_UNDO = 200;
const COALESCE_MS = 1500;

const clone = (value) => JSON.parse(JSON.stringify(value));

/**
 * `stateBox` shows "saved" / "saving" / "unsaved" / "conflict"; `conflictBox` holds the
 * conflict's buttons; `onChange(doc, {remote})` re-renders the page after any change;
 * `onError(text)` shows a refusal.
 */
export function createHistory({ stateBox, conflictBox, onChange, onError, onSaved }) {
  const s = { id: null, doc: null, etag: null, undo: [], redo: [], timer: 0, saving: null, dirty: false, conflict: null };

  function setState(word) {
    stateBox.dataset.state = word;
    stateBox.textContent = w(word);
  }

  function notify(remote = false) { onChange(s.doc, { remote }); }

  /** Start editing exhibition `id`: its draft and ETag from the server. */
  async function open(id) {
    const reply = await api.draft(id);
    Object.assign(s, { id, doc: reply.body, etag: bareEtag(reply.headers.get('ETag')), undo: [], redo: [], dirty: false, conflict: null });
    clearTimeout(s.timer);
    conflictBox.hidden = true;
    setState('saved');
    notify(true);
  }

  /**
   * Change the document with `edit(doc)` (a copy; return nothing): one undo step, or the
   * same step as the last change of the same `key` (typing in one field is one step).
   */
  function change(edit, key = null) {
    if (!s.doc) return;
    const next = clone(s.doc);
    edit(next);
    const now = Date.now();
    const same = key !== null && key === s.lastKey && now - s.lastAt < COALESCE_MS;
    s.lastKey = key;
    s.lastAt = now;
    if (!same) s.undo.push(s.doc);
    if (s.undo.length > MAX_UNDO) s.undo.shift();
    s.redo = [];
    s.doc = next;
    touched();
  }

  function touched() {
    s.dirty = true;
    if (!s.conflict) setState('unsaved');
    clearTimeout(s.timer);
    s.timer = setTimeout(save, AUTOSAVE_MS);
    notify();
  }

  function undo() {
    s.lastKey = null;
    if (!s.undo.length) return;
    s.redo.push(s.doc);
    s.doc = s.undo.pop();
    touched();
  }

  function redo() {
    if (!s.redo.length) return;
    s.undo.push(s.doc);
    s.doc = s.redo.pop();
    touched();
  }

  /** PUT the draft with If-Match; one save at a time, a change meanwhile saves again. */
  async function save({ force = false } = {}) {
    clearTimeout(s.timer);
    if (!s.doc || (!s.dirty && !force) || (s.conflict && !force)) return;
    if (s.saving) { await s.saving; if (s.dirty) return save({ force }); return; }
    const sent = s.doc;
    s.dirty = false;
    setState('saving');
    s.saving = (async () => {
      try {
        const reply = await api.save(s.id, sent, s.etag);
        s.etag = reply.body.etag;
        s.conflict = null;
        conflictBox.hidden = true;
        setState(s.dirty ? 'unsaved' : 'saved');
        if (onSaved) onSaved(sent);
      } catch (err) {
        s.dirty = true;
        if (err instanceof ApiError && err.status === 412) {
          s.conflict = err.currentEtag || 'unknown';
          setState('conflict');
          conflictBox.hidden = false;
        } else {
          setState('unsaved');
          onError(err instanceof ApiError ? err.describe() : String(err));
        }
      } finally {
        s.saving = null;
      }
    })();
    await s.saving;
    if (s.dirty && !s.conflict && s.doc !== sent) s.timer = setTimeout(save, AUTOSAVE_MS);
  }

  /** The conflict's answers: take the server's draft, or write ours over it. */
  async function reloadTheirs() {
    await open(s.id);
  }

  async function overwriteMine() {
    const reply = await api.draft(s.id);  // their ETag, our document
    s.etag = bareEtag(reply.headers.get('ETag'));
    s.conflict = null;
    s.dirty = true;
    await save({ force: true });
  }

  return {
    open, change, undo, redo, save, reloadTheirs, overwriteMine,
    get doc() { return s.doc; },
    get id() { return s.id; },
    get etag() { return s.etag; },
    get state() { return stateBox.dataset.state; },
    get canUndo() { return s.undo.length > 0; },
    get canRedo() { return s.redo.length > 0; },
    /** Replace the document without an undo step (the server's own snap result applied). */
    replace(doc) { s.doc = doc; touched(); },
  };
}
