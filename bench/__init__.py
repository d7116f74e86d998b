"""Data generators and benchmarks (`python -m bench.<name>`); `make bench` runs them."""
