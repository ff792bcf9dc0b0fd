"""Internals of the bilingual text layer.

The public API lives in `cxtext.language`, `cxtext.normalize` and `cxtext.tokens`; the modules here hold
the pieces they share (personal-data patterns, hazm's lexicon, the Persian and English tokenisers,
negation rules) so that each public module stays small.
"""
