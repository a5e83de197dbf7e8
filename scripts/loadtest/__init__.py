"""`make load` and `make chaos`: the production-shaped stack on this machine, a deadline surge
driven against it over loopback, faults injected while it runs, and checks of what was stored.

`figures` and `checks` are pure and unit-tested (tests/test_load_scripts.py); `stack` starts and
stops the processes; `workload` prepares users and files inside Django; `driver` sends the surge.
"""
