"""The part of Pépites that reads: language, kind, customer signal, keywords, near-duplicates, themes.

Pure Python over text and dataclasses: no Slack, no SQL. spaCy pipelines are loaded once per process
(see :mod:`insights.pipeline`) and passed in.
"""
