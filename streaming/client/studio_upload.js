// Upload a glTF/GLB: send the bytes, follow the import job (stage and fraction in a
// progress bar), list the gate's report in words, and give back the imported model so the
// page can place it as a new exhibit.
import { ApiError, api } from '/static/studio_api.js';
import { w } from '/static/studio_words.js';

const POLL_MS = 300;

const pause = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

/** The gate's report as a list: each finding's severity, message and where. */
function showReport(list, report) {
  list.replaceChildren(...(report || []).map((item) => {
    const li = document.createElement('li');
    li.dataset.severity = item.severity || 'info';
    li.dataset.code = item.code || '';
    li.textContent = `${item.severity || 'info'}: ${item.message}${item.pointer ? ` (${item.pointer})` : ''}`;
    return li;
  }));
}

/** What the optimizer did, in words: bytes and triangles before and after. */
function sizes(stats) {
  const b = stats && stats.before;
  const a = stats && stats.after;
  if (!b || !a) return '';
  const kb = (n) => `${Math.round(n / 1024).toLocaleString()} KB`;
  return `${kb(b.bytes)} → ${kb(a.bytes)}, ${a.triangles.toLocaleString()} ${w('triangles')}`;
}

/**
 * `input` the file picker, `bar` a <progress>, `status` its words, `report` a list;
 * `exhibition()` the open one; `onDone(result)` places the model.
 */
export function createUpload({ input, bar, status, report, exhibition, onDone, problem }) {
  function progress(stage, fraction) {
    bar.hidden = false;
    bar.value = Math.max(0, Math.min(1, Number(fraction) || 0));
    bar.dataset.stage = stage;
    status.textContent = `${w(`stage.${stage}`) === `stage.${stage}` ? stage : w(`stage.${stage}`)} ${Math.round(bar.value * 100)} %`;
  }

  async function upload(file) {
    const id = exhibition();
    if (!id || !file) return;
    report.replaceChildren();
    progress('uploading', 0);
    let job;
    try {
      const bytes = await file.arrayBuffer();
      job = (await api.upload(id, file.name, bytes)).body;
    } catch (err) {
      progress('failed', 0);
      problem(err instanceof ApiError ? err.describe() : String(err));
      return;
    }
    // Poll the job until it ends: its stage and fraction drive the bar.
    for (;;) {
      let state;
      try { state = (await api.job(job.url || `/api/jobs/${job.job}`)).body; } catch (err) {
        progress('failed', 0);
        problem(err instanceof ApiError ? err.describe() : String(err));
        return;
      }
      if (state.state === 'done') {
        progress('done', 1);
        status.textContent += ` · ${sizes(state.result?.stats)}`;
        const found = state.result?.report || [];
        showReport(report, found.length ? found : [{ severity: 'info', code: 'OK', message: w('gateClean') }]);
        onDone(state.result);
        return;
      }
      if (state.state === 'failed') {
        progress('failed', state.fraction || 0);
        const error = state.error || {};
        showReport(report, error.report || [{ severity: 'error', code: error.code, message: error.message }]);
        problem(error.message || error.code || 'failed');
        return;
      }
      progress(state.stage || 'running', state.fraction);
      await pause(POLL_MS);
    }
  }

  input.addEventListener('change', () => {
    const file = input.files && input.files[0];
    upload(file).finally(() => { input.value = ''; });
  });
  return { upload };
}
