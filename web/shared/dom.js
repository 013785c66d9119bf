// A few lines instead of a framework: elements from tags, attributes and children. Text always
// goes in as text nodes, never as HTML, so nothing a server or a citizen wrote can run.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'class') {
      el.className = value;
    } else if (value === true) {
      el.setAttribute(name, '');
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

// A form field with its label, help and error message wired for screen readers.
export function field(id, label, input, { help = '', error = '' } = {}) {
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  input.id = id;
  const described = [help && helpId, errorId].filter(Boolean).join(' ');
  input.setAttribute('aria-describedby', described);
  if (error) input.setAttribute('aria-invalid', 'true');
  return h('div', { class: 'field', 'data-field': id },
    h('label', { for: id }, label),
    help ? h('p', { class: 'help', id: helpId }, help) : null,
    input,
    h('p', { class: 'error', id: errorId, hidden: !error }, error));
}

export function setError(container, id, message) {
  const error = container.querySelector(`#${id}-error`);
  const input = container.querySelector(`#${id}`);
  if (error) {
    error.textContent = message || '';
    error.hidden = !message;
  }
  if (input) {
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
}

// The same for SVG (charts drawn by the apps' own code): elements in SVG's namespace.
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}
