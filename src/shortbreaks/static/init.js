// Start GOV.UK Frontend's components. Loaded as a module from base.html: the CSP allows
// scripts from our own origin only, so this replaces the inline snippet in GOV.UK's template.
// Browsers without ES modules never run it and get the plain, fully working HTML.
import { initAll } from "/assets/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// Search: the filters sit behind "Filter results" so that on a phone the results come first.
// On a wide screen there is room for both, so open them (without JavaScript they stay one click away).
const filters = document.querySelector("details.sb-filters");
if (filters && window.matchMedia("(min-width: 40.0625em)").matches) {
  filters.open = true;
}
