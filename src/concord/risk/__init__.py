"""The risk engine: pure Python, no Django. Instruments, rules and thresholds are versioned data."""
