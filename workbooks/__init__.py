"""Plan-return workbooks: templates as data, upload checks, validation, highlighting and samples.

Pure Python: nothing here imports Django, so the rules run the same in the web process, a Celery
worker, a management command and the tests.
"""
