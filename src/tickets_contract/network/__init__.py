"""The network: everything that leaves the process, and the guards it passes.

    guards     the one way out: allowed hosts for the token, reads only, 429s
    budget     the client-side rate budget shared by every process of a run
    discovery  known records of a target, found by listing it, read-only
    har        the HAR 1.2 file of every exchange of a run, secrets filtered

May import: the base modules, the cassette format and ``spec``. Never the twin or a
judge.
"""
