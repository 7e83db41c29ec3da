"""Change over time: one timeline of a bundle (``kbundle timeline``) and the difference of two
captures (``kbundle diff``)."""
