// One message is one line: a ticker, a strategy's log text or an error with a newline (or a
// terminal escape) inside must not split a .log line or repaint someone's terminal.

// C0 controls but tab, DEL, C1 controls, and the Unicode line / paragraph separators
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]/g;

/** the text with every control character written as an escape (\n, \r, \x1b, \u2028) */
export function oneLine(text: string): string {
  return text.replace(CONTROL, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
}
