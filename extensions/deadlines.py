"""The deadline in force for one organisation's return: its extension's, or the collection's.
Read below the returns (whether an upload is late, every list of returns, reminders), so this
module sits in a lower layer than the extension workflow in `services` and `selectors`."""

from __future__ import annotations

import datetime as dt

from planning.models import Collection, Organisation

from .models import DeadlineExtension


def effective_deadline(*, collection: Collection, organisation: Organisation) -> dt.datetime:
    extension = DeadlineExtension.objects.filter(
        collection=collection, organisation=organisation
    ).first()
    return extension.deadline if extension else collection.deadline
