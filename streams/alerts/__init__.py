"""The alert path's pure logic (parsers, canonical alert, fingerprints, dedupe) and its receivers."""
