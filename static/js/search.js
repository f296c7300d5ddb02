// On a phone the search filters fold away above the results; they stay open on wider screens.
// (A static file, not an inline script: the Content-Security-Policy allows scripts from 'self'.)
document.addEventListener("DOMContentLoaded", () => {
  const facets = document.querySelector("details.facets");
  if (facets && window.matchMedia("(max-width: 40rem)").matches) {
    facets.removeAttribute("open");
  }
});
