"""Staff account security (docs/security.md): the second factor (`two_factor`), the browser
sessions an account can list and close (`sessions`), the login history (`history`), the password
policy (`passwords`) and what they share about the client (`clients`)."""
