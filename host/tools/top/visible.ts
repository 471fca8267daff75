// Text that came from an inspected process, made safe for a terminal.
//
// Every string in a frame — and every number, which a hostile or broken
// server may send as a string — is the other process's to choose. Printed
// raw, an ESC or a C1 CSI starts a terminal escape sequence (a title change,
// colours, cursor moves, on some terminals worse). So control characters
// (C0, DEL, C1) are shown as \xNN instead, wherever such text is printed.

const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;

const hex = (c: string): string => c.charCodeAt(0).toString(16).padStart(2, '0');

/** `text` with each control character written as \xNN. */
export function visible(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${hex(c)}`);
}

/**
 * A JSON text with DEL and the C1 controls escaped as \u00NN (JSON.stringify
 * already escapes C0 but passes these through raw); still the same JSON.
 */
export function visibleJson(json: string): string {
  return json.replace(/[\x7f-\x9f]/g, (c) => `\\u00${hex(c)}`);
}
