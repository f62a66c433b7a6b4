"""Helpers of the browser tests: Chromium driven by Node, the dashboard driver and its data, a proxy
that can cut the network."""
