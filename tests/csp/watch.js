// Loaded first: records every Content-Security-Policy violation for the test to read.
window.violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.violations.push({
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    sample: event.sample,
  });
});
