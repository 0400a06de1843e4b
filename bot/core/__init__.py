"""The mesa's domain and use cases, in plain Python.

Nothing here imports a chat platform or the scheduler (``tests/test_architecture.py``
enforces it). Every use case takes the acting member, checks permissions, changes state
in one transaction, writes an audit event and returns a result or raises a
:class:`~bot.core.errors.DomainError`; never a platform message.
"""
