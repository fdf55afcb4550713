/**
 * The benignfit web page: three views (Phase diagram, Influence, Theory) over one settings store.
 * All numerics run in Web Workers on the wasm build: the sweep's workers (one wasm instance
 * each), a page worker for quick jobs (theory, figures, PNG) and one for influence scores.
 */
import { load } from '../load-browser.js';
import { influenceView } from './influence.js';
import { phaseView } from './phase.js';
import { JobWorker } from './rpc.js';
import { demoSettings, SettingsStore, settingsFromHash, settingsHash } from './settings.js';
import { theoryView } from './theory.js';
import { $, el, errorText, REPOSITORY } from './util.js';

// Configs are checked (and defaulted) by the core: the form's settings are resolved on this
// thread as they change (cell counts, estimates, errors before Run), so this thread loads a wasm
// instance too. The numerics still run in the workers.
try {
  await load();
} catch (e) {
  $('#backend-info').textContent = `the wasm backend could not be loaded: ${errorText(e)}`;
}

if (REPOSITORY) $('footer').append(' · ', el('a', { href: REPOSITORY, target: '_blank', rel: 'noopener' }, 'source and docs'));

const store = new SettingsStore(settingsFromHash(location.hash) ?? demoSettings());
const quick = new JobWorker('benignfit-page');
const heavy = new JobWorker('benignfit-influence');

const phase = phaseView(store, quick);
const influence = influenceView(heavy, quick);
const theory = theoryView(store, quick);
$('#view-phase').append(phase.root);
$('#view-influence').append(influence.root);
$('#view-theory').append(theory.root);

const VIEWS = ['phase', 'influence', 'theory'] as const;
type View = (typeof VIEWS)[number];
function show(v: View) {
  for (const w of VIEWS) {
    $(`#view-${w}`).hidden = w !== v;
    $(`#tab-${w}`).setAttribute('aria-selected', String(w === v));
  }
  if (v === 'theory') theory.activate();
  document.body.dataset.view = v;
}
for (const v of VIEWS)
  $(`#tab-${v}`).addEventListener('click', () => {
    show(v);
    history.replaceState(null, '', `#${v}&${settingsHash(store.value)}`);
  });
const initial = VIEWS.find((v) => location.hash.startsWith(`#${v}`)) ?? 'phase';
show(initial);

// Keep the settings in the URL, so a link reproduces them.
let hashTimer: ReturnType<typeof setTimeout> | null = null;
store.subscribe((s) => {
  if (hashTimer) clearTimeout(hashTimer);
  hashTimer = setTimeout(() => history.replaceState(null, '', `#${document.body.dataset.view ?? 'phase'}&${settingsHash(s)}`), 300);
});

quick
  .call('version', {})
  .then((v) => {
    const ver = v.version as { core?: string; simd?: string[] };
    $('#backend-info').textContent =
      `benignfit core ${ver.core ?? '?'} on ${v.backend}${ver.simd?.length ? ` (${ver.simd.join(', ')})` : ''} · ${v.workers} logical processors · ${crossOriginIsolated ? 'cross-origin isolated' : 'no SharedArrayBuffer needed'}`;
    document.body.dataset.ready = 'true';
  })
  .catch((e) => {
    $('#backend-info').textContent = `the wasm backend could not be loaded: ${errorText(e)}`;
    document.body.dataset.ready = 'error';
  });
