import sys

from pyk8s.cli.main import main

sys.exit(main())
