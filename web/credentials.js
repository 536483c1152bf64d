// The API key the dashboard sends: given once in the page address (…/#key=trb_…) or in the key
// form, kept in this browser's localStorage, and sent as "Authorization: Bearer …" with every
// request and in the WebSocket's connection_init.

const STORAGE = 'tributary.apiKey';

export function apiKey() {
  return localStorage.getItem(STORAGE) ?? '';
}

export function setApiKey(key) {
  if (key) localStorage.setItem(STORAGE, key);
  else localStorage.removeItem(STORAGE);
}

/** Moves a key given in the address (#key=…) into storage, and out of the address bar and history. */
export function takeKeyFromAddress() {
  const match = /(?:^|&)key=([^&]+)/.exec(location.hash.slice(1));
  if (!match) return;
  setApiKey(decodeURIComponent(match[1]));
  history.replaceState(null, '', location.pathname + location.search);
}

export function authorizationHeaders() {
  const key = apiKey();
  return key ? { authorization: `Bearer ${key}` } : {};
}
