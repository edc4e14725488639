// How numbers and times read on the page; the browser test relies on usd() for exact comparison.

/** US dollars with six decimals: small per-request costs stay visible and sums compare exactly. */
export function usd(value) {
  return `$${Number(value).toFixed(6)}`;
}

/**
 * A spend axis tick: cents, or as many decimals as the step between ticks needs, at most
 * six (the API's micro-dollars), so ticks $0.00002 apart do not all read $0.0000.
 */
export function spendTick(value, step) {
  const decimals = Math.min(6, Math.max(2, Math.ceil(-Math.log10(step) - 1e-9)));
  return `$${value.toFixed(decimals)}`;
}

/**
 * Costs added up as the stores add them (sumOfCosts in @switchyard/core): fourteen
 * significant digits keep every micro-dollar and drop the binary noise a float sum
 * leaves (5 × $0.0017 is $0.0085, not 0.008499999999999999).
 */
export function addCosts(a, b) {
  return Number((a + b).toPrecision(14));
}

/**
 * How much of a spend rests on the gateway's estimates (requests whose provider
 * reported no usage): `estimated: 2 requests, $0.003400`, or '' where none does.
 */
export function estimatedShare(requests, costUsd) {
  if (!requests) return '';
  return `estimated: ${integer(requests)} ${requests === 1 ? 'request' : 'requests'}, ${usd(costUsd)}`;
}

/**
 * How much of a budget is used, 0 to 1. A $0 budget allows no spend, so it is used up
 * from the start: dividing by its 0 drew an empty bar, as if all of it were left.
 */
export function budgetUsed(spent, limit) {
  if (!(limit > 0)) return 1;
  const share = (Number(spent) || 0) / limit;
  return Math.min(1, Math.max(0, share));
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
 * Characters that change how the text around them reads without showing themselves:
 * every format character (Unicode Cf: bidirectional overrides, embeddings, isolates and
 * marks, the zero-width space, the byte order mark, the soft hyphen, tag characters …)
 * but the zero-width non-joiner and joiner, and the Unicode line and paragraph
 * separators: the set the admin API refuses in names (check-input.ts), so a name stored
 * before reads as it would be refused.
 */
const invisibleControls = /(?![\u200c\u200d])[\p{Cf}\u2028\u2029]/gu;

/**
 * Text as the page shows it: those characters written out (`\u202e`, `\u200b`,
 * `\u{e0041}`), so a name stored through the admin API cannot reverse the key id shown
 * after it, reorder the rest of a sentence it is part of, or pass for another name (a
 * team `ops\u200b` for `ops`). Letters of right-to-left scripts are left as they are.
 */
export function visibleText(value) {
  return String(value).replace(invisibleControls, (character) => {
    const code = character.codePointAt(0);
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
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
