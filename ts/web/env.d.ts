/** Defined by vite.web.config.ts: the repository URL of Cargo.toml's [workspace.package]. */
declare const __BENIGNFIT_REPOSITORY__: string;
