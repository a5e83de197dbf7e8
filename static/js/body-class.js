// Loaded as a classic script at the top of <body> so NHS.UK components style themselves for
// JavaScript before first paint; the CSP forbids the inline snippet the design system suggests.
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " nhsuk-frontend-supported" : "");
