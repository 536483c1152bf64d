// Building and updating DOM nodes without innerHTML, so values from the API are never parsed as markup.

/**
 * Creates an element. `props` keys: `class`, `text`, `dataset` (object), `on<Event>` handlers,
 * attribute names (false/null/undefined leaves the attribute out). Children may be nodes, strings
 * or nested arrays; null and false are skipped.
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') element.className = value;
    else if (name === 'text') element.textContent = value;
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces every child of `element`. */
export function replaceChildren(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

/** Sets text only when it differs, so unchanged cells do not churn layout or selection. */
export function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

/**
 * Keeps `container`'s children in step with `items`, reusing the element of each key: `create(item)`
 * makes a new one, `update(element, item)` refreshes it. Focus and hover survive a refresh.
 */
export function syncChildren(container, items, keyOf, create, update) {
  const existing = new Map();
  for (const child of container.children) existing.set(child.dataset.key, child);
  let previous = null;
  for (const item of items) {
    const key = keyOf(item);
    let element = existing.get(key);
    existing.delete(key);
    if (!element) {
      element = create(item);
      element.dataset.key = key;
    }
    update(element, item);
    const expectedPosition = previous ? previous.nextElementSibling : container.firstElementChild;
    if (element !== expectedPosition) container.insertBefore(element, expectedPosition);
    previous = element;
  }
  for (const stale of existing.values()) stale.remove();
}

/** Restarts a CSS animation class on `element` (used for the "row changed" highlight). */
export function flash(element, className = 'changed') {
  element.classList.remove(className);
  void element.offsetWidth; // forces a style flush so re-adding the class restarts the animation
  element.classList.add(className);
}
