"""`python -m mnistgan_lib ...`: the course's command line (see `cli`)."""

from mnistgan_lib.running.cli import main

main()
