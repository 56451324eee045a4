"""Population margins (``margins``), synthetic populations (``synthesis``), the recruitment funnel (``funnel``),
self-selection correction (``correction``) and representativeness against the population."""
