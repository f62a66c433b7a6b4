"""Helpers of the security tests: hypothesis strategies, hostile requests and the run's figures."""
