/**
 * The Chromium the browser tests (test/browser) and the bench's web group drive: Debian's
 * (`/usr/bin/chromium`, or BENIGNFIT_CHROMIUM) and the flags both launch it with. The flags matter
 * on CI machines: no sandbox (containers), no GPU, no network side traffic.
 */
export const CHROMIUM = process.env.BENIGNFIT_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
