"""What other apps may follow in a return's life without submissions knowing them.

`return_values_changed` is sent inside the transaction that finishes reading a version: checked
(its values are stored) or rejected (its return no longer has checked values). Keyword argument:
`version`. Receivers run in that transaction, so an exception rolls the finish back; work that
should wait for the commit is theirs to put on `transaction.on_commit`.
"""

from django.dispatch import Signal

return_values_changed = Signal()
