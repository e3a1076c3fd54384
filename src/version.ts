/** Natter's version; a test checks that it matches package.json. */
export const NATTER_VERSION = '0.1.0';

/** How the server names itself to clients that sent `caps` (rule 4.4). */
export const SERVER_SOFTWARE = `natter/${NATTER_VERSION}`;
