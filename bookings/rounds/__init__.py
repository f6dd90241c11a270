"""Allocation rounds (issue #22 item 1): a scheme's sessions opened for ranked requests, then one draw.

- :mod:`~bookings.rounds.draw`: the draw itself, pure (no database, no clock, no I/O): the inputs,
  the rule, the result, and the published (anonymised) JSON form.
- :mod:`~bookings.rounds.recompute`: ``python -m bookings.rounds.recompute inputs.json`` recomputes a
  published draw from its inputs and seed, so anyone can check it.

The models, pages and the job that runs a round call :func:`bookings.rounds.draw.allocate`.
"""
