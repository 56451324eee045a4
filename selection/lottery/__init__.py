"""Everything a public draw records: rounding to m equally likely panels (``rounding``), seed derivation
(``seeds``), the audit bundle (``bundle``), the workflow publish -> draw -> replace (``workflow``), reserve lists
(``reserves``), quota-keeping replacement (``repair``) and ``verify``."""
