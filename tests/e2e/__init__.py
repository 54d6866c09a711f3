"""End-to-end tests: headless Chromium or several processes against a real server (``-m e2e``)."""
