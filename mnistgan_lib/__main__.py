"""`python -m mnistgan_lib ...`: the course's command line (see `cli`)."""

from mnistgan_lib.cli import main

main()
