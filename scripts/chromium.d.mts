/** Types of chromium.mjs (a plain script). */
export declare const CHROMIUM: string;
export declare const CHROMIUM_ARGS: string[];
