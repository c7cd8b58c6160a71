// Before anything is drawn: the design system styles its components for script.
document.body.className += " js-enabled" +
  ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
