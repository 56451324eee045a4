"""Study drivers: comparisons run on the library's public functions (the Antwerp funnel study)."""
