// The design system's components (error summary focus, radios, buttons), from the hub itself.
import { initAll } from "/static/govuk/govuk-frontend.min.js";

initAll();
