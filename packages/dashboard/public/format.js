// How numbers and times read on the page; the browser test relies on usd() for exact comparison.

/** US dollars with six decimals: small per-request costs stay visible and sums compare exactly. */
export function usd(value) {
  return `$${Number(value).toFixed(6)}`;
}

export function integer(value) {
  return Number(value).toLocaleString('en-US');
}

export function milliseconds(value) {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
}

export function dateTime(iso) {
  if (!iso) return '–';
  const date = new Date(iso);
  return date.toLocaleString('en-GB', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/**
 * Characters that change how the text after them reads without showing themselves:
 * bidirectional overrides, embeddings, isolates and marks (the Arabic letter mark
 * U+061C too), and the Unicode line and paragraph separators: the set the admin API
 * refuses in names (check-input.ts), so a name stored before reads as it would be refused.
 */
const invisibleControls = /[\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text as the page shows it: those characters written out (`\u202e`), so a name stored
 * through the admin API cannot reverse the key id shown after it, or reorder the rest
 * of a sentence it is part of. Letters of right-to-left scripts are left as they are.
 */
export function visibleText(value) {
  return String(value).replace(invisibleControls, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** An element with text content only: data never becomes markup, and its text is {@link visibleText}. */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') element.className = value;
    else if (name === 'text') element.textContent = visibleText(value);
    else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== undefined && child !== null) element.append(child);
  return element;
}
