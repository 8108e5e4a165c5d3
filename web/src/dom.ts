// A few DOM helpers: elements are built with `h`, text always goes in as text nodes (never as HTML),
// so directory data cannot inject markup.
export type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** A link inside the console (hash routing). */
export function link(route: string, ...children: Child[]): HTMLAnchorElement {
  return h('a', { href: `#${route}` }, ...children);
}

/** A select with its label (named by the label alone); the first option is "any" (empty value). */
export function select(options: { label: string; name: string; values: readonly string[]; value: string; any: string }): HTMLSpanElement {
  const id = `filter-${options.name}`;
  const control = h('select', { id, name: options.name }, h('option', { value: '' }, options.any), ...options.values.map((v) => h('option', { value: v, selected: v === options.value }, v)));
  return h('span', { class: 'field' }, h('label', { for: id }, options.label), control);
}
