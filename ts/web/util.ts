/** Small DOM helpers, downloads and number formatting for the page. */

type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

/** Create an element: el('button', { class: 'x', onclick: f }, 'text', child). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string | null | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === 'function') e.addEventListener(k.replace(/^on/, ''), v as EventListener);
    else if (k === 'class') e.className = String(v);
    else if (v === true) e.setAttribute(k, '');
    else e.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

export function $(sel: string, root: ParentNode = document): HTMLElement {
  const e = root.querySelector(sel);
  if (!e) throw new Error(`page: no element ${sel}`);
  return e as HTMLElement;
}

/** Offer bytes or text as a file download (nothing leaves the browser). */
export function download(name: string, data: string | Uint8Array | Blob, type = 'application/octet-stream'): void {
  const blob = data instanceof Blob ? data : new Blob([data as BlobPart], { type });
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * A number for a table: 4 significant digits, exponents for very large / small values with the
 * mantissa's trailing zeros dropped ("4.34e-9", not "4.340e-9"). Tables keep numbers on one line
 * (white-space: nowrap in style.css), so a number never wraps at its exponent's sign.
 */
export function fmt(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined) return '∞';
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) {
    const [m, e] = v.toExponential(digits - 1).split('e');
    return `${m.includes('.') ? m.replace(/\.?0+$/, '') : m}e${e.replace(/^\+/, '')}`;
  }
  return String(+v.toPrecision(digits));
}

/** The repository (Cargo.toml's workspace `repository`, set at build time). */
export const REPOSITORY = typeof __BENIGNFIT_REPOSITORY__ === 'string' ? __BENIGNFIT_REPOSITORY__ : '';

/** A link to a file of the repository, e.g. docLink('docs/theory.md'). */
export function docLink(path: string, text = path): HTMLAnchorElement {
  return el('a', { href: `${REPOSITORY}/blob/main/${path}`, target: '_blank', rel: 'noopener', class: 'doc-link' }, text);
}

export function seconds(s: number): string {
  if (!Number.isFinite(s)) return '–';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s - 60 * m)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** A progress bar element with a label; set(fraction, text). */
export function progressBar(): { root: HTMLElement; set: (f: number | null, text: string) => void } {
  const bar = el('progress', { max: 1, value: 0 });
  const label = el('span', { class: 'progress-label', role: 'status', 'aria-live': 'polite' });
  const root = el('div', { class: 'progress' }, bar, label);
  return {
    root,
    set(f, text) {
      if (f === null) bar.removeAttribute('value');
      else bar.value = Math.max(0, Math.min(1, f));
      label.textContent = text;
    },
  };
}

/** Run `f` at most once per animation frame, with the latest arguments. */
export function throttleFrame(f: () => void): () => void {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      f();
    });
  };
}

/** Put SVG text into a container (the SVG is ours: built by the plotting module). */
export function showSvg(container: HTMLElement, svg: string): SVGSVGElement | null {
  container.innerHTML = svg;
  return container.querySelector('svg');
}

export function errorText(e: unknown): string {
  const err = e as { code?: string; message?: string };
  return err?.code ? `[${err.code}] ${err.message}` : String(err?.message ?? e);
}
