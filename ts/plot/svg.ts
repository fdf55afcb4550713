/** Small helpers for writing SVG by hand (text escaped, numbers rounded). */

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A number for an SVG attribute (2 decimals). */
export function n2(v: number): string {
  return String(Math.round(v * 100) / 100);
}

export function text(x: number, y: number, s: string, attrs: Record<string, string | number> = {}): string {
  const a = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? n2(v) : esc(v)}"`)
    .join('');
  return `<text x="${n2(x)}" y="${n2(y)}"${a}>${esc(s)}</text>`;
}

export const FONT = 'DejaVu Sans';

export function svgDoc(width: number, height: number, body: string[]): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n2(width)}" height="${n2(height)}" viewBox="0 0 ${n2(width)} ${n2(height)}" font-family="${FONT}">\n` +
    `<rect x="0" y="0" width="${n2(width)}" height="${n2(height)}" fill="#ffffff"/>\n` +
    body.join('\n') +
    '\n</svg>\n'
  );
}
