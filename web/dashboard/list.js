// @ts-check
// The resource list: filters (kind, phase, label, text), counts by phase, and a page of rows at a
// time, so that 1,000 Sites cost one page of DOM rows, not a thousand. Values go in as text only.

/** @typedef {import('./api.js').ResourceView} ResourceView */

export const PAGE_SIZE = 50;

/** @typedef {{ kind: string, phase: string, label: string, text: string, page: number }} Filters */

/** @param {ResourceView} view */
export const phaseOf = (view) => view.status?.phase ?? 'Unknown';

/** @param {ResourceView} view */
export function messageOf(view) {
  const status = view.status ?? {};
  const ready = (status.conditions ?? []).find((c) => c && c.type === 'Ready');
  return (ready && ready.message) || status.lastError?.message || '';
}

/** @param {ResourceView} view */
const labelText = (view) =>
  Object.entries(view.labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

/**
 * True when `view` passes every filter but the phase (counts are taken over these).
 * @param {ResourceView} view @param {Filters} f
 */
function matchesOthers(view, f) {
  if (f.kind && view.kind !== f.kind) return false;
  if (f.label) {
    const [k, v] = f.label.split('=', 2).map((s) => s.trim());
    const labels = view.labels ?? {};
    if (!k || !(k in labels)) return false;
    if (v !== undefined && v !== '' && labels[k] !== v) return false;
  }
  if (f.text) {
    const needle = f.text.toLowerCase();
    const hay = `${view.key} ${messageOf(view)} ${labelText(view)}`.toLowerCase();
    if (!hay.includes(needle)) return false;
  }
  return true;
}

/**
 * @param {ResourceView[]} all sorted by key
 * @param {Filters} f
 * @returns {{ rows: ResourceView[], counts: Map<string, number>, total: number, pages: number, page: number }}
 */
export function select(all, f) {
  /** @type {Map<string, number>} */
  const counts = new Map();
  /** @type {ResourceView[]} */
  const matching = [];
  for (const view of all) {
    if (!matchesOthers(view, f)) continue;
    const phase = phaseOf(view);
    counts.set(phase, (counts.get(phase) ?? 0) + 1);
    if (!f.phase || phase === f.phase) matching.push(view);
  }
  const pages = Math.max(1, Math.ceil(matching.length / PAGE_SIZE));
  const page = Math.min(Math.max(0, f.page), pages - 1);
  return {
    rows: matching.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE),
    counts,
    total: matching.length,
    pages,
    page,
  };
}

/**
 * @param {HTMLTableRowElement} tr @param {ResourceView} view @param {boolean} selected
 */
function fillRow(tr, view, selected) {
  const phase = phaseOf(view);
  const values = [view.key, phase, messageOf(view), labelText(view)];
  while (tr.children.length < values.length) tr.appendChild(document.createElement('td'));
  values.forEach((value, i) => {
    const td = /** @type {HTMLElement} */ (tr.children[i]);
    if (td.textContent !== value) td.textContent = value;
  });
  /** @type {HTMLElement} */ (tr.children[1]).className = `phase-${phase}`;
  tr.className = `phase-${phase}${selected ? ' selected' : ''}`;
  tr.dataset.key = view.key;
  tr.dataset.phase = phase;
}

/**
 * Renders one page into `tbody`, reusing row elements.
 * @param {HTMLElement} tbody @param {ResourceView[]} rows @param {string | undefined} selectedKey
 */
export function renderRows(tbody, rows, selectedKey) {
  while (tbody.children.length > rows.length) tbody.lastElementChild?.remove();
  rows.forEach((view, i) => {
    let tr = /** @type {HTMLTableRowElement | undefined} */ (tbody.children[i]);
    if (!tr) {
      tr = document.createElement('tr');
      tbody.appendChild(tr);
    }
    fillRow(tr, view, view.key === selectedKey);
  });
}

/**
 * @param {HTMLElement} box @param {Map<string, number>} counts @param {string} selected
 * @param {(phase: string) => void} choose
 */
export function renderCounts(box, counts, selected, choose) {
  box.replaceChildren();
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const entries = [['', total], ...[...counts.entries()].sort(([a], [b]) => a.localeCompare(b))];
  for (const [phase, count] of entries) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = `${phase || 'all'} ${count}`;
    button.dataset.phase = String(phase);
    if (phase) button.classList.add(`phase-${phase}`);
    if (phase === selected) button.classList.add('selected');
    button.addEventListener('click', () => choose(String(phase)));
    box.appendChild(button);
  }
}
