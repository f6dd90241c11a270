// Start GOV.UK Frontend's components. Loaded as a module from base.html: the CSP allows
// scripts from our own origin only, so this replaces the inline snippet in GOV.UK's template.
// Browsers without ES modules never run it and get the plain, fully working HTML.
import { initAll } from "/assets/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
