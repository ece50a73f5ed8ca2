"""`python -m tools.charts`: fetch and verify every chart pinned in charts.lock.yaml."""

import sys

from tools.charts.packages import main

sys.exit(main())
