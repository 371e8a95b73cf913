"""The security test suite: access control, CSRF, injection and XSS, uploads, accounts,
headers, property-based checks of the form and money rules, and bandit."""
