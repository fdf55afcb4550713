/** Types of serve-static.mjs (a plain script). */
export declare function serve(dir: string, port?: number, host?: string): Promise<{ url: string; close: () => Promise<void> }>;
