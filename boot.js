// Starts the page's wasm without an inline script (the Content-Security-Policy allows only files
// of the site). Trunk writes the hashed file names into this tag's data attributes (Trunk.toml).
const tag = document.querySelector('script[data-js][data-wasm]');

try {
  const { default: init } = await import(new URL(tag.dataset.js, document.baseURI).href);
  await init({ module_or_path: new URL(tag.dataset.wasm, document.baseURI) });
} catch (error) {
  // A Rust panic has already shown its own message (src/ui/mod.rs); anything else did not start.
  if (!document.querySelector('[role="alert"]')) {
    const alert = document.createElement('p');
    alert.setAttribute('role', 'alert');
    alert.className = 'panic';
    alert.textContent = `Runlens could not start: ${error}`;
    document.body.prepend(alert);
  }
  throw error;
}
